// Publisher: one publishing connection of a fan-out run, following its share
// of the PublishPlan. Two transports: ApiPublisher (POST /api/publish) and
// WsPublisher (the WebSocket `publish` op).
// Thread-safety: none; lives on its worker's thread (see Worker).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "publish_plan.hpp"

namespace wshub::bench {

class Publisher {
 public:
  virtual ~Publisher() = default;

  // Connects (and for WebSocket, upgrades and reads the welcome). Empty on
  // success, else "STAGE: reason".
  virtual boost::asio::awaitable<std::string> set_up() = 0;
  // Starts publishing; PublishPlan::start_ns() must be set. When everything
  // is sent and answered (or the publisher gave up) it counts itself in
  // LiveCounters::publishers_done.
  virtual void start() = 0;
  // Ends the run: what is still unanswered is counted so, then the connection closes.
  virtual void stop() = 0;

  const PublisherStats& stats() const { return stats_; }

 protected:
  PublisherStats stats_;
};

}  // namespace wshub::bench
