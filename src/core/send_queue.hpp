// SendQueue: the bounded queue of frames waiting for one connection's socket.
//
// push() refuses a frame that would take the queued bytes over the limit (the
// caller then evicts the slow consumer with close 4000), except into an empty
// queue: one frame larger than the limit (a big publication when the limit is
// small) must not evict every subscriber, reading or not. take_batch() hands
// out what the next write coalesces into one '\n'-joined frame. Frames are
// shared and immutable, so queueing costs a refcount, not a copy.
// Thread-safety: not thread-safe; owned by the connection's shard thread.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/publication.hpp"

namespace wshub::core {

class SendQueue {
 public:
  explicit SendQueue(std::size_t limit_bytes) : limit_(limit_bytes) {}

  // False (and nothing queued) when the frame would exceed the byte limit
  // and other frames are waiting.
  bool push(SharedFrame f) {
    const std::size_t n = f->bytes.size() + 1;  // + the '\n' separator
    if (bytes_ + n > limit_ && bytes_ > 0) return false;
    bytes_ += n;
    items_.push_back(std::move(f));
    return true;
  }

  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return items_.size() - head_; }

  // Moves frames into `out` (appending) until adding the next one would pass
  // `max_batch_bytes`; always at least one frame when not empty. Returns the
  // number of queued bytes released.
  std::size_t take_batch(std::vector<SharedFrame>& out, std::size_t max_batch_bytes) {
    std::size_t taken = 0;
    while (head_ < items_.size()) {
      const std::size_t n = items_[head_]->bytes.size() + 1;
      if (taken > 0 && taken + n > max_batch_bytes) break;
      taken += n;
      out.push_back(std::move(items_[head_++]));
    }
    bytes_ -= taken;
    if (head_ == items_.size()) reset_storage();
    return taken;
  }

  // The same into a fixed array: moves at most out.size() frames into the
  // front of `out`. Returns how many frames; `released` gets the bytes.
  std::size_t take_batch(std::span<SharedFrame> out, std::size_t max_batch_bytes, std::size_t& released) {
    std::size_t taken = 0;
    std::size_t count = 0;
    while (head_ < items_.size() && count < out.size()) {
      const std::size_t n = items_[head_]->bytes.size() + 1;
      if (taken > 0 && taken + n > max_batch_bytes) break;
      taken += n;
      out[count++] = std::move(items_[head_++]);
    }
    bytes_ -= taken;
    if (head_ == items_.size()) reset_storage();
    released = taken;
    return count;
  }

  // Drops everything queued; returns the bytes released.
  std::size_t clear() {
    const std::size_t released = bytes_;
    items_.clear();
    reset_storage();
    bytes_ = 0;
    return released;
  }

 private:
  void reset_storage() {
    items_.clear();
    head_ = 0;
    if (items_.capacity() > k_keep_capacity) items_.shrink_to_fit();  // idle connections stay small
  }
  static constexpr std::size_t k_keep_capacity = 64;

  std::size_t limit_;
  std::size_t bytes_ = 0;
  std::size_t head_ = 0;
  std::vector<SharedFrame> items_;
};

}  // namespace wshub::core
