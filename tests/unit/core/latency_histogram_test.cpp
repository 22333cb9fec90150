#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace wshub::core {
namespace {

constexpr std::size_t k_inf = LatencyHistogram::k_bounds_s.size();

std::uint64_t total(const LatencyHistogram& h) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= k_inf; ++i) n += h.count(i);
  return n;
}

TEST(LatencyHistogram, StartsEmpty) {
  LatencyHistogram h;
  EXPECT_EQ(total(h), 0u);
  EXPECT_EQ(h.sum_ns(), 0u);
}

TEST(LatencyHistogram, BoundsAreInclusiveUpperLimits) {
  for (std::size_t i = 0; i < k_inf; ++i) {
    LatencyHistogram h;
    const auto ns = static_cast<std::int64_t>(std::llround(LatencyHistogram::k_bounds_s[i] * 1e9));
    h.observe(ns);      // exactly on the bound: bucket i (Prometheus `le`)
    h.observe(ns + 1);  // just above: the next bucket
    EXPECT_EQ(h.count(i), 1u) << "bound " << LatencyHistogram::k_bounds_s[i];
    EXPECT_EQ(h.count(i + 1), 1u) << "bound " << LatencyHistogram::k_bounds_s[i];
    EXPECT_EQ(total(h), 2u);
  }
}

TEST(LatencyHistogram, ZeroNegativeAndHugeValues) {
  LatencyHistogram h;
  h.observe(0);
  h.observe(-5);  // a clock step backwards counts as zero
  h.observe(3600LL * 1'000'000'000);
  EXPECT_EQ(h.count(0), 2u);
  EXPECT_EQ(h.count(k_inf), 1u);
  EXPECT_EQ(h.sum_ns(), 3600ull * 1'000'000'000);
}

TEST(LatencyHistogram, SumAndCounts) {
  LatencyHistogram h;
  h.observe(1'000);      // 1 us
  h.observe(2'000'000);  // 2 ms
  h.observe(2'000'000);
  h.observe(700'000'000);  // 0.7 s
  EXPECT_EQ(h.count(0), 1u);
  EXPECT_EQ(h.count(4), 2u);   // <= 2.5 ms
  EXPECT_EQ(h.count(12), 1u);  // <= 1 s
  EXPECT_EQ(total(h), 4u);
  EXPECT_EQ(h.sum_ns(), 1'000u + 4'000'000u + 700'000'000u);
}

TEST(LatencyHistogram, BoundsAreSorted) {
  for (std::size_t i = 1; i < k_inf; ++i) {
    EXPECT_LT(LatencyHistogram::k_bounds_s[i - 1], LatencyHistogram::k_bounds_s[i]);
  }
}

}  // namespace
}  // namespace wshub::core
