// MemoryBroker: the embedded broker of a single instance.
//
// Channel state (offset counter, epoch, history ring) is partitioned by owner
// shard: partition i is touched only on shard i's thread, so no locks. A
// channel's epoch is random, chosen when its state is created; the state is
// dropped once it has no subscriber and its history has expired, so a later
// publication starts a new epoch (old positions then do not recover).
// Thread-safety: see broker.hpp; each partition's sweep timer runs on its shard.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "core/channel_index.hpp"
#include "core/history_ring.hpp"

namespace wshub::broker {

class MemoryBroker final : public Broker {
 public:
  // One executor per shard, in shard order.
  MemoryBroker(std::vector<boost::asio::any_io_executor> shard_executors, PublicationSink& sink);
  ~MemoryBroker() override;

  void publish(std::size_t shard, std::string_view channel, std::string_view raw_data,
               const config::NamespaceOptions& ns, Handler<PublishResult> done) override;
  void subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done) override;
  void unsubscribe(std::string_view channel) override;
  void recover(std::string_view channel, const config::NamespaceOptions& ns,
               const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) override;
  void history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
               Handler<HistoryResult> done) override;
  bool healthy() const override { return true; }
  void stop() override;

  // Starts the periodic expiry sweep of every partition.
  void start() override;

 private:
  struct ChannelState {
    ChannelState(std::string e, const config::NamespaceOptions& ns)
        : epoch(std::move(e)), ring(ns.history_size, ns.history_ttl) {}
    std::string epoch;
    std::uint64_t offset = 0;
    core::HistoryRing ring;
    bool subscribed = false;
  };
  struct Partition {
    explicit Partition(boost::asio::any_io_executor ex) : sweep_timer(ex) {}
    std::unordered_map<std::string, ChannelState, core::StringHash, std::equal_to<>> channels;
    std::mt19937_64 rng{std::random_device{}()};
    boost::asio::steady_timer sweep_timer;
    bool stopped = false;
  };

  Partition& partition_of(std::string_view channel);
  ChannelState& state_of(Partition& p, std::string_view channel, const config::NamespaceOptions& ns);
  void schedule_sweep(std::size_t i);
  void sweep(Partition& p);

  std::vector<std::unique_ptr<Partition>> partitions_;
  PublicationSink& sink_;
};

}  // namespace wshub::broker
