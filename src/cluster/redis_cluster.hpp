// RedisCluster: the Cluster of a hub formed through Redis: the Registry of
// this instance and its connections, and the ControlBus that carries the
// server API's hub-wide requests. Two Redis connections of its own (commands
// and Pub/Sub), on one executor.
//
// Thread-safety: every public call may come from any thread (it is posted to
// the executor); `done` handlers run on the executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "cluster/cluster.hpp"
#include "cluster/control_bus.hpp"
#include "cluster/registry.hpp"
#include "hub/connection_observer.hpp"

namespace wshub::cluster {

class RedisCluster final : public Cluster, public hub::ConnectionObserver {
 public:
  RedisCluster(boost::asio::any_io_executor ex, redis::RedisUrl url, InstanceIdentity self,
               std::chrono::seconds heartbeat, hub::ShardSet& shards, hub::ClientDirectory& directory);
  ~RedisCluster() override;

  void start();
  // Deletes this instance's registry entries (waiting for Redis at most
  // `deadline`), closes the connections, then runs `done`.
  void stop(std::chrono::milliseconds deadline, std::function<void()> done);
  // Closes the connections now, without leaving the registry (its entries
  // expire by themselves): the way out after a second signal cut stop()
  // short. Idempotent, and a no-op after stop() finished. REQUIRES: on the
  // executor's thread, or on the thread that ran it once it has stopped.
  void abandon();

  void send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) override;
  void disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                  ClusterHandler<std::size_t> done) override;
  void channels(ClusterHandler<std::map<std::string, std::size_t>> done) override;
  void instances(ClusterHandler<std::string> done) override;

  void connected(const std::string& client, const std::string& user) override;
  void disconnected(const std::string& client, const std::string& user) override;

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<redis::ManagedConnection> cmd_, sub_;
  std::shared_ptr<Registry> registry_;
  std::shared_ptr<ControlBus> bus_;
};

}  // namespace wshub::cluster
