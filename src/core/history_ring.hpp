// HistoryRing: the retained publications of one channel, oldest first, bounded
// by a count and an age (namespace options history_size and history_ttl).
//
// Offsets are strictly increasing in push order. Time is passed in, so the
// ring is tested without clocks. Thread-safety: not thread-safe; owned by the
// channel's owner shard.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/publication.hpp"

namespace wshub::core {

class HistoryRing {
 public:
  using Clock = std::chrono::steady_clock;

  HistoryRing(std::size_t capacity, std::chrono::milliseconds ttl);

  // REQUIRES: p->offset greater than every offset pushed before.
  void push(PublicationPtr p, Clock::time_point now);
  // Drops entries older than the ttl.
  void expire(Clock::time_point now);

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::optional<std::uint64_t> oldest_offset() const;
  std::optional<std::uint64_t> newest_offset() const;

  // True when every publication in (after, top] is retained (trivially when
  // after == top), i.e. a subscriber that saw `after` can catch up to `top`.
  bool covers(std::uint64_t after, std::uint64_t top) const;
  // Up to `limit` retained publications with offset > `after`, oldest first.
  std::vector<PublicationPtr> after(std::uint64_t offset, std::size_t limit) const;
  // The newest `limit` retained publications, oldest first.
  std::vector<PublicationPtr> latest(std::size_t limit) const;

 private:
  struct Entry {
    PublicationPtr pub;
    Clock::time_point at;
  };
  const Entry& at(std::size_t i) const { return entries_[(head_ + i) % entries_.size()]; }
  void pop_front();

  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::vector<Entry> entries_;  // grows up to capacity_, then used circularly
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wshub::core
