// RedisBrokerStats: what one Redis broker partition counts for /metrics.
//
// Thread-safety: written by the partition's shard thread, read from any
// thread (see core::Counter).
#pragma once

#include "core/counter.hpp"
#include "core/latency_histogram.hpp"

namespace wshub::broker {

struct RedisBrokerStats {
  core::Counter reconnects;             // connections re-established after a loss
  core::Counter resubscribed_channels;  // channels subscribed again after a Pub/Sub reconnect
  core::Counter backfilled_messages;    // publications read from a stream to fill a gap
  core::Counter lost_messages;          // publications a gap needed that history no longer had
  core::Counter probe_failures;         // health probes not answered or not delivered in time
  core::Counter pubsub_connections;     // gauge: Pub/Sub connections up
  core::Counter publish_errors;         // publishes refused: Redis unavailable or failing
  core::Counter script_noscript;        // script calls answered NOSCRIPT (the script cache was emptied)
  core::LatencyHistogram round_trip;    // probe PUBLISH round trips
};

}  // namespace wshub::broker
