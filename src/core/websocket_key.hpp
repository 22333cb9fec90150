// RFC 6455 section 4.2.1: Sec-WebSocket-Key is the base64 encoding of 16
// bytes, i.e. 22 base64 characters and "==". websocket::check_upgrade uses
// this to refuse a malformed key with 400 before upgrading.
// Thread-safety: pure function.
#pragma once

#include <string_view>

namespace wshub::core {

constexpr bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

constexpr bool is_valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  // 16 bytes use only the top 2 bits of the 22nd character: A, Q, g or w.
  const char last = key[21];
  return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
}

}  // namespace wshub::core
