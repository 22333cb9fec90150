#include "websocket/handshake.hpp"

#include <openssl/evp.h>

#include "core/websocket_key.hpp"

namespace wshub::websocket {

namespace {
constexpr std::string_view k_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
}

UpgradeCheck check_upgrade(std::string_view version, std::string_view key) noexcept {
  if (version != "13") return {426, "unsupported WebSocket version (13 required)"};
  if (!core::is_valid_websocket_key(key)) return {400, "missing or malformed Sec-WebSocket-Key"};
  return {};
}

std::string accept_value(std::string_view key) {
  std::string input;
  input.reserve(key.size() + k_guid.size());
  input.append(key).append(k_guid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  std::string out(4 * ((digest_len + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(digest_len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string make_accept_response(std::string_view key) {
  std::string res;
  res.reserve(160);
  res += "HTTP/1.1 101 Switching Protocols\r\nServer: wshub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  res += "Sec-WebSocket-Accept: ";
  res += accept_value(key);
  res += "\r\n\r\n";
  return res;
}

}  // namespace wshub::websocket
