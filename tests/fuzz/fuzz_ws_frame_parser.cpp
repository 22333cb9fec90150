// Fuzzes websocket::FrameParser: arbitrary client bytes, fed in the chunk
// sizes the input itself chooses. The parser must never crash or hit UB, and
// its events must not depend on how the bytes were split: every input is
// parsed twice (whole, and in chunks) and the event sequences compared.
//
// Input: byte 0 picks max_message_size, bytes 1.. pick the chunk sizes (one
// byte each, until a 0), the rest is the byte stream.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "websocket/close_code.hpp"
#include "websocket/frame_parser.hpp"
#include "websocket/utf8_validator.hpp"

namespace {

using wshub::websocket::FrameParser;
using Kind = FrameParser::EventKind;
constexpr std::size_t k_padding = 64;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

struct Seen {
  Kind kind;
  std::uint16_t code;
  std::string data;
  bool operator==(const Seen&) const = default;
};

// Drains events, checking what each promises.
bool drain(FrameParser& p, std::size_t max, std::vector<Seen>& out) {
  for (;;) {
    const auto ev = p.next();
    switch (ev.kind) {
      case Kind::need_more:
        return true;
      case Kind::text: {
        check(ev.size <= max, "text within max_message_size");
        check(ev.capacity >= ev.size + k_padding, "padding after the text");
        check(wshub::websocket::is_valid_utf8(ev.data, ev.size), "text is valid UTF-8");
        // Touch the padding: ASan reports it when it is not ours.
        volatile char sink = 0;
        for (std::size_t i = ev.size; i < ev.size + k_padding; ++i) sink = static_cast<char>(sink ^ ev.data[i]);
        (void)sink;
        break;
      }
      case Kind::ping:
      case Kind::pong:
        check(ev.size <= 125, "control payload <= 125");
        break;
      case Kind::close:
        check(ev.code == 1005 || wshub::websocket::is_valid_received_close_code(ev.code), "valid close code");
        check(ev.code != 1005 || ev.size == 0, "no reason without a code");
        check(wshub::websocket::is_valid_utf8(ev.data, ev.size), "close reason is UTF-8");
        check(p.closed(), "closed after a close frame");
        break;
      case Kind::error:
        check(ev.code == 1002 || ev.code == 1003 || ev.code == 1007 || ev.code == 1009, "error close code");
        check(p.failed(), "failed after an error");
        break;
    }
    out.push_back({ev.kind, ev.code, ev.data == nullptr ? std::string() : std::string(ev.data, ev.size)});
    if (ev.kind == Kind::error) {
      const auto again = p.next();
      check(again.kind == Kind::error && again.code == ev.code, "errors are sticky");
      return false;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr std::size_t k_limits[] = {0, 1, 125, 126, 1024, 65535, 65536, 1 << 20};
  const std::size_t max = k_limits[data[0] % 8];
  std::size_t at = 1;
  std::vector<std::size_t> chunks;
  while (at < size && data[at] != 0 && chunks.size() < 64) chunks.push_back(data[at++]);
  if (at < size) ++at;
  const char* bytes = reinterpret_cast<const char*>(data + at);
  const std::size_t len = size - at;

  std::vector<Seen> whole;
  {
    FrameParser p(max, k_padding);
    p.feed(bytes, len);
    drain(p, max, whole);
  }
  std::vector<Seen> split;
  {
    FrameParser p(max, k_padding);
    std::size_t pos = 0;
    std::size_t i = 0;
    while (pos < len) {
      const std::size_t n = chunks.empty() ? 1 : std::min(chunks[i++ % chunks.size()], len - pos);
      // Half the time through prepare/commit as the session does.
      if (i % 2 == 0) {
        auto space = p.prepare(n);
        check(space.size() >= n, "prepare gives what was asked");
        for (std::size_t k = 0; k < n; ++k) space[k] = bytes[pos + k];
        p.commit(n);
      } else {
        p.feed(bytes + pos, n);
      }
      pos += n;
      if (!drain(p, max, split)) break;
      if (i % 3 == 0) p.release_if_idle();
    }
    check(p.buffer_capacity() <= std::max<std::size_t>(max + 14 + 512, FrameParser::k_initial_capacity) + 256,
          "buffer bounded by the message limit");
  }
  check(whole == split, "events independent of the chunking");
  return 0;
}
