#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include "test_tokens.hpp"

namespace wshub::auth {
namespace {

constexpr std::int64_t k_now = 1'800'000'000;

std::unique_ptr<Authenticator> with_secret(config::Config c) {
  auto key = key_from_secret("s3cret", c.jwt_algorithms);
  EXPECT_TRUE(key);
  std::vector<VerificationKey> keys;
  keys.push_back(*key);
  return make_authenticator(c, std::move(keys), [] { return k_now; });
}

std::string good_token(std::string sub = "alice") {
  return test::signed_token("HS256", "s3cret",
                            R"({"sub":")" + sub + R"(","exp":)" + std::to_string(k_now + 60) + R"(,"channels":["a:*"]})");
}

TEST(ConnectionToken, FromBearerHeaderOrQuery) {
  EXPECT_EQ(connection_token({"/ws?token=abc", ""}), "abc");
  EXPECT_EQ(connection_token({"/ws", "Bearer xyz"}), "xyz");
  EXPECT_EQ(connection_token({"/ws", "bearer   xyz "}), "xyz");
  EXPECT_EQ(connection_token({"/ws?token=abc", "Bearer xyz"}), "xyz");
  EXPECT_EQ(connection_token({"/ws", ""}), std::nullopt);
  // Another scheme is a bad token, not an absent one.
  EXPECT_EQ(connection_token({"/ws", "Basic dXNlcg=="}), "");
}

TEST(Authenticator, TokensRequiredOutsideDev) {
  auto a = with_secret({});
  auto id = a->authenticate({"/ws?token=" + good_token(), ""});
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->user, "alice");
  EXPECT_EQ(id->expires_at, k_now + 60);
  EXPECT_EQ(id->channels, (std::vector<std::string>{"a:*"}));
  auto none = a->authenticate({"/ws", ""});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().status, 401u);
  auto bad = a->authenticate({"/ws?token=x.y.z", ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 401u);
  EXPECT_EQ(bad.error().message.rfind("invalid token: ", 0), 0u) << bad.error().message;
  EXPECT_FALSE(a->authenticate({"/ws?user=alice", ""})) << "?user= is ignored outside --dev";
}

TEST(Authenticator, AnonymousAndDevStillCheckGivenTokens) {
  config::Config anon;
  anon.allow_anonymous = true;
  auto a = with_secret(anon);
  EXPECT_EQ(a->authenticate({"/ws?user=bob", ""})->user, "");
  EXPECT_FALSE(a->authenticate({"/ws?token=bad", ""}));
  config::Config dev;
  dev.dev = true;
  auto d = with_secret(dev);
  EXPECT_EQ(d->authenticate({"/ws?user=bob", ""})->user, "bob");
  EXPECT_EQ(d->authenticate({"/ws", "Bearer " + good_token()})->user, "alice");
}

TEST(Authenticator, SubscriptionTokens) {
  auto a = with_secret({});
  auto grant = a->verify_subscription_token(test::signed_token(
      "HS256", "s3cret", R"({"sub":"alice","client":"c-1","channel":"p:x","exp":)" + std::to_string(k_now + 9) + "}"));
  ASSERT_TRUE(grant) << grant.error().message;
  EXPECT_EQ(grant->client, "c-1");
  EXPECT_EQ(grant->channel, "p:x");
  EXPECT_EQ(grant->user, "alice");
  auto missing = a->verify_subscription_token(good_token());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status, 403u);
}

TEST(Authenticator, WithoutKeysTokensAreNotUsed) {
  config::Config dev;
  dev.dev = true;
  auto a = make_authenticator(dev, {}, [] { return k_now; });
  EXPECT_EQ(a->authenticate({"/ws?user=x", ""})->user, "x");
  EXPECT_EQ(a->verify_connection_token("a.b.c").error().status, 400u);
  auto refuse = make_authenticator(config::Config{}, {}, [] { return k_now; });
  EXPECT_EQ(refuse->authenticate({"/ws", ""}).error().status, 401u);
}

}  // namespace
}  // namespace wshub::auth
