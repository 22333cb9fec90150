#include "cluster/local_cluster.hpp"

#include "core/envelopes.hpp"

namespace wshub::cluster {

void LocalCluster::send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) {
  directory_.send(std::move(who), core::make_frame(core::make_push(raw_data)), reply_to_,
                  [done = std::move(done)](std::size_t n) { done(n); });
}

void LocalCluster::disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                              ClusterHandler<std::size_t> done) {
  directory_.disconnect(std::move(who), code, std::move(reason), reply_to_,
                        [done = std::move(done)](std::size_t n) { done(n); });
}

void LocalCluster::channels(ClusterHandler<std::map<std::string, std::size_t>> done) {
  directory_.channels(reply_to_, [done = std::move(done)](std::map<std::string, std::size_t> counts) {
    done(std::move(counts));
  });
}

void LocalCluster::instances(ClusterHandler<std::string> done) {
  done("[" + instance_json(self_, shards_) + "]");
}

}  // namespace wshub::cluster
