// Fuzzes token parsing and verification, and the JWKS reader: the input is
// used as a whole token (parse_token, JwtVerifier::verify with an HMAC key
// and a fixed clock), as JOSE header and claims JSON, as base64url text, and
// as a JWKS document (keys_from_jwks: RSA/EC keys built with OpenSSL).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/base64url.hpp"
#include "auth/jwt_keys.hpp"
#include "auth/jwt_token.hpp"
#include "auth/jwt_verifier.hpp"

namespace {

using namespace wshub::auth;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

const std::vector<std::string> k_algorithms{"HS256", "HS384", "RS256", "ES256"};

const JwtVerifier& verifier() {
  static const JwtVerifier v = [] {
    std::vector<VerificationKey> keys;
    auto plain = key_from_secret("fuzz-secret", k_algorithms);
    auto with_kid = key_from_secret("fuzz-secret-2", k_algorithms);
    with_kid->kid = "k2";
    keys.push_back(*plain);
    keys.push_back(*with_kid);
    VerifierOptions options;
    options.issuer = "iss";
    options.audience = "aud";
    return JwtVerifier(std::move(keys), options, [] { return std::int64_t{1'800'000'000}; });
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto decoded = base64url_decode(input)) {
    check(decoded->size() <= input.size(), "base64url decoding shrinks");
  }
  if (auto parsed = parse_token(input)) {
    check(input.size() <= k_max_token_size, "only tokens within the size limit parse");
    check(!parsed->header.alg.empty() || input.find('.') != std::string_view::npos, "a parsed token has parts");
  }
  (void)parse_jose_header(input);
  (void)parse_claims(input);
  if (auto claims = verifier().verify(input)) {
    // Only a token signed with one of the fuzz secrets could get here.
    check(claims->exp.has_value(), "a verified token has exp");
  }
  if (auto keys = keys_from_jwks(input, k_algorithms)) {
    for (const auto& key : *keys) check(!key.algorithms.empty(), "every key has an allow-list");
  }
  return 0;
}
