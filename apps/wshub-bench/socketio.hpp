// Socket.IO v4 (Engine.IO v4 over WebSocket) framing for --protocol socketio,
// used against bench/peers/socketio_hub.js. Only what the scenarios need:
//   server "0{...}"            Engine.IO open          -> client sends "40" (connect the default namespace)
//   server "40{...}"           namespace connected     -> counts as the welcome; client sends the subscribe event
//   client "421[\"subscribe\",\"CHAN\"]"                  event with ack id 1
//   server "431[{\"ok\":true,...}]"                       its ack
//   server "2"                 ping                    -> client answers "3"
//   server "42[\"message\",{ENVELOPE}]"                   a message; ENVELOPE is the PROTOCOL.md envelope
// Engine.IO v4 sends one packet per WebSocket frame, so a frame is one packet.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::bench::socketio {

inline constexpr std::string_view k_default_path = "/socket.io/?EIO=4&transport=websocket";
inline constexpr std::string_view k_connect = "40";
inline constexpr std::string_view k_pong = "3";

enum class Packet { open, connected, connect_error, ping, ack, message, other };

struct Decoded {
  Packet kind = Packet::other;
  std::int64_t ack_id = -1;  // ack
  bool ack_ok = false;       // ack: its first argument has "ok":true
  std::string_view body;     // message: the envelope object
};

Decoded decode(std::string_view frame);

// 42<ack_id>["subscribe","CHANNEL"]
std::string subscribe_event(std::string_view channel, std::int64_t ack_id);

}  // namespace wshub::bench::socketio
