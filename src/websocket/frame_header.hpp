// Opcodes and the server-side frame-header encoder (RFC 6455 section 5.2).
// Server frames are never masked, so a header is 2, 4 or 10 bytes.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

inline constexpr std::size_t k_max_server_header = 10;
inline constexpr std::size_t k_max_control_payload = 125;

constexpr bool is_control(Opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

// Writes the header of an unmasked frame into `out` (at least
// k_max_server_header bytes) and returns its length.
std::size_t encode_frame_header(std::uint8_t* out, Opcode op, bool fin, std::uint64_t payload_len) noexcept;

}  // namespace wshub::websocket
