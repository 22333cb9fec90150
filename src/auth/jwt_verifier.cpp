#include "auth/jwt_verifier.hpp"

#include <jwt.h>

#include <algorithm>
#include <memory>

namespace wshub::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};

constexpr std::size_t k_max_user_id = 255;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Printable for a message: at most 40 bytes, nothing outside ASCII graphics.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c > 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  return out;
}

}  // namespace

std::int64_t system_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

JwtVerifier::JwtVerifier(std::vector<VerificationKey> keys, VerifierOptions options, UnixClock clock)
    : keys_(std::move(keys)), options_(std::move(options)), clock_(std::move(clock)) {}

const VerificationKey* JwtVerifier::choose_key(const JoseHeader& header, std::string& why) const {
  if (header.kid) {
    for (const auto& key : keys_) {
      if (key.kid == header.kid) return &key;
    }
    why = "unknown key id (kid \"" + printable(*header.kid) + "\")";
    return nullptr;
  }
  for (const auto& key : keys_) {
    if (key.kid) continue;
    if (std::find(key.algorithms.begin(), key.algorithms.end(), header.alg) != key.algorithms.end()) return &key;
  }
  why = "no key accepts algorithm " + printable(header.alg) + (header.kid ? "" : " without a kid");
  return nullptr;
}

core::Expected<TokenClaims, std::string> JwtVerifier::verify(std::string_view token) const {
  auto parsed = parse_token(token);
  if (!parsed) return core::unexpected(std::move(parsed.error()));
  const JoseHeader& header = parsed->header;
  if (equal_ignoring_case(header.alg, "none")) return core::unexpected(std::string("algorithm none is not accepted"));
  if (!is_supported_algorithm(header.alg)) {
    return core::unexpected("unsupported algorithm " + printable(header.alg));
  }
  // libjwt refuses any other typ; say so plainly.
  if (header.typ && !equal_ignoring_case(*header.typ, "JWT")) {
    return core::unexpected("unsupported token type (typ \"" + printable(*header.typ) + "\")");
  }
  std::string why;
  const VerificationKey* key = choose_key(header, why);
  if (key == nullptr) return core::unexpected(std::move(why));
  if (std::find(key->algorithms.begin(), key->algorithms.end(), header.alg) == key->algorithms.end()) {
    return core::unexpected("algorithm " + header.alg + " is not allowed for this key");
  }

  // Only now does any cryptography run, with the key and algorithm we chose.
  const std::string text(token);  // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->material.data()),
                            static_cast<int>(key->material.size()));
  std::unique_ptr<jwt_t, JwtFree> decoded(raw);
  if (rc != 0 || !decoded) return core::unexpected(std::string("invalid signature"));
  // libjwt read the alg from the same header; make sure it verified what we checked.
  const char* verified_alg = jwt_alg_str(jwt_get_alg(decoded.get()));
  if (verified_alg == nullptr || header.alg != verified_alg) {
    return core::unexpected(std::string("invalid signature"));
  }

  TokenClaims& claims = parsed->claims;
  const std::int64_t now = clock_();
  const std::int64_t leeway = options_.leeway.count();
  if (!claims.exp) return core::unexpected(std::string("token has no exp"));
  if (now - leeway >= *claims.exp) return core::unexpected(std::string("token expired"));
  if (claims.nbf && now + leeway < *claims.nbf) return core::unexpected(std::string("token not valid yet (nbf)"));
  if (!options_.issuer.empty() && claims.iss != options_.issuer) {
    return core::unexpected(std::string("wrong token issuer (iss)"));
  }
  if (!options_.audience.empty()) {
    const bool listed = claims.aud && std::find(claims.aud->begin(), claims.aud->end(), options_.audience) !=
                                          claims.aud->end();
    if (!listed) return core::unexpected(std::string("wrong token audience (aud)"));
  }
  if (claims.sub && claims.sub->size() > k_max_user_id) {
    return core::unexpected(std::string("user id (sub) longer than 255 bytes"));
  }
  return std::move(claims);
}

}  // namespace wshub::auth
