#include "hub/channel_router.hpp"

#include "core/channel_name.hpp"
#include "hub/client_session.hpp"

namespace wshub::hub {

namespace asio = boost::asio;
using broker::BrokerError;

namespace {

// Runs `done(result)` later on `ex`: handlers never run inside the broker's call.
template <class T>
void complete_on(asio::any_io_executor ex, broker::Handler<T> done, core::Expected<T, BrokerError> result) {
  asio::post(ex, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

}  // namespace

ChannelRouter::ChannelRouter(ShardSet& shards, const config::Config& cfg) : shards_(shards), cfg_(cfg) {}

const config::NamespaceOptions& ChannelRouter::namespace_of(std::string_view channel) const {
  return cfg_.namespace_options(core::channel_namespace(channel));
}

void ChannelRouter::publish(std::string channel, std::string raw_data, asio::any_io_executor reply_to,
                            broker::Handler<broker::PublishResult> done) {
  // Where the broker orders publications itself (Redis), the shard that
  // received one sends it: two cross-shard hops (there and back) fewer. Only
  // from one of this hub's shards: any other thread goes through the owner.
  Shard* here = Shard::current();
  if (shards_.contains(here) && broker_->publishes_on_any_shard()) {
    publish_on(here->index(), channel, raw_data, std::move(reply_to), std::move(done));
    return;
  }
  const std::size_t owner = shards_.owner_of(channel);
  shards_.post(owner, [this, owner, channel = std::move(channel), raw_data = std::move(raw_data), reply_to,
                       done = std::move(done)]() mutable {
    publish_on(owner, channel, raw_data, std::move(reply_to), std::move(done));
  });
}

void ChannelRouter::publish_on(std::size_t shard, const std::string& channel, const std::string& raw_data,
                               asio::any_io_executor reply_to, broker::Handler<broker::PublishResult> done) {
  broker_->publish(shard, channel, raw_data, namespace_of(channel),
                   [reply_to, done = std::move(done)](core::Expected<broker::PublishResult, BrokerError> r) mutable {
                     complete_on(reply_to, std::move(done), std::move(r));
                   });
}

void ChannelRouter::join(std::size_t from, std::string channel, std::optional<core::StreamPosition> since,
                         broker::Handler<broker::RecoveryResult> done) {
  const std::size_t owner = shards_.owner_of(channel);
  shards_.post(owner, [this, owner, from, channel = std::move(channel), since = std::move(since),
                       done = std::move(done)]() mutable {
    auto reply_to = shards_.at(from).executor();
    auto& table = shards_.at(owner).owned_channels;
    auto [it, inserted] = table.try_emplace(channel);
    ChannelEntry& entry = it->second;
    entry.shard_mask |= std::uint64_t{1} << from;
    const auto& ns = namespace_of(channel);

    // Once the broker delivers the channel here, take the snapshot.
    auto snapshot = [this, channel, since, &ns, reply_to, done = std::move(done)](bool ok) mutable {
      if (!ok) {
        complete_on<broker::RecoveryResult>(reply_to, std::move(done),
                                            core::unexpected(BrokerError{503, "broker unavailable"}));
        return;
      }
      broker_->recover(channel, ns, since,
                       [reply_to, done = std::move(done)](core::Expected<broker::RecoveryResult, BrokerError> r) mutable {
                         complete_on(reply_to, std::move(done), std::move(r));
                       });
    };
    if (!inserted && entry.state == ChannelEntry::State::active) {
      snapshot(true);
      return;
    }
    entry.waiters.push_back(std::move(snapshot));
    if (!inserted) return;  // a subscribe to the broker is already in flight
    shards_.at(owner).counters.channels.add(1);
    broker_->subscribe(channel, ns, [this, owner, channel](core::Expected<void, BrokerError> r) {
      auto& tbl = shards_.at(owner).owned_channels;
      auto e = tbl.find(channel);
      if (e == tbl.end()) return;
      auto waiters = std::move(e->second.waiters);
      if (r && e->second.shard_mask != 0) {
        e->second.state = ChannelEntry::State::active;
      } else {
        if (r) broker_->unsubscribe(channel);  // everyone left while subscribing
        tbl.erase(e);
        shards_.at(owner).counters.channels.add(-1);
      }
      for (auto& w : waiters) w(r.has_value());
    });
  });
}

void ChannelRouter::leave(std::size_t from, std::string channel) {
  const std::size_t owner = shards_.owner_of(channel);
  shards_.post(owner, [this, owner, from, channel = std::move(channel)] {
    auto& table = shards_.at(owner).owned_channels;
    auto it = table.find(channel);
    if (it == table.end()) return;
    it->second.shard_mask &= ~(std::uint64_t{1} << from);
    if (it->second.shard_mask != 0 || it->second.state != ChannelEntry::State::active) return;
    broker_->unsubscribe(channel);
    table.erase(it);
    shards_.at(owner).counters.channels.add(-1);
  });
}

void ChannelRouter::history(std::string channel, broker::HistoryQuery query, asio::any_io_executor reply_to,
                            broker::Handler<broker::HistoryResult> done) {
  const std::size_t owner = shards_.owner_of(channel);
  shards_.post(owner, [this, channel = std::move(channel), query = std::move(query), reply_to,
                       done = std::move(done)]() mutable {
    broker_->history(channel, namespace_of(channel), query,
                     [reply_to, done = std::move(done)](core::Expected<broker::HistoryResult, BrokerError> r) mutable {
                       complete_on(reply_to, std::move(done), std::move(r));
                     });
  });
}

void ChannelRouter::on_publication(const core::PublicationPtr& pub) {
  auto& table = shards_.at(shards_.owner_of(pub->channel)).owned_channels;
  auto it = table.find(pub->channel);
  if (it == table.end()) return;
  std::uint64_t mask = it->second.shard_mask;
  // Always post, the owner's own shard included: a join reply posted earlier
  // must reach its shard before this publication does.
  while (mask != 0) {
    const auto i = static_cast<std::size_t>(__builtin_ctzll(mask));
    mask &= mask - 1;
    shards_.post(i, [this, i, pub] { deliver_local(shards_.at(i), pub); });
  }
}

void ChannelRouter::deliver_local(Shard& shard, const core::PublicationPtr& pub) {
  auto* entry = shard.subscribers.entry(pub->channel);
  if (entry == nullptr) return;
  // The position a subscribe answered on this shard reports (ClientSession::shard_position).
  entry->data.epoch = pub->epoch;  // same length each time: reuses its buffer
  entry->data.offset = pub->offset;
  const core::SharedFrame frame = core::frame_of(pub);
  // Sessions never leave the index synchronously from deliver(): an overflow
  // only starts a close, and the index changes on a later handler.
  for (ClientSession* s : entry->subscribers) s->deliver(frame);
}

}  // namespace wshub::hub
