#include "websocket/frame_header.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wshub::websocket {
namespace {

std::vector<std::uint8_t> header(Opcode op, bool fin, std::uint64_t len) {
  std::uint8_t out[k_max_server_header];
  const std::size_t n = encode_frame_header(out, op, fin, len);
  return {out, out + n};
}

TEST(FrameHeader, SevenBitLength) {
  EXPECT_EQ(header(Opcode::text, true, 0), (std::vector<std::uint8_t>{0x81, 0}));
  EXPECT_EQ(header(Opcode::text, true, 125), (std::vector<std::uint8_t>{0x81, 125}));
  EXPECT_EQ(header(Opcode::pong, true, 5), (std::vector<std::uint8_t>{0x8A, 5}));
  EXPECT_EQ(header(Opcode::text, false, 1), (std::vector<std::uint8_t>{0x01, 1}));
}

TEST(FrameHeader, SixteenBitLength) {
  EXPECT_EQ(header(Opcode::text, true, 126), (std::vector<std::uint8_t>{0x81, 126, 0, 126}));
  EXPECT_EQ(header(Opcode::text, true, 65535), (std::vector<std::uint8_t>{0x81, 126, 0xFF, 0xFF}));
}

TEST(FrameHeader, SixtyFourBitLength) {
  EXPECT_EQ(header(Opcode::text, true, 65536), (std::vector<std::uint8_t>{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(header(Opcode::close, true, 0x0102030405060708ULL),
            (std::vector<std::uint8_t>{0x88, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

}  // namespace
}  // namespace wshub::websocket
