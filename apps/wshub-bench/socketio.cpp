#include "socketio.hpp"

#include <charconv>

#include "core/json_writer.hpp"

namespace wshub::bench::socketio {

Decoded decode(std::string_view frame) {
  Decoded out;
  if (frame.empty()) return out;
  switch (frame[0]) {
    case '0':
      out.kind = Packet::open;
      return out;
    case '2':
      if (frame.size() == 1) out.kind = Packet::ping;
      return out;
    case '4':
      break;
    default:
      return out;
  }
  // Engine.IO message carrying a Socket.IO packet: type digit, [ack id], payload (default namespace).
  if (frame.size() < 2) return out;
  const char type = frame[1];
  std::string_view rest = frame.substr(2);
  if (type == '0') {
    out.kind = Packet::connected;
  } else if (type == '4') {
    out.kind = Packet::connect_error;
  } else if (type == '3') {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
    if (ec != std::errc() || end == rest.data()) return out;
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    out.kind = Packet::ack;
    out.ack_id = id;
    out.ack_ok = rest.find(R"("ok":true)") != std::string_view::npos;
  } else if (type == '2') {
    constexpr std::string_view head = R"(["message",)";
    if (rest.starts_with(head) && rest.ends_with(']')) {
      out.kind = Packet::message;
      out.body = rest.substr(head.size(), rest.size() - head.size() - 1);
    }
  }
  return out;
}

std::string subscribe_event(std::string_view channel, std::int64_t ack_id) {
  std::string out = "42";
  core::append_uint(out, static_cast<std::uint64_t>(ack_id));
  out += R"(["subscribe",)";
  core::append_json_string(out, channel);
  out += ']';
  return out;
}

}  // namespace wshub::bench::socketio
