// The tool's one clock: std::chrono::steady_clock (CLOCK_MONOTONIC) in
// nanoseconds. Publishers stamp payloads with it and subscribers in the same
// process subtract, so end-to-end latency needs no clock synchronisation.
// Thread-safety: stateless.
#pragma once

#include <chrono>
#include <cstdint>

namespace wshub::bench {

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline std::chrono::steady_clock::time_point steady_time_from_ns(std::int64_t ns) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace wshub::bench
