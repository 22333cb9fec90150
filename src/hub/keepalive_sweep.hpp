// KeepaliveSweep: one timer per shard that pings quiet connections and closes
// silent ones with 4003, instead of a timer per connection (idle memory).
//
// Runs every ping_interval / 10 (at least 50 ms), so a silent connection is
// closed between 2 and 2.2 ping intervals after its last frame.
// Thread-safety: runs on its shard's thread; start/stop may be called from any thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "hub/shard.hpp"

namespace wshub::hub {

class KeepaliveSweep {
 public:
  KeepaliveSweep(Shard& shard, std::chrono::seconds ping_interval);
  void start();
  void stop();

 private:
  void schedule();
  void sweep();

  Shard& shard_;
  std::chrono::seconds interval_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;  // shard thread only
};

}  // namespace wshub::hub
