// LocalCluster: the Cluster of a single instance (the memory broker): every
// operation is this instance's ClientDirectory.
//
// Thread-safety: as Cluster; `done` runs on the executor given at construction.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "cluster/cluster.hpp"

namespace wshub::cluster {

class LocalCluster final : public Cluster {
 public:
  LocalCluster(InstanceIdentity self, hub::ShardSet& shards, hub::ClientDirectory& directory,
               boost::asio::any_io_executor reply_to)
      : self_(std::move(self)), shards_(shards), directory_(directory), reply_to_(std::move(reply_to)) {}

  void send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) override;
  void disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                  ClusterHandler<std::size_t> done) override;
  void channels(ClusterHandler<std::map<std::string, std::size_t>> done) override;
  void instances(ClusterHandler<std::string> done) override;

 private:
  InstanceIdentity self_;
  hub::ShardSet& shards_;
  hub::ClientDirectory& directory_;
  boost::asio::any_io_executor reply_to_;
};

}  // namespace wshub::cluster
