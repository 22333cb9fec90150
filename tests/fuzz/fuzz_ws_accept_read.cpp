// Fuzzes the server's accept-and-read path with wshub's settings, minus the
// socket: the HTTP request is parsed as net::HttpSession parses it (Beast,
// 16 KiB header limit), an upgrade is validated (websocket::check_upgrade)
// and answered (make_accept_response), and whatever follows the request is
// run through websocket::FrameParser the way net::WebSocketSession does:
// early bytes first, then reads of at most 512 bytes, events handed to a
// handler that reads the text up to the promised capacity, reading on after
// an error until the input ends.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "websocket/frame_parser.hpp"
#include "websocket/handshake.hpp"

namespace {

namespace http = boost::beast::http;
using wshub::websocket::FrameParser;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

void read_frames(const char* bytes, std::size_t len) {
  constexpr std::size_t k_max_message = 65536;
  constexpr std::size_t k_padding = 64;
  FrameParser parser(k_max_message, k_padding);
  // The bytes the HTTP layer had read past the request: up to one read's worth.
  std::size_t pos = std::min<std::size_t>(len, 300);
  parser.feed(bytes, pos);
  bool done = false;
  for (;;) {
    while (!done) {
      const auto ev = parser.next();
      if (ev.kind == FrameParser::EventKind::need_more) break;
      if (ev.kind == FrameParser::EventKind::text) {
        check(ev.capacity >= ev.size + k_padding, "padding");
        volatile unsigned sum = 0;
        for (std::size_t i = 0; i < ev.capacity; ++i) sum = sum + static_cast<unsigned char>(ev.data[i]);
        (void)sum;
      }
      if (ev.kind == FrameParser::EventKind::error || ev.kind == FrameParser::EventKind::close) done = true;
    }
    if (pos == len) break;
    auto space = parser.prepare(512);
    const std::size_t n = std::min(space.size(), len - pos);
    for (std::size_t k = 0; k < n; ++k) space[k] = bytes[pos + k];
    parser.commit(n);
    pos += n;
    if (n < 512) parser.release_if_idle();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < input.size() && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::const_buffer(input.data() + used, input.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return 0;
  const auto& req = parser.get();
  if (!boost::beast::websocket::is_upgrade(req)) return 0;
  const auto verdict = wshub::websocket::check_upgrade(req[http::field::sec_websocket_version],
                                                       req[http::field::sec_websocket_key]);
  if (verdict.status != 0) {
    check(verdict.status == 400 || verdict.status == 426, "refusals are 400 or 426");
    return 0;
  }
  const std::string response = wshub::websocket::make_accept_response(req[http::field::sec_websocket_key]);
  check(response.size() > 100 && response.ends_with("\r\n\r\n"), "a whole 101 head");
  check(response.find("\r\nSec-WebSocket-Accept: ") != std::string::npos, "the accept header");
  read_frames(input.data() + used, input.size() - used);
  return 0;
}
