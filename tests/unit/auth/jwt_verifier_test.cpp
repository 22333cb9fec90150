// JwtVerifier: every way a token can be bad, with an injected clock.
#include "auth/jwt_verifier.hpp"

#include <gtest/gtest.h>

#include "test_tokens.hpp"

namespace wshub::auth {
namespace {

using test::b64url;
using test::hs256_raw;
using test::signed_token;

constexpr std::int64_t k_now = 1'800'000'000;
const std::vector<std::string> k_default_algs{"HS256", "RS256", "ES256"};

std::string claims(std::int64_t exp, std::string extra = {}) {
  return R"({"sub":"alice","exp":)" + std::to_string(exp) + extra + "}";
}

class VerifierTest : public ::testing::Test {
 protected:
  JwtVerifier make(std::vector<VerificationKey> keys, VerifierOptions options = {}) {
    return JwtVerifier(std::move(keys), std::move(options), [this] { return now_; });
  }
  VerificationKey secret_key(std::string secret = "s3cret", std::vector<std::string> algs = k_default_algs) {
    auto key = key_from_secret(secret, algs);
    EXPECT_TRUE(key) << key.error();
    return *key;
  }
  VerificationKey pem_key(const std::string& pem, std::vector<std::string> algs = k_default_algs) {
    auto key = key_from_pem(pem, algs, "test key");
    EXPECT_TRUE(key) << key.error();
    return *key;
  }
  std::string refusal(const JwtVerifier& v, const std::string& token) {
    auto r = v.verify(token);
    EXPECT_FALSE(r) << token;
    return r ? std::string() : r.error();
  }

  std::int64_t now_ = k_now;
};

TEST_F(VerifierTest, GoodHs256Rs256Es256) {
  auto hs = make({secret_key()});
  auto r = hs.verify(signed_token("HS256", "s3cret", claims(k_now + 60, R"(,"channels":["a","b:*"])")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->exp, k_now + 60);
  ASSERT_TRUE(r->channels);
  EXPECT_EQ(*r->channels, (std::vector<std::string>{"a", "b:*"}));

  auto rs = make({pem_key(test::rsa_key().public_pem)});
  r = rs.verify(signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60)));
  ASSERT_TRUE(r) << r.error();

  auto es = make({pem_key(test::ec_key().public_pem)});
  r = es.verify(signed_token("ES256", test::ec_key().private_pem, claims(k_now + 60)));
  ASSERT_TRUE(r) << r.error();
}

TEST_F(VerifierTest, BadSignatureAndWrongKey) {
  auto hs = make({secret_key()});
  EXPECT_EQ(refusal(hs, signed_token("HS256", "other", claims(k_now + 60))), "invalid signature");
  // One flipped payload byte.
  auto token = signed_token("HS256", "s3cret", claims(k_now + 60));
  const auto dot = token.find('.');
  token[dot + 3] = token[dot + 3] == 'A' ? 'B' : 'A';
  EXPECT_NE(refusal(hs, token), "");

  auto rs = make({pem_key(test::rsa_key().public_pem)});
  EXPECT_EQ(refusal(rs, signed_token("RS256", test::rsa_key2().private_pem, claims(k_now + 60))),
            "invalid signature");
  // Signature cut off.
  auto good = signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60));
  EXPECT_EQ(refusal(rs, good.substr(0, good.rfind('.') + 1)), "invalid signature");
}

TEST_F(VerifierTest, AlgNoneIsRefused) {
  auto hs = make({secret_key()});
  const std::string payload = b64url(claims(k_now + 60));
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"None"})", R"({"alg":"NONE","typ":"JWT"})"}) {
    EXPECT_EQ(refusal(hs, b64url(header) + "." + payload + "."), "algorithm none is not accepted") << header;
  }
  // Even with a signature attached.
  EXPECT_EQ(refusal(hs, hs256_raw(R"({"alg":"none"})", claims(k_now + 60), "s3cret")),
            "algorithm none is not accepted");
}

TEST_F(VerifierTest, Hs256SignedWithTheRsaPublicKeyIsRefused) {
  const std::string& pem = test::rsa_key().public_pem;
  // No kid: no HMAC key exists, so nothing to choose.
  auto rs = make({pem_key(pem)});
  const auto forged = hs256_raw(R"({"alg":"HS256","typ":"JWT"})", claims(k_now + 60), pem);
  EXPECT_EQ(refusal(rs, forged), "no key accepts algorithm HS256 without a kid");
  // With the RSA key's kid: its allow-list has no HS256.
  auto key = pem_key(pem);
  key.kid = "rsa1";
  auto with_kid = make({key, secret_key()});
  EXPECT_EQ(refusal(with_kid, hs256_raw(R"({"alg":"HS256","kid":"rsa1"})", claims(k_now + 60), pem)),
            "algorithm HS256 is not allowed for this key");
}

