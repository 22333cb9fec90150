// TransportStats: per-shard counters the transport layer updates.
//
// Thread-safety: written only by the owning shard thread (relaxed atomic
// load+store, no read-modify-write cost), read by the metrics endpoint from
// any thread.
#pragma once

#include "core/counter.hpp"
#include "core/latency_histogram.hpp"

namespace wshub::net {

using core::Counter;

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
