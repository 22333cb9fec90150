// LatencyHistogram: publish-to-delivery latency in fixed Prometheus buckets.
//
// Thread-safety: one writer (the owning shard thread) and any number of
// readers (the metrics endpoint); counters are relaxed atomics, so a scrape
// sees each counter exactly but not a consistent snapshot across them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace wshub::core {

class LatencyHistogram {
 public:
  // Upper bounds in seconds; a final +Inf bucket is implied.
  static constexpr std::array<double, 15> k_bounds_s = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0};

  void observe(std::int64_t ns) {
    if (ns < 0) ns = 0;
    const double s = static_cast<double>(ns) * 1e-9;
    std::size_t i = 0;
    while (i < k_bounds_s.size() && s > k_bounds_s[i]) ++i;
    counts_[i].store(counts_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    sum_ns_.store(sum_ns_.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  }

  // Non-cumulative count of bucket i (i == k_bounds_s.size() is +Inf).
  std::uint64_t count(std::size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  std::uint64_t sum_ns() const { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, k_bounds_s.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace wshub::core
