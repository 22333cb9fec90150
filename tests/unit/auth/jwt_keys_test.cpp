// Keys from secrets, PEM files and JWKS documents, and their allow-lists.
#include "auth/jwt_keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "auth/jwt_verifier.hpp"
#include "test_tokens.hpp"

namespace wshub::auth {
namespace {

const std::vector<std::string> k_algs{"HS256", "RS256", "ES256"};
constexpr std::int64_t k_now = 1'800'000'000;

std::string claims() { return R"({"sub":"u","exp":)" + std::to_string(k_now + 60) + "}"; }

TEST(JwtKeys, AllowListsFollowTheKeyType) {
  auto secret = key_from_secret("s", {"HS256", "HS512", "RS256", "ES256"});
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->algorithms, (std::vector<std::string>{"HS256", "HS512"}));
  auto rsa = key_from_pem(test::rsa_key().public_pem, {"HS256", "RS256", "RS384", "ES256"}, "k");
  ASSERT_TRUE(rsa) << rsa.error();
  EXPECT_EQ(rsa->family, KeyFamily::rsa);
  EXPECT_EQ(rsa->algorithms, (std::vector<std::string>{"RS256", "RS384"}));
  auto ec = key_from_pem(test::ec_key().public_pem, {"HS256", "RS256", "ES256", "ES384"}, "k");
  ASSERT_TRUE(ec) << ec.error();
  EXPECT_EQ(ec->family, KeyFamily::ec);
  EXPECT_EQ(ec->algorithms, (std::vector<std::string>{"ES256"}));
}

TEST(JwtKeys, PemErrors) {
  auto r = key_from_pem("not a key", k_algs, "jwt_public_key \"x\"");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("not a PEM public key"), std::string::npos) << r.error();
  // A private key is not a public key.
  EXPECT_FALSE(key_from_pem(test::rsa_key().private_pem, k_algs, "k"));
  auto small = key_from_pem(test::rsa_1024_key().public_pem, k_algs, "k");
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().find("shorter than 2048"), std::string::npos) << small.error();
}

TEST(JwtKeys, JwksRsaEcAndOctKeysVerifyTokens) {
  const std::string jwks = R"({"keys":[)" + test::jwk_of(test::rsa_key().public_pem, "r1") + "," +
                           test::jwk_of(test::ec_key().public_pem, "e1") + R"(,{"kty":"oct","kid":"h1","k":")" +
                           test::b64url("hmac-secret") + R"("},{"kty":"RSA","use":"enc","n":"x","e":"y"}]})";
  auto keys = keys_from_jwks(jwks, k_algs);
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->size(), 3u);
  JwtVerifier v(*keys, {}, [] { return k_now; });
  EXPECT_TRUE(v.verify(test::signed_token("RS256", test::rsa_key().private_pem, claims(), "r1")));
  EXPECT_TRUE(v.verify(test::signed_token("ES256", test::ec_key().private_pem, claims(), "e1")));
  EXPECT_TRUE(v.verify(test::signed_token("HS256", "hmac-secret", claims(), "h1")));
  // The EC key's PEM made from x and y is the same key.
  EXPECT_EQ((*keys)[1].material, test::ec_key().public_pem);
  EXPECT_EQ((*keys)[0].material, test::rsa_key().public_pem);
  // HS256 over the RSA key's PEM, naming the RSA kid: refused before any HMAC.
  auto forged = test::hs256_raw(R"({"alg":"HS256","kid":"r1"})", claims(), (*keys)[0].material);
  auto r = v.verify(forged);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "algorithm HS256 is not allowed for this key");
}

TEST(JwtKeys, JwkAlgNarrowsTheAllowList) {
  const std::string jwks = R"({"keys":[)" + test::jwk_of(test::rsa_key().public_pem, "r1", "RS256") + "]}";
  auto keys = keys_from_jwks(jwks, {"RS256", "RS512"});
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ((*keys)[0].algorithms, (std::vector<std::string>{"RS256"}));
  EXPECT_FALSE(keys_from_jwks(jwks, {"RS512"}));
}

TEST(JwtKeys, JwksErrors) {
  for (const char* bad : {"", "{", "[]", R"({"keys":{}})", R"({"keys":[]})", R"({"keys":[1]})",
                          R"({"keys":[{"kid":"a"}]})", R"({"keys":[{"kty":"OKP","kid":"a"}]})",
                          R"({"keys":[{"kty":"RSA","n":"!!","e":"AQAB"}]})",
                          R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})",
                          R"({"keys":[{"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"}]})",
                          R"({"keys":[{"kty":"oct","k":""}]})", R"({"keys":[{"kty":"oct","k":"YQ","alg":"none"}]})",
                          R"({"keys":[{"kty":"oct","k":"YQ","kid":"a"},{"kty":"oct","k":"Yg","kid":"a"}]})"}) {
    EXPECT_FALSE(keys_from_jwks(bad, k_algs)) << bad;
  }
  // A point that is not on the curve.
  const std::string off_curve = R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + test::b64url(std::string(32, '\1')) +
                                R"(","y":")" + test::b64url(std::string(32, '\2')) + R"("}]})";
  EXPECT_FALSE(keys_from_jwks(off_curve, k_algs));
}

TEST(JwtKeys, LoadKeysReadsFilesAndRefusesAmbiguity) {
  const std::string dir = ::testing::TempDir();
  const std::string pem_path = dir + "/auth_test_key.pem";
  const std::string jwks_path = dir + "/auth_test_jwks.json";
  std::ofstream(pem_path) << test::rsa_key().public_pem;
  std::ofstream(jwks_path) << R"({"keys":[)" + test::jwk_of(test::rsa_key2().public_pem, "") + "]}";
  config::Config c;
  c.jwt_public_key = pem_path;
  auto keys = load_keys(c);
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(keys->size(), 1u);
  // Two RSA keys without kids: a token could not choose.
  c.jwt_jwks_file = jwks_path;
  auto ambiguous = load_keys(c);
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().find("neither has a kid"), std::string::npos) << ambiguous.error();
  c.jwt_public_key = dir + "/does-not-exist.pem";
  c.jwt_jwks_file.clear();
  auto missing = load_keys(c);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cannot read"), std::string::npos) << missing.error();
  EXPECT_TRUE(load_keys(config::Config{})->empty());
  std::remove(pem_path.c_str());
  std::remove(jwks_path.c_str());
}

}  // namespace
}  // namespace wshub::auth
