// VerificationKey and where keys come from: an HMAC secret, a PEM public key,
// or a JWKS document (RFC 7517) whose RSA (n, e), EC (crv, x, y) and oct (k)
// keys are turned into what libjwt takes (PEM text or raw secret bytes) with
// OpenSSL 3's EVP_PKEY_fromdata and PEM_write_bio_PUBKEY.
//
// Every key carries its own algorithm allow-list: the algorithms of its key
// type (HS* for secrets, RS* for RSA, ES256/ES384/ES512 for the P-256/P-384/
// P-521 curves) that are also in the configured jwt_algorithms and, for a JWK
// with an "alg" member, equal to it. A key whose list ends up empty is a
// start-up error, so an RSA key can never be used as an HMAC secret.
// Thread-safety: pure functions (load_keys reads files).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/expected.hpp"

namespace wshub::auth {

enum class KeyFamily { hmac, rsa, ec };

struct VerificationKey {
  std::optional<std::string> kid;  // tokens name it in their header; nullopt: chosen by alg
  KeyFamily family = KeyFamily::hmac;
  std::string material;                 // HMAC secret bytes, or a PEM "PUBLIC KEY"
  std::vector<std::string> algorithms;  // allow-list, never empty
  std::string origin;                   // for messages: "jwt_secret", "jwt_jwks_file key 2 (kid \"a\")"
};

// Algorithm names accepted in jwt_algorithms (and JWK "alg"): HS256 HS384
// HS512 RS256 RS384 RS512 ES256 ES384 ES512.
bool is_supported_algorithm(std::string_view alg) noexcept;

// REQUIRES: every entry of `allowed` passes is_supported_algorithm.
core::Expected<VerificationKey, std::string> key_from_secret(std::string_view secret,
                                                             const std::vector<std::string>& allowed);
// A PEM public key ("BEGIN PUBLIC KEY"): RSA of at least 2048 bits, or EC on P-256/P-384/P-521.
core::Expected<VerificationKey, std::string> key_from_pem(std::string_view pem, const std::vector<std::string>& allowed,
                                                          std::string origin);
// A JWKS document {"keys":[...]}. Keys with "use" other than "sig" are skipped;
// unknown kty, bad members, or the same kid twice are errors.
core::Expected<std::vector<VerificationKey>, std::string> keys_from_jwks(std::string_view json,
                                                                         const std::vector<std::string>& allowed);

// Every key the configuration names (jwt_secret, jwt_public_key, jwt_jwks_file),
// reading the files. Empty when no key is configured.
core::Expected<std::vector<VerificationKey>, std::string> load_keys(const config::Config& config);

}  // namespace wshub::auth
