#include "broker/memory_broker.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdio>

#include "core/channel_name.hpp"
#include "core/envelopes.hpp"

namespace wshub::broker {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_sweep_interval = std::chrono::seconds(1);

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

MemoryBroker::MemoryBroker(std::vector<boost::asio::any_io_executor> shard_executors, PublicationSink& sink)
    : sink_(sink) {
  for (auto& ex : shard_executors) partitions_.push_back(std::make_unique<Partition>(ex));
}

MemoryBroker::~MemoryBroker() = default;

void MemoryBroker::start() {
  for (std::size_t i = 0; i < partitions_.size(); ++i) {
    boost::asio::post(partitions_[i]->sweep_timer.get_executor(), [this, i] { schedule_sweep(i); });
  }
}

void MemoryBroker::stop() {
  for (std::size_t i = 0; i < partitions_.size(); ++i) {
    boost::asio::post(partitions_[i]->sweep_timer.get_executor(), [this, i] {
      partitions_[i]->stopped = true;  // a sweep already queued must not re-arm
      partitions_[i]->sweep_timer.cancel();
    });
  }
}

void MemoryBroker::schedule_sweep(std::size_t i) {
  auto& p = *partitions_[i];
  if (p.stopped) return;
  p.sweep_timer.expires_after(k_sweep_interval);
  p.sweep_timer.async_wait([this, i](boost::system::error_code ec) {
    if (ec) return;
    sweep(*partitions_[i]);
    schedule_sweep(i);
  });
}

void MemoryBroker::sweep(Partition& p) {
  const auto now = Clock::now();
  for (auto it = p.channels.begin(); it != p.channels.end();) {
    it->second.ring.expire(now);
    if (!it->second.subscribed && it->second.ring.empty()) {
      it = p.channels.erase(it);
    } else {
      ++it;
    }
  }
}

MemoryBroker::Partition& MemoryBroker::partition_of(std::string_view channel) {
  return *partitions_[core::owner_shard(channel, partitions_.size())];
}

MemoryBroker::ChannelState& MemoryBroker::state_of(Partition& p, std::string_view channel,
                                                   const config::NamespaceOptions& ns) {
  auto it = p.channels.find(channel);
  if (it != p.channels.end()) return it->second;
  char epoch[17];
  std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(p.rng()));
  return p.channels.try_emplace(std::string(channel), std::string(epoch, 16), ns).first->second;
}

void MemoryBroker::publish(std::size_t /*shard: always the owner here*/, std::string_view channel,
                           std::string_view raw_data, const config::NamespaceOptions& ns, Handler<PublishResult> done) {
  auto& p = partition_of(channel);
  auto& st = state_of(p, channel, ns);
  auto pub = core::make_publication(channel, ++st.offset, st.epoch, raw_data, now_ns());
  st.ring.push(pub, Clock::now());
  if (st.subscribed) sink_.on_publication(pub);
  PublishResult r{st.offset, st.epoch};
  if (!st.subscribed && st.ring.empty()) p.channels.erase(p.channels.find(channel));
  done(std::move(r));
}

void MemoryBroker::subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done) {
  auto& p = partition_of(channel);
  state_of(p, channel, ns).subscribed = true;
  done({});
}

void MemoryBroker::unsubscribe(std::string_view channel) {
  auto& p = partition_of(channel);
  auto it = p.channels.find(channel);
  if (it == p.channels.end()) return;
  it->second.subscribed = false;
  if (it->second.ring.empty()) p.channels.erase(it);
}

void MemoryBroker::recover(std::string_view channel, const config::NamespaceOptions& ns,
                           const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) {
  auto& p = partition_of(channel);
  auto& st = state_of(p, channel, ns);
  st.ring.expire(Clock::now());
  RecoveryResult r;
  r.epoch = st.epoch;
  r.offset = st.offset;
  if (since && since->epoch == st.epoch && st.ring.covers(since->offset, st.offset)) {
    r.recovered = true;
    r.messages = st.ring.after(since->offset, st.ring.size());
  }
  done(std::move(r));
}

void MemoryBroker::history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
                           Handler<HistoryResult> done) {
  auto& p = partition_of(channel);
  auto& st = state_of(p, channel, ns);
  st.ring.expire(Clock::now());
  HistoryResult r;
  r.epoch = st.epoch;
  r.offset = st.offset;
  const std::size_t limit = std::min(query.limit, ns.history_size);
  if (query.since && query.since->epoch == st.epoch) {
    r.messages = st.ring.after(query.since->offset, limit);
  } else if (query.since) {
    r.messages = st.ring.after(0, limit);
  } else {
    r.messages = st.ring.latest(limit);
  }
  done(std::move(r));
}

}  // namespace wshub::broker
