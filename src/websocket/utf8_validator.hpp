// Utf8Validator: incremental UTF-8 validation (RFC 3629) for text messages
// that arrive in pieces. Its state carries a partial code point across calls,
// so a sequence split between two fragments (or two reads) is validated as
// one. Rejects overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code
// points above U+10FFFF, and fails at the first byte that cannot continue a
// valid sequence.
// Thread-safety: a value type; one instance per message being validated.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::websocket {

class Utf8Validator {
 public:
  // Feeds the next bytes. False once the input so far cannot be the prefix
  // of valid UTF-8 (then stays false until reset()).
  bool feed(const char* data, std::size_t len) noexcept;

  // True when the input so far is complete valid UTF-8 (no partial code point).
  bool complete() const noexcept { return !failed_ && needed_ == 0; }
  bool failed() const noexcept { return failed_; }
  void reset() noexcept { *this = Utf8Validator(); }

 private:
  std::uint8_t needed_ = 0;  // continuation bytes still expected
  std::uint8_t lower_ = 0x80;  // bounds of the next continuation byte
  std::uint8_t upper_ = 0xBF;
  bool failed_ = false;
};

// Whole-buffer convenience.
bool is_valid_utf8(const char* data, std::size_t len) noexcept;

}  // namespace wshub::websocket
