#include "auth/jwt_token.hpp"

#include <gtest/gtest.h>

#include "test_tokens.hpp"

namespace wshub::auth {
namespace {

TEST(JwtToken, SplitsThreeParts) {
  auto p = split_token("a.b.c");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header_b64, "a");
  EXPECT_EQ(p->payload_b64, "b");
  EXPECT_EQ(p->signature_b64, "c");
  EXPECT_TRUE(split_token("a.b."));
  for (const char* bad : {"", "a", "a.b", "a.b.c.d", ".b.c", "a..c"}) EXPECT_FALSE(split_token(bad)) << bad;
}

TEST(JwtToken, ReadsHeader) {
  auto h = parse_jose_header(R"({"alg":"RS256","kid":"k1","typ":"JWT","x5u":"ignored"})");
  ASSERT_TRUE(h) << h.error();
  EXPECT_EQ(h->alg, "RS256");
  EXPECT_EQ(h->kid, "k1");
  EXPECT_EQ(h->typ, "JWT");
  EXPECT_FALSE(parse_jose_header(R"({"kid":"k1"})"));
  EXPECT_FALSE(parse_jose_header(R"({"alg":1})"));
  EXPECT_FALSE(parse_jose_header(R"({"alg":"HS256","kid":7})"));
  EXPECT_FALSE(parse_jose_header(R"({"alg":"HS256","kid":"a","kid":"b"})"));
  EXPECT_FALSE(parse_jose_header("null"));
  EXPECT_FALSE(parse_jose_header(R"({"alg":"HS256"} x)"));
}

TEST(JwtToken, ReadsClaims) {
  auto c = parse_claims(
      R"({"sub":"42","exp":100,"nbf":50.9,"iat":1,"iss":"i","aud":"a","channels":["x","y:*"],"client":"c1","channel":"ch","other":{"deep":[1,2]}})");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->sub, "42");
  EXPECT_EQ(c->exp, 100);
  EXPECT_EQ(c->nbf, 50);
  EXPECT_EQ(c->iss, "i");
  EXPECT_EQ(c->aud, (std::vector<std::string>{"a"}));
  EXPECT_EQ(c->channels, (std::vector<std::string>{"x", "y:*"}));
  EXPECT_EQ(c->client, "c1");
  EXPECT_EQ(c->channel, "ch");
  EXPECT_EQ(parse_claims(R"({"aud":["a","b"]})")->aud, (std::vector<std::string>{"a", "b"}));
  for (const char* bad : {R"({"sub":1})", R"({"exp":"1"})", R"({"exp":true})", R"({"aud":[1]})",
                          R"({"channels":"x"})", R"({"channels":[null]})", R"({"sub":"a","sub":"b"})",
                          R"({"exp":1e300})", "[]", "", "{"}) {
    EXPECT_FALSE(parse_claims(bad)) << bad;
  }
}

TEST(JwtToken, DeepNestingIsRefusedNotCrashed) {
  const std::string deep = R"({"x":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_FALSE(parse_claims(deep));
}

TEST(JwtToken, ParseTokenDecodesEverything) {
  const std::string token = test::b64url(R"({"alg":"HS256"})") + "." + test::b64url(R"({"exp":5})") + ".c2ln";
  auto t = parse_token(token);
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->header.alg, "HS256");
  EXPECT_EQ(t->claims.exp, 5);
}

}  // namespace
}  // namespace wshub::auth
