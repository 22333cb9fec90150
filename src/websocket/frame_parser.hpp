// FrameParser: the server side of RFC 6455 framing, incremental and pure.
//
// Bytes from the client go into the parser's own buffer (prepare/commit, so
// a socket can read straight into it, or feed() to copy them in); next()
// turns them into events: a complete text message, ping, pong, close (code
// and reason), or a protocol error carrying the close code to send. Payloads
// are unmasked in place, and the fragments of a message are reassembled in
// place, so a message is handed out as one contiguous, writable span followed
// by at least `padding` readable bytes (for simdjson) without a copy into a
// second buffer.
//
// Checks (close code): unmasked frame, RSV bits (no extension is ever
// negotiated), reserved opcodes, fragmented or > 125-byte control frames,
// continuation without a start, a new data message inside a fragmented one,
// 64-bit length with the top bit set, a 1-byte close payload and invalid
// close codes (1002); binary messages (1003, wshub is text-only); invalid
// UTF-8 in text, also split across fragments, or in a close reason (1007);
// a message whose declared length takes it over max_message_size (1009,
// decided from the header, before any of the payload is buffered).
// Control frames may come between the fragments of a message.
//
// Memory: the buffer starts empty, grows towards what the frame being read
// needs (bounded by max_message_size plus a header) by at most doubling per
// read, so a declared length costs nothing until its bytes arrive; shrinks to
// k_initial_capacity once a big message has been handed out, and
// release_if_idle() frees it entirely when nothing is buffered.
//
// Thread-safety: not thread-safe; one parser per connection, used by its
// owner thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "websocket/utf8_validator.hpp"

namespace wshub::websocket {

class FrameParser {
 public:
  // Usable bytes of a freshly allocated buffer; the allocation is this plus
  // the padding (1 KiB with the default padding: a small-allocation size class).
  static constexpr std::size_t k_initial_capacity = 960;

  enum class EventKind : std::uint8_t { need_more, text, ping, pong, close, error };

  struct Event {
    EventKind kind = EventKind::need_more;
    // close: the peer's code (1005 when the payload was empty);
    // error: the close code to send.
    std::uint16_t code = 0;
    // text: the message; ping/pong: the payload; close: the reason.
    char* data = nullptr;
    std::size_t size = 0;
    // text: readable bytes from data, >= size + padding.
    std::size_t capacity = 0;
  };

  FrameParser(std::size_t max_message_size, std::size_t padding) noexcept
      : max_message_size_(max_message_size), padding_(padding) {}
  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  // Writable space for at least `min_free` new bytes (more when the frame
  // being read needs it and the buffer is large enough or may double).
  // Invalidates the data of events returned before.
  std::span<char> prepare(std::size_t min_free);
  // REQUIRES: n <= the size of the span prepare() returned last.
  void commit(std::size_t n) noexcept { end_ += n; }
  // prepare + copy + commit.
  void feed(const char* data, std::size_t len);

  // The next event from the bytes committed so far. The data of an event
  // stays valid until the next call to next() or prepare(). After an error
  // every call returns the same error and input is discarded; after a close
  // event, need_more and input is discarded.
  Event next();

  bool failed() const noexcept { return error_code_ != 0; }
  bool closed() const noexcept { return closed_; }
  // Nothing buffered: no partial frame and no message in progress.
  bool idle() const noexcept { return pos_ == end_ && !in_message_; }
  // Frees the buffer when idle (a connection waiting for input holds none).
  void release_if_idle() noexcept;
  std::size_t buffer_capacity() const noexcept { return cap_; }

 private:
  Event fail(std::uint16_t code) noexcept;
  void reallocate(std::size_t new_cap);

  std::unique_ptr<char[]> buf_;  // cap_ + padding_ bytes
  std::size_t cap_ = 0;
  // [msg_begin_, msg_end_): the reassembled payload of the message so far;
  // [pos_, end_): bytes received and not parsed yet.
  std::size_t msg_begin_ = 0;
  std::size_t msg_end_ = 0;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t frame_need_ = 0;  // bytes of the frame at pos_, once its header is known
  std::size_t max_message_size_;
  std::size_t padding_;
  Utf8Validator utf8_;
  std::uint16_t error_code_ = 0;
  bool in_message_ = false;    // a fragmented text message is open
  bool message_done_ = false;  // a text event was handed out; drop it on the next call
  bool closed_ = false;
};

}  // namespace wshub::websocket
