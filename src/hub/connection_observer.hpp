// ConnectionObserver: told when a client connection opens and closes, so a
// cluster registry can list it (cluster::RedisCluster).
//
// Thread-safety: called on the connection's shard thread; implementations
// hand the work to their own executor.
#pragma once

#include <string>

namespace wshub::hub {

class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void connected(const std::string& client, const std::string& user) = 0;
  virtual void disconnected(const std::string& client, const std::string& user) = 0;
};

}  // namespace wshub::hub
