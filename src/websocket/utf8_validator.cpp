#include "websocket/utf8_validator.hpp"

#include <cstring>

namespace wshub::websocket {

bool Utf8Validator::feed(const char* data, std::size_t len) noexcept {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const auto* end = p + len;
  while (p < end) {
    if (needed_ == 0) {
      // ASCII runs dominate JSON: skip them eight bytes at a time.
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        if ((word & 0x8080808080808080ULL) != 0) break;
        p += 8;
      }
      if (p == end) break;
      const unsigned char c = *p++;
      if (c < 0x80) continue;
      lower_ = 0x80;
      upper_ = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        needed_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        needed_ = 2;
        if (c == 0xE0) lower_ = 0xA0;  // overlong
        if (c == 0xED) upper_ = 0x9F;  // surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        needed_ = 3;
        if (c == 0xF0) lower_ = 0x90;  // overlong
        if (c == 0xF4) upper_ = 0x8F;  // above U+10FFFF
      } else {
        failed_ = true;  // continuation byte without a lead, C0/C1 overlong, F5..FF
        return false;
      }
    } else {
      const unsigned char c = *p++;
      if (c < lower_ || c > upper_) {
        failed_ = true;
        return false;
      }
      lower_ = 0x80;
      upper_ = 0xBF;
      --needed_;
    }
  }
  return true;
}

bool is_valid_utf8(const char* data, std::size_t len) noexcept {
  Utf8Validator v;
  return v.feed(data, len) && v.complete();
}

}  // namespace wshub::websocket
