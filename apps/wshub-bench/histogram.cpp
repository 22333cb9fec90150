#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wshub::bench {
namespace {

constexpr std::uint64_t k_exact = std::uint64_t{1} << Histogram::k_sub_bits;       // counted one by one below
constexpr std::uint64_t k_half = std::uint64_t{1} << (Histogram::k_sub_bits - 1);  // buckets per power of two above
constexpr std::size_t k_bucket_count = (65 - Histogram::k_sub_bits) * k_half + k_half;

}  // namespace

Histogram::Histogram() : counts_(k_bucket_count, 0) {}

std::size_t Histogram::bucket_of(std::uint64_t value) {
  if (value < k_exact) return static_cast<std::size_t>(value);
  const int msb = 63 - std::countl_zero(value);
  const int shift = msb - (k_sub_bits - 1);  // value >> shift is in [k_half, 2 * k_half)
  return static_cast<std::size_t>(static_cast<std::uint64_t>(shift + 1) * k_half + ((value >> shift) - k_half));
}

std::uint64_t Histogram::highest_value_in(std::size_t bucket) {
  if (bucket < k_exact) return bucket;
  const std::uint64_t shift = bucket / k_half - 1;
  const std::uint64_t sub = bucket % k_half + k_half;
  const std::uint64_t low = sub << shift;
  return low + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::int64_t value) {
  if (value < 0) value = 0;
  ++counts_[bucket_of(static_cast<std::uint64_t>(value))];
  if (count_ == 0 || value < min_) min_ = value;
  if (value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const auto high = static_cast<std::int64_t>(std::min<std::uint64_t>(highest_value_in(i), INT64_MAX));
      return std::clamp(high, min_, max_);
    }
  }
  return max_;
}

}  // namespace wshub::bench
