// Cluster: the server API operations that reach every instance of the hub
// (PROTOCOL.md section 6): direct pushes and disconnects by client or user,
// the channel list and the instance list.
//
// LocalCluster answers for this instance alone (the memory broker);
// RedisCluster asks every live instance through Redis.
// Thread-safety: callable from any thread; `done` may run on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/expected.hpp"
#include "hub/client_directory.hpp"

namespace wshub::cluster {

struct ClusterError {
  int code = 503;
  std::string message;
};

template <class T>
using ClusterHandler = std::function<void(core::Expected<T, ClusterError>)>;

// What /api/info says about one instance.
struct InstanceIdentity {
  std::string id;
  std::string address;     // HOST:PORT of its listener
  std::string started_at;  // ISO 8601, UTC
};

class Cluster {
 public:
  virtual ~Cluster() = default;
  // A push of `raw_data` to the selected connections; the number reached.
  virtual void send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) = 0;
  // Closes the selected connections; the number closed.
  virtual void disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                          ClusterHandler<std::size_t> done) = 0;
  // Channel -> subscribers, summed over instances.
  virtual void channels(ClusterHandler<std::map<std::string, std::size_t>> done) = 0;
  // The JSON array of /api/info's "instances".
  virtual void instances(ClusterHandler<std::string> done) = 0;
};

// {"id","connections","subscriptions","started_at","address","counters"} of
// this instance; "counters" holds totals since start, named as in /metrics.
std::string instance_json(const InstanceIdentity& self, const hub::ShardSet& shards);
// {"instance","connections","address","started_at"}: its ws:instance:<id> record.
std::string instance_record_json(const InstanceIdentity& self, const hub::ShardSet& shards);

}  // namespace wshub::cluster
