// Publication and OutFrame: the immutable, shared units of delivery.
//
// A Publication is built once per published message (its `message` envelope
// bytes included) and shared, refcounted, by the history ring and by every
// subscriber's send queue. Thread-safety: immutable after construction; the
// shared_ptr refcount is the only shared state, so any thread may hold one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace wshub::core {

// Bytes of one JSON object to send to a client, as the server will put them
// in a text frame (several OutFrames may be joined with '\n' into one frame).
struct OutFrame {
  std::string bytes;
  // steady_clock nanoseconds when the publication was accepted; 0 for frames
  // that are not publications (replies, welcome). Drives the latency histogram.
  std::int64_t created_ns = 0;
};
using SharedFrame = std::shared_ptr<const OutFrame>;

struct Publication {
  std::string channel;
  std::uint64_t offset = 0;
  std::string epoch;
  OutFrame frame;  // the complete `message` envelope
};
using PublicationPtr = std::shared_ptr<const Publication>;

// A SharedFrame that shares ownership with its publication (no extra allocation).
inline SharedFrame frame_of(const PublicationPtr& p) { return SharedFrame(p, &p->frame); }

inline SharedFrame make_frame(std::string bytes) {
  return std::make_shared<const OutFrame>(OutFrame{std::move(bytes), 0});
}

}  // namespace wshub::core
