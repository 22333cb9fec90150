// Authenticator: the handshake hook that decides who a connecting client is,
// before the WebSocket upgrade (PROTOCOL.md section 2), and the verifier of
// the tokens a connected client presents later (`refresh`, and subscription
// tokens in `subscribe`).
//
// Policies: --dev (anyone; `?user=` honoured), allow_anonymous (anyone, no
// user), and connection tokens (JWT via `?token=` or `Authorization: Bearer`,
// see jwt_verifier.hpp) when keys are configured. With keys and --dev or
// allow_anonymous, a token is verified when one is given (a bad one is still
// refused) and the connection is anonymous (or `?user=` in --dev) without one.
// Thread-safety: every method is const and called from every shard thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_verifier.hpp"
#include "config/config.hpp"
#include "core/expected.hpp"

namespace wshub::auth {

struct Identity {
  std::string user;                      // "" for anonymous
  std::optional<std::int64_t> expires_at;  // unix seconds: the token's exp; nullopt without a token
  std::optional<std::vector<std::string>> channels;  // the token's channels claim
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

// A verified subscription token's claims.
struct SubscriptionGrant {
  std::string client;
  std::string channel;
  std::string user;  // the token's sub, "" when absent
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const = 0;

  // A connection token presented with `refresh`. Default: this server uses no tokens (400).
  virtual core::Expected<Identity, AuthRefusal> verify_connection_token(std::string_view token) const;
  // A subscription token (claims `client` and `channel`). Default: 400 as above.
  virtual core::Expected<SubscriptionGrant, AuthRefusal> verify_subscription_token(std::string_view token) const;
  // Unix seconds by the clock that judges tokens.
  virtual std::int64_t now() const { return system_unix_seconds(); }
};

// The policy the configuration asks for. Reads the key files it names;
// errors (unreadable file, bad key, key that fits no allowed algorithm) are
// start-up errors.
core::Expected<std::unique_ptr<Authenticator>, std::string> make_authenticator(const config::Config& cfg,
                                                                             UnixClock clock = system_unix_seconds);

// The same with keys already loaded (unit tests).
std::unique_ptr<Authenticator> make_authenticator(const config::Config& cfg, std::vector<VerificationKey> keys,
                                                  UnixClock clock);

// The connection token of an upgrade request: `Authorization: Bearer T`
// (scheme in any case) or else `?token=T`; nullopt when neither is there.
std::optional<std::string> connection_token(const UpgradeRequestView& req);

}  // namespace wshub::auth