TEST_F(VerifierTest, AlgorithmOutsideTheAllowList) {
  auto hs = make({secret_key("s3cret", {"HS256"})});
  EXPECT_EQ(refusal(hs, signed_token("HS512", "s3cret", claims(k_now + 60))),
            "no key accepts algorithm HS512 without a kid");
  auto rs = make({pem_key(test::rsa_key().public_pem, {"RS256"})});
  EXPECT_EQ(refusal(rs, signed_token("RS384", test::rsa_key().private_pem, claims(k_now + 60))),
            "no key accepts algorithm RS384 without a kid");
  EXPECT_EQ(refusal(hs, hs256_raw(R"({"alg":"XX999"})", claims(k_now + 60), "s3cret")),
            "unsupported algorithm XX999");
  // A key whose type fits none of the configured algorithms cannot be made.
  EXPECT_FALSE(key_from_pem(test::rsa_key().public_pem, {"HS256", "ES256"}, "k"));
  EXPECT_FALSE(key_from_secret("s", {"RS256"}));
}

TEST_F(VerifierTest, KidSelectsTheKeyForRotation) {
  auto old_key = pem_key(test::rsa_key().public_pem);
  old_key.kid = "2024";
  auto new_key = pem_key(test::rsa_key2().public_pem);
  new_key.kid = "2025";
  auto v = make({old_key, new_key});
  EXPECT_TRUE(v.verify(signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60), "2024")));
  EXPECT_TRUE(v.verify(signed_token("RS256", test::rsa_key2().private_pem, claims(k_now + 60), "2025")));
  // The right signature under the other kid is refused.
  EXPECT_EQ(refusal(v, signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60), "2025")),
            "invalid signature");
  EXPECT_EQ(refusal(v, signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60), "2023")),
            "unknown key id (kid \"2023\")");
  // No kid, and every key has one.
  EXPECT_EQ(refusal(v, signed_token("RS256", test::rsa_key().private_pem, claims(k_now + 60))),
            "no key accepts algorithm RS256 without a kid");
}

TEST_F(VerifierTest, ExpiryAndNotBeforeWithLeeway) {
  VerifierOptions options;
  options.leeway = std::chrono::seconds(30);
  auto v = make({secret_key()}, options);
  auto token = [](std::string c) { return signed_token("HS256", "s3cret", c); };
  EXPECT_EQ(refusal(v, token(R"({"sub":"alice"})")), "token has no exp");
  // exp: valid while now < exp + leeway.
  EXPECT_TRUE(v.verify(token(claims(k_now - 29))));
  EXPECT_EQ(refusal(v, token(claims(k_now - 30))), "token expired");
  EXPECT_EQ(refusal(v, token(claims(k_now - 3600))), "token expired");
  // nbf: valid once now >= nbf - leeway.
  EXPECT_TRUE(v.verify(token(claims(k_now + 600, R"(,"nbf":)" + std::to_string(k_now + 30)))));
  EXPECT_EQ(refusal(v, token(claims(k_now + 600, R"(,"nbf":)" + std::to_string(k_now + 31)))),
            "token not valid yet (nbf)");
  // The clock moves: the same token expires.
  const auto t = token(claims(k_now + 10));
  EXPECT_TRUE(v.verify(t));
  now_ = k_now + 39;
  EXPECT_TRUE(v.verify(t));
  now_ = k_now + 40;
  EXPECT_EQ(refusal(v, t), "token expired");
}

TEST_F(VerifierTest, ZeroLeewayBoundaries) {
  VerifierOptions options;
  options.leeway = std::chrono::seconds(0);
  auto v = make({secret_key()}, options);
  EXPECT_TRUE(v.verify(signed_token("HS256", "s3cret", claims(k_now + 1))));
  EXPECT_EQ(refusal(v, signed_token("HS256", "s3cret", claims(k_now))), "token expired");
  EXPECT_TRUE(v.verify(signed_token("HS256", "s3cret", claims(k_now + 5, R"(,"nbf":)" + std::to_string(k_now)))));
  EXPECT_EQ(refusal(v, signed_token("HS256", "s3cret", claims(k_now + 5, R"(,"nbf":)" + std::to_string(k_now + 1)))),
            "token not valid yet (nbf)");
  // Decimal dates are accepted (truncated).
  EXPECT_TRUE(v.verify(hs256_raw(R"({"alg":"HS256"})", R"({"exp":1800000001.5})", "s3cret")));
}

