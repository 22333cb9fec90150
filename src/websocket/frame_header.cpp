#include "websocket/frame_header.hpp"

namespace wshub::websocket {

std::size_t encode_frame_header(std::uint8_t* out, Opcode op, bool fin, std::uint64_t payload_len) noexcept {
  out[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(op));
  if (payload_len < 126) {
    out[1] = static_cast<std::uint8_t>(payload_len);
    return 2;
  }
  if (payload_len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_len >> 8);
    out[3] = static_cast<std::uint8_t>(payload_len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_len >> (56 - 8 * i));
  return 10;
}

}  // namespace wshub::websocket
