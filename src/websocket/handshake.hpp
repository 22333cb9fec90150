// The server's half of the opening handshake (RFC 6455 section 4.2), pure:
// deciding whether an upgrade request may be accepted and building the 101
// response. The HTTP request itself is parsed by net::HttpSession (Beast);
// this sees only the header values that matter. No extension (such as
// permessage-deflate) and no subprotocol is ever negotiated.
// Thread-safety: pure functions (the accept digest keeps one OpenSSL context per thread).
#pragma once

#include <string>
#include <string_view>

namespace wshub::websocket {

struct UpgradeCheck {
  unsigned status = 0;  // 0: acceptable; else the HTTP status to refuse with (400, 426)
  std::string_view message;
};

// `version` and `key` are the Sec-WebSocket-Version and Sec-WebSocket-Key
// header values (empty when absent). A version other than 13 is refused
// with 426 (the response must carry `Sec-WebSocket-Version: 13`); a missing
// or malformed key with 400.
UpgradeCheck check_upgrade(std::string_view version, std::string_view key) noexcept;

// base64(SHA-1(key + the RFC 6455 GUID)).
std::string accept_value(std::string_view key);

// The complete 101 Switching Protocols response head for `key`.
// REQUIRES: check_upgrade accepted the request.
std::string make_accept_response(std::string_view key);

}  // namespace wshub::websocket
