// Drain: the graceful shutdown of every client connection (PROTOCOL.md
// section 8): each gets its queued data and then close 1001.
//
// Thread-safety: run() is called on the control executor; `done` runs there.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "hub/shard_set.hpp"

namespace wshub::hub {

class Drain {
 public:
  Drain(ShardSet& shards, boost::asio::any_io_executor control);

  // done(true) once no client is connected, done(false) at the deadline.
  void run(std::chrono::steady_clock::duration deadline, std::function<void(bool)> done);

 private:
  void poll();
  std::size_t connections() const;

  ShardSet& shards_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::function<void(bool)> done_;
};

}  // namespace wshub::hub
