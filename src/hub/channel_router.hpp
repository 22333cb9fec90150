// ChannelRouter: publications in, fan-out to shards, subscriptions registered
// with each channel's owner shard.
//
// Every channel has one owner shard (core::owner_shard). The owner serializes
// the channel: it calls the broker (for publish only where the broker does
// not order publications itself; with Redis, which assigns the offsets, the
// shard that received a publication sends it), keeps the ChannelTable
// entry, and posts each publication to every shard holding subscribers,
// where the local index hands the one shared frame to each session. Because
// posts from one thread to a shard run in order, a subscribe's recovery
// snapshot and the live publications after it reach the subscriber's shard
// in offset order: no gap, no duplicate.
// Thread-safety: public calls may come from any thread; `done` handlers run
// on the executor named (for join/leave: the calling shard).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <optional>
#include <string>

#include "broker/broker.hpp"
#include "config/config.hpp"
#include "hub/shard_set.hpp"

namespace wshub::hub {

class ChannelRouter final : public broker::PublicationSink {
 public:
  ChannelRouter(ShardSet& shards, const config::Config& cfg);
  // REQUIRES: called once, before any other call.
  void set_broker(broker::Broker& broker) { broker_ = &broker; }

  // Sent to the broker from the calling shard when the broker allows it
  // (Broker::publishes_on_any_shard), else from the channel's owner.
  void publish(std::string channel, std::string raw_data, boost::asio::any_io_executor reply_to,
               broker::Handler<broker::PublishResult> done);

  // Registers shard `from` for the channel's publications (idempotent) and
  // returns the channel's position, with recovery when `since` is given.
  // REQUIRES: called on shard `from`, which counted the request in its
  // pending_joins. `done` runs on shard `from`.
  void join(std::size_t from, std::string channel, std::optional<core::StreamPosition> since,
            broker::Handler<broker::RecoveryResult> done);
  // Shard `from` holds no subscriber (nor pending subscribe) of the channel any more.
  void leave(std::size_t from, std::string channel);

  void history(std::string channel, broker::HistoryQuery query, boost::asio::any_io_executor reply_to,
               broker::Handler<broker::HistoryResult> done);

  // broker::PublicationSink, on the owner thread.
  void on_publication(const core::PublicationPtr& pub) override;

  const config::NamespaceOptions& namespace_of(std::string_view channel) const;

 private:
  // REQUIRES: called on shard `shard`.
  void publish_on(std::size_t shard, const std::string& channel, const std::string& raw_data,
                  boost::asio::any_io_executor reply_to, broker::Handler<broker::PublishResult> done);
  void deliver_local(Shard& shard, const core::PublicationPtr& pub);

  ShardSet& shards_;
  const config::Config& cfg_;
  broker::Broker* broker_ = nullptr;
};

}  // namespace wshub::hub
