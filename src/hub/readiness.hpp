// Readiness: whether this instance should receive new connections (/readyz).
//
// Thread-safety: lock-free; read from any thread.
#pragma once

#include <atomic>

#include "broker/broker.hpp"

namespace wshub::hub {

class Readiness {
 public:
  explicit Readiness(const broker::Broker& broker) : broker_(broker) {}
  void start_draining() { draining_.store(true, std::memory_order_release); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  bool ready() const { return !draining() && broker_.healthy(); }

 private:
  const broker::Broker& broker_;
  std::atomic<bool> draining_{false};
};

}  // namespace wshub::hub
