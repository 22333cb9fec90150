// RedisBroker: the Broker that makes many wshub instances one hub through
// Redis (PROTOCOL.md section 7). Publications get their offset and history
// atomically in one Lua script (offset counter, XADD to the channel's stream,
// PUBLISH); instances subscribe lazily over a fixed pool of Pub/Sub
// connections, one per shard, whatever the number of channels.
//
// The work is split by channel owner shard into RedisPartitions (see
// redis_partition.hpp); this class routes each call to its channel's
// partition (publish: the calling shard's partition).
// Thread-safety: as broker.hpp says, calls about a channel come on its owner
// shard, which is the partition's executor, except publish(), which comes on
// any shard and goes out on that shard's partition. start(), stop(),
// healthy() and render_metrics() may be called from any thread.
#pragma once

#include <memory>
#include <vector>

#include "broker/broker.hpp"
#include "broker/redis_partition.hpp"

namespace wshub::broker {

class RedisBroker final : public Broker {
 public:
  RedisBroker(const std::vector<boost::asio::any_io_executor>& shard_executors, PublicationSink& sink,
              RedisBrokerOptions opts);
  ~RedisBroker() override;

  // Connects every partition (asynchronously; healthy() turns true once all are up).
  void start() override;
  // REQUIRES: the shard threads are running and this is not one of them.
  void stop() override;

  void publish(std::size_t shard, std::string_view channel, std::string_view raw_data,
               const config::NamespaceOptions& ns, Handler<PublishResult> done) override;
  // Redis assigns the offsets: each shard publishes on its own partition's
  // command connection.
  bool publishes_on_any_shard() const noexcept override { return true; }
  void subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done) override;
  void unsubscribe(std::string_view channel) override;
  void recover(std::string_view channel, const config::NamespaceOptions& ns,
               const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) override;
  void history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
               Handler<HistoryResult> done) override;
  bool healthy() const override;
  void render_metrics(std::string& out) const override;

 private:
  RedisPartition& partition_of(std::string_view channel);

  RedisBrokerOptions opts_;
  std::vector<std::shared_ptr<RedisPartition>> partitions_;
};

}  // namespace wshub::broker
