#include "websocket/handshake.hpp"

#include <openssl/evp.h>

#include <memory>

#include "core/websocket_key.hpp"

namespace wshub::websocket {

namespace {
constexpr std::string_view k_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// OpenSSL 3 looks a legacy EVP_sha1() up in its provider store, under locks, on
// every digest, and EVP_Digest allocates and wipes a context each time: ~2,500
// instructions per handshake under callgrind. So the algorithm is fetched once per
// process (EVP_MD objects are immutable and may be shared between threads) and
// each thread keeps one context.
const EVP_MD* sha1() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return fetched != nullptr ? fetched : EVP_sha1();
  }();
  return md;
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
}  // namespace

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
  thread_local const std::unique_ptr<EVP_MD_CTX, DigestContextFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), input.data(), input.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) != 1) {
    EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  }
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
