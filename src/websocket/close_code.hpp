// Close codes (RFC 6455 section 7.4) as wshub uses them, and the rule for
// which codes a peer may send. Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>

namespace wshub::websocket {

namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;  // wshub: binary frames
inline constexpr std::uint16_t no_status = 1005;         // never on the wire
inline constexpr std::uint16_t invalid_payload = 1007;   // invalid UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

// True when `code` may appear in a close frame received from a peer:
// 1000-1003 and 1007-1014 (IANA-registered, excluding 1004 reserved and
// 1005/1006/1015 which must never be sent), and 3000-4999 (libraries,
// applications). Everything else (below 1000, 1016-2999, 5000 and above)
// is a protocol error (1002).
constexpr bool is_valid_received_close_code(std::uint16_t code) noexcept {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

}  // namespace wshub::websocket
