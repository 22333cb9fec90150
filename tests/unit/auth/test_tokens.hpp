// Helpers for auth tests: keys generated with OpenSSL, tokens signed with
// libjwt, and hand-made tokens (any header) signed with OpenSSL's HMAC.
#pragma once

#include <string>
#include <string_view>

namespace wshub::auth::test {

std::string b64url(std::string_view bytes);

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};
// RSA 2048 (generated once per process and cached).
const KeyPair& rsa_key();
const KeyPair& rsa_key2();
const KeyPair& rsa_1024_key();
// EC on P-256 (cached).
const KeyPair& ec_key();

// header.payload signed with HMAC-SHA256 over `secret`: any header at all.
std::string hs256_raw(std::string_view header_json, std::string_view payload_json, std::string_view secret);

// A token signed by libjwt: alg "HS256"/"RS256"/"ES256"... with `key` (secret or
// private PEM), claims as JSON, and an optional kid header.
std::string signed_token(std::string_view alg, std::string_view key, std::string_view claims_json,
                         std::string_view kid = {});

// The JWK (JSON object text) of a public PEM key, with optional kid and alg.
std::string jwk_of(const std::string& public_pem, std::string_view kid, std::string_view alg = {});

}  // namespace wshub::auth::test
