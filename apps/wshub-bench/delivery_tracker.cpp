#include "delivery_tracker.hpp"

namespace wshub::bench {

DeliveryTracker::Outcome DeliveryTracker::on_sequence(std::uint64_t seq) {
  if (seq >= limit_) {
    ++out_of_range_;
    return Outcome::out_of_range;
  }
  const std::size_t word = static_cast<std::size_t>(seq / 64);
  const std::uint64_t bit = std::uint64_t{1} << (seq % 64);
  if (word >= seen_.size()) seen_.resize(word + 1 + seen_.size() / 2, 0);
  if (seen_[word] & bit) {
    ++duplicates_;
    return Outcome::duplicate;
  }
  seen_[word] |= bit;
  ++unique_;
  if (seq + 1 < next_) {
    ++out_of_order_;
    return Outcome::out_of_order;
  }
  next_ = seq + 1;
  return Outcome::unique;
}

}  // namespace wshub::bench
