#include "websocket/frame_parser.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "websocket/frame_header.hpp"

namespace wshub::websocket {
namespace {

using Kind = FrameParser::EventKind;
constexpr std::size_t k_padding = 64;

// A client frame: masked unless told otherwise.
std::string frame(std::uint8_t opcode, const std::string& payload, bool fin = true, bool mask = true,
                  std::uint8_t rsv = 0) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode));
  const std::uint8_t mbit = mask ? 0x80 : 0;
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mbit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mbit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mbit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  const char key[4] = {0x11, 0x22, 0x33, 0x44};
  if (mask) out.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return out;
}

std::string close_payload(std::uint16_t code, const std::string& reason = "") {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  return p + reason;
}

struct Seen {
  Kind kind;
  std::uint16_t code;
  std::string data;
};

// Feeds `bytes` in pieces of `chunk` and collects the events.
std::vector<Seen> parse(const std::string& bytes, std::size_t max = 1024, std::size_t chunk = 0) {
  FrameParser p(max, k_padding);
  std::vector<Seen> out;
  if (chunk == 0) chunk = bytes.size() == 0 ? 1 : bytes.size();
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    p.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
    for (;;) {
      auto ev = p.next();
      if (ev.kind == Kind::need_more) break;
      if (ev.kind == Kind::text) {
        EXPECT_GE(ev.capacity, ev.size + k_padding);
      }
      out.push_back({ev.kind, ev.code, std::string(ev.data == nullptr ? "" : std::string(ev.data, ev.size))});
      if (ev.kind == Kind::error) return out;
    }
  }
  return out;
}

std::uint16_t error_of(const std::string& bytes, std::size_t max = 1024) {
  auto evs = parse(bytes, max);
  if (evs.empty() || evs.back().kind != Kind::error) return 0;
  return evs.back().code;
}

TEST(FrameParser, OneTextFrame) {
  auto evs = parse(frame(1, R"({"op":"ping","id":1})"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, Kind::text);
  EXPECT_EQ(evs[0].data, R"({"op":"ping","id":1})");
}

TEST(FrameParser, EveryChunkSplitGivesTheSameEvents) {
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x98\x80 " + std::string(300, 'x');
  const std::string bytes = frame(1, text.substr(0, 4), false) + frame(9, "pi") + frame(0, text.substr(4, 7), false) +
                            frame(0, text.substr(11), true) + frame(1, "second") + frame(10, "po") +
                            frame(8, close_payload(1000, "bye"));
  for (std::size_t chunk = 1; chunk <= bytes.size(); chunk += (chunk < 20 ? 1 : 37)) {
    auto evs = parse(bytes, 1024, chunk);
    ASSERT_EQ(evs.size(), 5u) << chunk;
    EXPECT_EQ(evs[0].kind, Kind::ping);
    EXPECT_EQ(evs[0].data, "pi");
    EXPECT_EQ(evs[1].kind, Kind::text);
    EXPECT_EQ(evs[1].data, text) << chunk;
    EXPECT_EQ(evs[2].data, "second");
    EXPECT_EQ(evs[3].kind, Kind::pong);
    EXPECT_EQ(evs[4].kind, Kind::close);
    EXPECT_EQ(evs[4].code, 1000);
    EXPECT_EQ(evs[4].data, "bye");
  }
}

TEST(FrameParser, SixteenAndSixtyFourBitLengths) {
  const std::string big(70000, 'a');
  auto evs = parse(frame(1, big), 100000, 4096);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].data, big);
  evs = parse(frame(1, std::string(300, 'b')));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].data.size(), 300u);
}

TEST(FrameParser, ProtocolErrors1002) {
  EXPECT_EQ(error_of(frame(1, "x", true, false)), 1002) << "unmasked";
  EXPECT_EQ(error_of(frame(1, "x", true, true, 4)), 1002) << "rsv1";
  EXPECT_EQ(error_of(frame(1, "x", true, true, 2)), 1002) << "rsv2";
  EXPECT_EQ(error_of(frame(1, "x", true, true, 1)), 1002) << "rsv3";
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) EXPECT_EQ(error_of(frame(op, "x")), 1002) << int(op);
  EXPECT_EQ(error_of(frame(9, std::string(126, 'p'))), 1002) << "ping over 125";
  EXPECT_EQ(error_of(frame(9, "p", false)), 1002) << "fragmented ping";
  EXPECT_EQ(error_of(frame(0, "x")), 1002) << "continuation without a start";
  EXPECT_EQ(error_of(frame(1, "a", false) + frame(1, "b")), 1002) << "new message inside a fragmented one";
  EXPECT_EQ(error_of(frame(8, "\x03")), 1002) << "1-byte close payload";
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    EXPECT_EQ(error_of(frame(8, close_payload(code))), 1002) << code;
  }
}

TEST(FrameParser, TopBitOfSixtyFourBitLengthIs1002WithoutAllocating) {
  std::string bytes = "\x81\xff\x80";
  bytes += std::string(7, '\0');
  FrameParser p(1024, k_padding);
  p.feed(bytes.data(), bytes.size());
  auto ev = p.next();
  EXPECT_EQ(ev.kind, Kind::error);
  EXPECT_EQ(ev.code, 1002);
  EXPECT_LE(p.buffer_capacity(), FrameParser::k_initial_capacity);
}

