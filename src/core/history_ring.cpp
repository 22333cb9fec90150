#include "core/history_ring.hpp"

#include <algorithm>

namespace wshub::core {

HistoryRing::HistoryRing(std::size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

void HistoryRing::push(PublicationPtr p, Clock::time_point now) {
  if (capacity_ == 0) return;
  if (size_ == entries_.size() && size_ < capacity_) {
    // Full buffer below capacity: make it contiguous from index 0, then grow.
    std::rotate(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_), entries_.end());
    head_ = 0;
    entries_.push_back(Entry{std::move(p), now});
    ++size_;
    return;
  }
  if (size_ == capacity_) pop_front();
  entries_[(head_ + size_) % entries_.size()] = Entry{std::move(p), now};
  ++size_;
}

void HistoryRing::pop_front() {
  entries_[head_].pub.reset();
  head_ = (head_ + 1) % entries_.size();
  --size_;
}

void HistoryRing::expire(Clock::time_point now) {
  while (size_ > 0 && now - at(0).at >= ttl_) pop_front();
  if (size_ == 0) {
    entries_.clear();  // an idle channel keeps no buffer
    entries_.shrink_to_fit();
    head_ = 0;
  }
}

std::optional<std::uint64_t> HistoryRing::oldest_offset() const {
  if (size_ == 0) return std::nullopt;
  return at(0).pub->offset;
}

std::optional<std::uint64_t> HistoryRing::newest_offset() const {
  if (size_ == 0) return std::nullopt;
  return at(size_ - 1).pub->offset;
}

bool HistoryRing::covers(std::uint64_t after, std::uint64_t top) const {
  if (after == top) return true;
  if (after > top || size_ == 0) return false;
  return at(0).pub->offset <= after + 1 && at(size_ - 1).pub->offset == top;
}

std::vector<PublicationPtr> HistoryRing::after(std::uint64_t offset, std::size_t limit) const {
  // Binary search for the first entry with offset > `offset`.
  std::size_t lo = 0, hi = size_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid).pub->offset <= offset) lo = mid + 1; else hi = mid;
  }
  std::vector<PublicationPtr> out;
  const std::size_t n = std::min(limit, size_ - lo);
  out.reserve(n);
  for (std::size_t i = lo; i < lo + n; ++i) out.push_back(at(i).pub);
  return out;
}

std::vector<PublicationPtr> HistoryRing::latest(std::size_t limit) const {
  const std::size_t n = std::min(limit, size_);
  std::vector<PublicationPtr> out;
  out.reserve(n);
  for (std::size_t i = size_ - n; i < size_; ++i) out.push_back(at(i).pub);
  return out;
}

}  // namespace wshub::core