TEST_F(VerifierTest, IssuerAndAudience) {
  VerifierOptions options;
  options.issuer = "https://issuer.example";
  options.audience = "wshub";
  auto v = make({secret_key()}, options);
  auto token = [](std::string extra) { return signed_token("HS256", "s3cret", claims(k_now + 60, extra)); };
  EXPECT_TRUE(v.verify(token(R"(,"iss":"https://issuer.example","aud":"wshub")")));
  EXPECT_TRUE(v.verify(token(R"(,"iss":"https://issuer.example","aud":["other","wshub"])")));
  EXPECT_EQ(refusal(v, token(R"(,"iss":"https://evil.example","aud":"wshub")")), "wrong token issuer (iss)");
  EXPECT_EQ(refusal(v, token(R"(,"aud":"wshub")")), "wrong token issuer (iss)");
  EXPECT_EQ(refusal(v, token(R"(,"iss":"https://issuer.example","aud":"other")")), "wrong token audience (aud)");
  EXPECT_EQ(refusal(v, token(R"(,"iss":"https://issuer.example")")), "wrong token audience (aud)");
  EXPECT_EQ(refusal(v, token(R"(,"iss":"https://issuer.example","aud":[])")), "wrong token audience (aud)");
}

TEST_F(VerifierTest, MalformedTokens) {
  auto v = make({secret_key()});
  const std::string header = b64url(R"({"alg":"HS256"})");
  const std::string payload = b64url(claims(k_now + 60));
  for (const std::string& bad : {std::string(), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
                                 "." + payload + ".x", header + "..x", header + "=." + payload + ".x",
                                 header + "." + payload + "+/.x", header + "." + payload + ".!!"}) {
    EXPECT_NE(refusal(v, bad).find("malformed token"), std::string::npos) << bad;
  }
  // Bad JSON, not an object, wrong types, duplicates.
  EXPECT_NE(refusal(v, hs256_raw("{", claims(k_now + 60), "s3cret")).find("header is not valid JSON"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256"})", "[1]", "s3cret")).find("payload is not a JSON object"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256"})", R"({"exp":"soon"})", "s3cret")).find("\"exp\" must be"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256","alg":"none"})", claims(k_now + 60), "s3cret")).find("twice"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256"})", R"({"exp":1,"exp":1900000000})", "s3cret")).find("twice"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256","crit":["x"]})", claims(k_now + 60), "s3cret")).find("crit"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256"})", claims(k_now + 60, R"(,"channels":"a")"), "s3cret"))
                .find("channels"),
            std::string::npos);
  EXPECT_NE(refusal(v, hs256_raw(R"({"alg":"HS256"})", R"({"exp":1e400})", "s3cret")).find("payload"),
            std::string::npos);
  EXPECT_NE(refusal(v, std::string(k_max_token_size + 1, 'a')).find("too large"), std::string::npos);
}

TEST_F(VerifierTest, KeyUrlHeadersAreIgnored) {
  // jku/x5u/jwk point elsewhere; only configured keys count.
  auto v = make({secret_key()});
  EXPECT_TRUE(v.verify(hs256_raw(R"({"alg":"HS256","jku":"https://evil.example/jwks","x5u":"https://evil.example/c"})",
                                 claims(k_now + 60), "s3cret")));
  EXPECT_EQ(refusal(v, hs256_raw(R"({"alg":"HS256","jku":"https://evil.example/jwks"})", claims(k_now + 60), "x")),
            "invalid signature");
}

TEST_F(VerifierTest, TypOtherThanJwtIsRefused) {
  auto v = make({secret_key()});
  EXPECT_TRUE(v.verify(hs256_raw(R"({"alg":"HS256","typ":"jwt"})", claims(k_now + 60), "s3cret")));
  EXPECT_EQ(refusal(v, hs256_raw(R"({"alg":"HS256","typ":"at+jwt"})", claims(k_now + 60), "s3cret")),
            "unsupported token type (typ \"at+jwt\")");
}

TEST_F(VerifierTest, LongUserIdIsRefused) {
  auto v = make({secret_key()});
  EXPECT_EQ(refusal(v, signed_token("HS256", "s3cret",
                                    R"({"sub":")" + std::string(256, 'u') + R"(","exp":)" + std::to_string(k_now + 60) +
                                        "}")),
            "user id (sub) longer than 255 bytes");
}

}  // namespace
}  // namespace wshub::auth