TEST(FrameParser, DeclaredLengthOverLimitIs1009BeforeThePayload) {
  std::string bytes = "\x81\xff";
  bytes += std::string("\x00\x00\x01\x00\x00\x00\x00\x00", 8);  // 2^40
  FrameParser p(1024, k_padding);
  p.feed(bytes.data(), bytes.size());
  auto ev = p.next();
  EXPECT_EQ(ev.kind, Kind::error);
  EXPECT_EQ(ev.code, 1009);
  EXPECT_LE(p.buffer_capacity(), FrameParser::k_initial_capacity);
}

TEST(FrameParser, MessageLimitAppliesAcrossFragments) {
  EXPECT_EQ(error_of(frame(1, std::string(600, 'a'), false) + frame(0, std::string(600, 'a'))), 1009);
  auto evs = parse(frame(1, std::string(600, 'a'), false) + frame(0, std::string(424, 'a')));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].data.size(), 1024u);
}

TEST(FrameParser, BinaryIs1003) {
  EXPECT_EQ(error_of(frame(2, "x")), 1003);
}

TEST(FrameParser, InvalidUtf8Is1007EvenSplitAcrossFragments) {
  EXPECT_EQ(error_of(frame(1, "\xff")), 1007);
  EXPECT_EQ(error_of(frame(1, "a\xc3", false) + frame(0, "(")), 1007);
  EXPECT_EQ(error_of(frame(1, "a\xc3")), 1007) << "truncated at the end of the message";
  EXPECT_EQ(error_of(frame(8, close_payload(1000, "\xff\xfe"))), 1007);
  auto evs = parse(frame(1, "a\xc3", false) + frame(0, "\xa9"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].data, "a\xc3\xa9");
}

TEST(FrameParser, CloseWithoutPayloadIsNoStatus) {
  auto evs = parse(frame(8, ""));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, Kind::close);
  EXPECT_EQ(evs[0].code, 1005);
}

TEST(FrameParser, ErrorIsStickyAndDiscardsInput) {
  FrameParser p(1024, k_padding);
  const std::string bad = frame(1, "x", true, false);
  p.feed(bad.data(), bad.size());
  EXPECT_EQ(p.next().code, 1002);
  const std::string good = frame(1, "y");
  p.feed(good.data(), good.size());
  auto ev = p.next();
  EXPECT_EQ(ev.kind, Kind::error);
  EXPECT_EQ(ev.code, 1002);
  EXPECT_TRUE(p.failed());
}

TEST(FrameParser, BufferShrinksAfterABigMessageAndIsFreedWhenIdle) {
  FrameParser p(1 << 20, k_padding);
  const std::string big = frame(1, std::string(100000, 'z'));
  p.feed(big.data(), big.size());
  auto ev = p.next();
  ASSERT_EQ(ev.kind, Kind::text);
  EXPECT_GE(p.buffer_capacity(), 100000u);
  EXPECT_EQ(p.next().kind, Kind::need_more);
  p.prepare(512);
  EXPECT_EQ(p.buffer_capacity(), FrameParser::k_initial_capacity);
  p.release_if_idle();
  EXPECT_EQ(p.buffer_capacity(), 0u);
}

TEST(FrameParser, PartialFrameKeepsTheBuffer) {
  FrameParser p(1024, k_padding);
  const std::string f = frame(1, "hello");
  p.feed(f.data(), 3);
  EXPECT_EQ(p.next().kind, Kind::need_more);
  p.release_if_idle();
  EXPECT_GT(p.buffer_capacity(), 0u);
  p.feed(f.data() + 3, f.size() - 3);
  auto ev = p.next();
  ASSERT_EQ(ev.kind, Kind::text);
  EXPECT_EQ(std::string(ev.data, ev.size), "hello");
}

TEST(FrameParser, BufferGrowsWithTheBytesReceivedNotTheDeclaredLength) {
  FrameParser p(1 << 20, k_padding);
  const std::string f = frame(1, std::string(50000, 'q'));
  p.feed(f.data(), 100);
  EXPECT_EQ(p.next().kind, Kind::need_more);
  auto space = p.prepare(512);
  EXPECT_LE(p.buffer_capacity(), 2 * FrameParser::k_initial_capacity) << "a header alone allocates little";
  std::size_t at = 100;
  int reads = 0;
  while (at < f.size()) {
    const std::size_t n = std::min(space.size(), f.size() - at);
    std::memcpy(space.data(), f.data() + at, n);
    p.commit(n);
    at += n;
    ++reads;
    if (at < f.size()) {
      EXPECT_EQ(p.next().kind, Kind::need_more);
      space = p.prepare(512);
    }
  }
  EXPECT_LE(reads, 8) << "doubling: a few reads, not one per 512 bytes";
  auto ev = p.next();
  ASSERT_EQ(ev.kind, Kind::text);
  EXPECT_EQ(ev.size, 50000u);
  EXPECT_GE(ev.capacity, ev.size + k_padding);
}

}  // namespace
}  // namespace wshub::websocket
