// OriginPolicy: the allow-list of browser origins that may open a WebSocket.
//
// An origin matches when scheme, host and port are all equal, ignoring the
// letter case of scheme and host. A port equal to the scheme's default
// (http/ws 80, https/wss 443) is the same as no port, because browsers never
// send a default port (RFC 6454 serialization): `https://a.example` and
// `https://a.example:443` are one origin. Everything else must be equal byte
// for byte: `null`, a trailing dot (`https://a.example.`), userinfo
// (`https://u@a.example`), a path, another port or scheme, and look-alike hosts
// (`https://a.example.evil.example`, `https://evila.example`) do not match.
// No Origin header means a non-browser client, which is allowed: Origin
// protects browsers from cross-site WebSocket hijacking, it is not
// authentication. An empty list allows every origin.
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::auth {

class OriginPolicy {
 public:
  explicit OriginPolicy(std::vector<std::string> allowed);
  bool allows(std::optional<std::string_view> origin) const;

  // Lower-cased scheme and host, default port removed; anything else unchanged.
  static std::string normalize(std::string_view origin);

 private:
  std::vector<std::string> allowed_;  // normalized
};

}  // namespace wshub::auth
