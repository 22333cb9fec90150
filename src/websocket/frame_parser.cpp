#include "websocket/frame_parser.hpp"

#include <algorithm>
#include <cstring>

#include "websocket/close_code.hpp"
#include "websocket/frame_header.hpp"

namespace wshub::websocket {

namespace {

void unmask(char* p, std::size_t n, const unsigned char* key) noexcept {
  std::size_t i = 0;
  if (n >= 8) {
    std::uint64_t k8;
    std::uint32_t k4;
    std::memcpy(&k4, key, 4);
    k8 = (static_cast<std::uint64_t>(k4) << 32) | k4;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      w ^= k8;
      std::memcpy(p + i, &w, 8);
    }
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ static_cast<char>(key[i & 3]));
}

bool is_known_opcode(std::uint8_t op) noexcept {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

}  // namespace

void FrameParser::reallocate(std::size_t new_cap) {
  auto fresh = std::make_unique_for_overwrite<char[]>(new_cap + padding_);
  const std::size_t msg = in_message_ ? msg_end_ - msg_begin_ : 0;
  const std::size_t raw = end_ - pos_;
  if (msg > 0) std::memcpy(fresh.get(), buf_.get() + msg_begin_, msg);
  if (raw > 0) std::memcpy(fresh.get() + msg, buf_.get() + pos_, raw);
  buf_ = std::move(fresh);
  cap_ = new_cap;
  msg_begin_ = 0;
  msg_end_ = msg;
  pos_ = msg;
  end_ = msg + raw;
}

std::span<char> FrameParser::prepare(std::size_t min_free) {
  if (message_done_) {
    message_done_ = false;
    msg_begin_ = msg_end_ = pos_;
  }
  if (failed() || closed_) pos_ = end_;  // input is discarded
  const std::size_t msg = in_message_ ? msg_end_ - msg_begin_ : 0;
  const std::size_t raw = end_ - pos_;
  const std::size_t frame_rest = frame_need_ > raw ? frame_need_ - raw : 0;
  const std::size_t want = std::max(min_free, frame_rest);
  const std::size_t needed = msg + raw + want;
  if (needed > cap_) {
    // Grow with what has arrived (at most doubling), not with what a header
    // declares: 14 bytes must not make us allocate max_message_size.
    const std::size_t doubled = 2 * std::max(cap_, k_initial_capacity);
    reallocate(std::max({msg + raw + min_free, std::min(needed, doubled), k_initial_capacity}));
  } else if (cap_ > k_initial_capacity && needed <= k_initial_capacity) {
    reallocate(k_initial_capacity);  // a big message is done: give the memory back
  } else if (cap_ - end_ < want) {
    // Compact in place: the message so far, then the unparsed bytes.
    if (msg > 0 && msg_begin_ != 0) std::memmove(buf_.get(), buf_.get() + msg_begin_, msg);
    if (raw > 0 && pos_ != msg) std::memmove(buf_.get() + msg, buf_.get() + pos_, raw);
    msg_begin_ = 0;
    msg_end_ = msg;
    pos_ = msg;
    end_ = msg + raw;
  } else if (msg == 0 && raw == 0) {
    msg_begin_ = msg_end_ = pos_ = end_ = 0;
  }
  return {buf_.get() + end_, cap_ - end_};
}

void FrameParser::feed(const char* data, std::size_t len) {
  while (len > 0) {
    auto space = prepare(std::min<std::size_t>(len, 64 * 1024));
    const std::size_t n = std::min(len, space.size());
    std::memcpy(space.data(), data, n);
    commit(n);
    data += n;
    len -= n;
  }
}

void FrameParser::release_if_idle() noexcept {
  if (message_done_) {
    message_done_ = false;
    msg_begin_ = msg_end_ = pos_;
  }
  if (failed() || closed_) pos_ = end_;
  if (!idle()) return;
  buf_.reset();
  cap_ = 0;
  msg_begin_ = msg_end_ = pos_ = end_ = 0;
  frame_need_ = 0;
}

FrameParser::Event FrameParser::fail(std::uint16_t code) noexcept {
  error_code_ = code;
  in_message_ = false;
  pos_ = end_;
  frame_need_ = 0;
  return Event{EventKind::error, code, nullptr, 0, 0};
}

FrameParser::Event FrameParser::next() {
  if (failed()) {
    pos_ = end_;
    return Event{EventKind::error, error_code_, nullptr, 0, 0};
  }
  if (closed_) {
    pos_ = end_;
    return {};
  }
  if (message_done_) {
    message_done_ = false;
    msg_begin_ = msg_end_ = pos_;
  }
  for (;;) {
    if (!in_message_) msg_begin_ = msg_end_ = pos_;
    const std::size_t avail = end_ - pos_;
    frame_need_ = 2;
    if (avail < 2) return {};
    auto* p = reinterpret_cast<unsigned char*>(buf_.get() + pos_);
    const bool fin = (p[0] & 0x80) != 0;
    const std::uint8_t raw_op = p[0] & 0x0F;
    const bool masked = (p[1] & 0x80) != 0;
    const std::uint8_t len7 = p[1] & 0x7F;
    if ((p[0] & 0x70) != 0) return fail(close_code::protocol_error);  // RSV without an extension
    if (!is_known_opcode(raw_op)) return fail(close_code::protocol_error);
    const auto op = static_cast<Opcode>(raw_op);
    if (!masked) return fail(close_code::protocol_error);
    if (is_control(op)) {
      if (!fin || len7 > k_max_control_payload) return fail(close_code::protocol_error);
    } else if (op == Opcode::continuation) {
      if (!in_message_) return fail(close_code::protocol_error);
    } else {
      if (in_message_) return fail(close_code::protocol_error);
      if (op == Opcode::binary) return fail(close_code::unsupported_data);
    }

    const std::size_t ext = len7 == 126 ? 2 : (len7 == 127 ? 8 : 0);
    frame_need_ = 2 + ext;
    if (avail < 2 + ext) return {};
    std::uint64_t len = len7;
    if (ext == 2) {
      len = (std::uint64_t{p[2]} << 8) | p[3];
    } else if (ext == 8) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      if ((len >> 63) != 0) return fail(close_code::protocol_error);
    }
    if (!is_control(op)) {
      const std::size_t so_far = in_message_ ? msg_end_ - msg_begin_ : 0;
      if (len > max_message_size_ - so_far) return fail(close_code::message_too_big);
    }
    const std::size_t header = 2 + ext + 4;
    const std::size_t total = header + static_cast<std::size_t>(len);
    frame_need_ = total;
    if (avail < total) return {};

    char* payload = buf_.get() + pos_ + header;
    const std::size_t n = static_cast<std::size_t>(len);
    unmask(payload, n, p + 2 + ext);
    pos_ += total;
    frame_need_ = 0;

    if (is_control(op)) {
      if (op == Opcode::ping) return Event{EventKind::ping, 0, payload, n, 0};
      if (op == Opcode::pong) return Event{EventKind::pong, 0, payload, n, 0};
      // close
      if (n == 1) return fail(close_code::protocol_error);
      std::uint16_t code = close_code::no_status;
      if (n >= 2) {
        code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
        if (!is_valid_received_close_code(code)) return fail(close_code::protocol_error);
        if (!is_valid_utf8(payload + 2, n - 2)) return fail(close_code::invalid_payload);
      }
      closed_ = true;
      in_message_ = false;
      return Event{EventKind::close, code, n >= 2 ? payload + 2 : payload, n >= 2 ? n - 2 : 0, 0};
    }

    if (op == Opcode::text) {
      utf8_.reset();
      msg_begin_ = msg_end_ = pos_ - n;  // the payload is already where the message starts
    } else if (payload != buf_.get() + msg_end_) {
      std::memmove(buf_.get() + msg_end_, payload, n);  // close the gap left by headers
    }
    char* piece = buf_.get() + msg_end_;
    msg_end_ += n;
    if (!utf8_.feed(piece, n)) return fail(close_code::invalid_payload);
    if (!fin) {
      in_message_ = true;
      continue;
    }
    if (!utf8_.complete()) return fail(close_code::invalid_payload);
    in_message_ = false;
    message_done_ = true;
    char* text = buf_.get() + msg_begin_;
    return Event{EventKind::text, 0, text, msg_end_ - msg_begin_, cap_ + padding_ - msg_begin_};
  }
}

}  // namespace wshub::websocket
