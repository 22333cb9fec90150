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
  // Connections the server closed for a frame-level violation, by close code.
  Counter protocol_error_closes;    // 1002
  Counter unsupported_data_closes;  // 1003: binary frames
  Counter invalid_utf8_closes;      // 1007
  Counter message_too_big_closes;   // 1009: over max_message_size
  // HTTP requests refused or cut off before a response or upgrade.
  Counter http_header_size_refusals;   // 431: head over max_header_size
  Counter http_header_count_refusals;  // 431: more than max_header_count fields
  Counter http_body_size_refusals;     // 413: body over max_body_size
  Counter http_request_timeouts;       // request (or keep-alive idle) over request_timeout
  Counter tls_handshake_failures;      // TLS handshakes that failed or timed out (plain HTTP on the TLS port)
  Counter tls_handshake_timeouts;      // of which: not done within request_timeout
  core::LatencyHistogram delivery_latency;
};

}  // namespace wshub::net
