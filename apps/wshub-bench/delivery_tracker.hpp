// DeliveryTracker: what one subscriber received of one channel's sequence.
//
// Publications carry a per-channel sequence number s = 0, 1, 2, ...; the
// tracker keeps a bitmap of those seen, so it tells apart a first delivery
// (unique), a second one (duplicate), and a first delivery that arrives after a
// higher sequence number (out of order). Loss is computed at the end against
// what the publishers had acknowledged. Memory: one bit per sequence number up
// to the highest seen.
// Thread-safety: none; owned by the subscriber's thread.
#pragma once

#include <cstdint>
#include <vector>

namespace wshub::bench {

class DeliveryTracker {
 public:
  enum class Outcome { unique, duplicate, out_of_order, out_of_range };

  // Sequence numbers at or above `limit` are refused (a corrupt or foreign
  // payload must not make the bitmap grow without bound).
  explicit DeliveryTracker(std::uint64_t limit = 1u << 30) : limit_(limit) {}

  Outcome on_sequence(std::uint64_t seq);

  std::uint64_t unique() const { return unique_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t out_of_order() const { return out_of_order_; }  // included in unique()
  std::uint64_t out_of_range() const { return out_of_range_; }

 private:
  std::vector<std::uint64_t> seen_;
  std::uint64_t limit_;
  std::uint64_t next_ = 0;  // one past the highest sequence seen
  std::uint64_t unique_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t out_of_range_ = 0;
};

}  // namespace wshub::bench
