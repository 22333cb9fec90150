// TokenBucket: a rate limit of `rate` events per second with bursts of `burst`.
//
// Time is passed in (nanoseconds of a monotonic clock) so it is tested
// without clocks. Thread-safety: not thread-safe; one owner.
#pragma once

#include <algorithm>
#include <cstdint>

namespace wshub::core {

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst), tokens_(burst) {}

  // Takes one token if available.
  bool try_take(std::int64_t now_ns) {
    if (!started_) {
      started_ = true;
      last_ns_ = now_ns;
    } else if (now_ns > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - last_ns_) * 1e-9);
      last_ns_ = now_ns;
    }
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::int64_t last_ns_ = 0;
  bool started_ = false;  // last_ns_ is set by the first call
};

}  // namespace wshub::core
