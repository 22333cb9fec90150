// Histogram: an HDR-style, log-bucketed histogram of non-negative integer
// values (nanoseconds here), with a bounded relative error.
//
// Values below 2^k_sub_bits are counted exactly; above, each power of two is
// split into 2^(k_sub_bits - 1) equal buckets, so a reported percentile is at
// most 1/2^(k_sub_bits - 1) (0.8 %) above the true value. min, max, count and
// sum are exact. Histograms of the same shape merge by adding counts, so each
// thread records into its own and the results are merged at the end.
//
// Thread-safety: none; one owner at a time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace wshub::bench {

class Histogram {
 public:
  static constexpr int k_sub_bits = 8;

  Histogram();

  void record(std::int64_t value);  // negative values count as 0
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }
  double mean() const;

  // The smallest recorded value v such that at least q (0 < q <= 1) of all
  // values are <= v, up to the bucket resolution (capped at max()); 0 when empty.
  std::int64_t percentile(double q) const;

  // Bucket arithmetic, exposed for tests.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t highest_value_in(std::size_t bucket);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace wshub::bench
