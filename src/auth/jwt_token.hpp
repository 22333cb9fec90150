// JwtToken: the parts of a JWS compact token (header.payload.signature) and
// the fields wshub reads from them, parsed without trusting them.
//
// This is the parsing half of token verification: it decodes base64url and
// reads the JOSE header and the claims with simdjson, so the verifier can
// check `alg` and `kid` against the configured keys BEFORE any signature is
// checked. Nothing here is authenticated yet: callers must verify the
// signature (JwtVerifier) before believing a claim.
//
// Strictness: canonical unpadded base64url, JSON objects only, a known field
// with the wrong type or given twice is an error (two `alg` could be read
// differently by two parsers), `crit` is refused (no extension is
// understood), `jku`/`x5u`/`jwk`/`x5c` are ignored (keys come only from the
// configuration). Numeric dates may be integers or decimals (truncated).
// Thread-safety: pure functions (a thread-local parser).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace wshub::auth {

inline constexpr std::size_t k_max_token_size = 8192;

struct JoseHeader {
  std::string alg;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
};

struct TokenClaims {
  std::optional<std::string> sub;
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
  std::optional<std::string> iss;
  std::optional<std::vector<std::string>> aud;  // a string `aud` becomes one entry
  std::optional<std::vector<std::string>> channels;
  std::optional<std::string> client;   // subscription tokens
  std::optional<std::string> channel;  // subscription tokens
};

struct JwtParts {
  std::string_view header_b64;
  std::string_view payload_b64;
  std::string_view signature_b64;
};

// Splits "a.b.c" into its three non-empty-header parts (the signature may be
// empty only for alg none, which the verifier refuses anyway).
core::Expected<JwtParts, std::string> split_token(std::string_view token);

core::Expected<JoseHeader, std::string> parse_jose_header(std::string_view json);
core::Expected<TokenClaims, std::string> parse_claims(std::string_view json);

struct ParsedToken {
  JoseHeader header;
  TokenClaims claims;
};

// split_token + base64url + parse_jose_header + parse_claims. Messages are
// short and safe to show to the client ("malformed token: header is not
// base64url").
core::Expected<ParsedToken, std::string> parse_token(std::string_view token);

}  // namespace wshub::auth
