// JwtVerifier: decides whether a JWT is genuine and currently valid.
//
// Order of checks, so that nothing in the token chooses how it is verified:
//  1. parse (jwt_token.hpp): canonical base64url, JSON header and claims;
//  2. pick the key: by `kid` when the header has one (unknown kid: refused),
//     else the kid-less key whose allow-list has the header's `alg`;
//  3. `alg` must be in that key's allow-list (so `none`, and HS256 "signed"
//     with an RSA public key, are refused here, before any crypto);
//  4. signature checked by libjwt with that key (OpenSSL underneath);
//  5. claims: `exp` required, `nbf`, and `iss`/`aud` when configured, with
//     `leeway` seconds of clock skew either way.
// Time comes from an injectable clock (unix seconds), for unit tests.
// Thread-safety: immutable after construction; verify() may run on any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_keys.hpp"
#include "auth/jwt_token.hpp"
#include "core/expected.hpp"

namespace wshub::auth {

using UnixClock = std::function<std::int64_t()>;

// The system clock in whole seconds since the epoch.
std::int64_t system_unix_seconds();

struct VerifierOptions {
  std::string issuer;    // empty: `iss` not checked
  std::string audience;  // empty: `aud` not checked
  std::chrono::seconds leeway{30};
};

class JwtVerifier {
 public:
  // REQUIRES: keys as made by jwt_keys.hpp (non-empty allow-lists).
  JwtVerifier(std::vector<VerificationKey> keys, VerifierOptions options, UnixClock clock = system_unix_seconds);

  // The token's claims when it is genuine and valid now; otherwise a short
  // reason fit for the client ("token expired").
  core::Expected<TokenClaims, std::string> verify(std::string_view token) const;

  std::int64_t now() const { return clock_(); }
  const VerifierOptions& options() const noexcept { return options_; }

 private:
  const VerificationKey* choose_key(const JoseHeader& header, std::string& why) const;

  std::vector<VerificationKey> keys_;
  VerifierOptions options_;
  UnixClock clock_;
};

}  // namespace wshub::auth
