// Authenticator: the handshake hook that decides who a connecting client is,
// before the WebSocket upgrade (PROTOCOL.md section 2).
//
// Issue #2 ships the --dev and anonymous policies; JWT verification (issue #5)
// is another implementation of the same interface.
// Thread-safety: authenticate() is const and called from every shard thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/expected.hpp"

namespace wshub::auth {

struct Identity {
  std::string user;  // "" for anonymous
};

struct AuthRefusal {
  unsigned status = 401;
  std::string message;
};

// What the hook may look at, without tying auth to the HTTP library.
struct UpgradeRequestView {
  std::string_view target;         // "/ws?token=...&user=..."
  std::string_view authorization;  // header value, "" when absent
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const = 0;
};

// The policy the configuration asks for: --dev (anyone, `?user=` honoured),
// allow_anonymous (anyone, no user), or refuse (until tokens are configured).
std::unique_ptr<Authenticator> make_authenticator(const config::Config& cfg);

}  // namespace wshub::auth
