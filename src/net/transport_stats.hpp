// TransportStats: per-shard counters the transport layer updates.
//
// Thread-safety: written only by the owning shard thread (relaxed atomic
// load+store, no read-modify-write cost), read by the metrics endpoint from
// any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/latency_histogram.hpp"

namespace wshub::net {

class Counter {
 public:
  void add(std::int64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::int64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

struct TransportStats {
  Counter frames_in;
  Counter bytes_in;
  Counter messages_out;  // JSON objects written (replies, messages, pushes)
  Counter frames_out;    // WebSocket frames written (after batching)
  Counter bytes_out;
  Counter queued_bytes;  // gauge: bytes waiting in send queues
  Counter slow_consumer_closes;
  Counter keepalive_closes;
  core::LatencyHistogram delivery_latency;
};

}  // namespace wshub::net
