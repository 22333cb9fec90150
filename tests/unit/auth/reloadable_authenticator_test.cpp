// ReloadableAuthenticator with fake policies (pure delegation logic): calls
// go to the current policy, replace() switches them all at once, and calls
// racing a replace see one policy or the other, never a torn one.
#include "auth/reloadable_authenticator.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace wshub::auth {
namespace {

class NamedPolicy final : public Authenticator {
 public:
  explicit NamedPolicy(std::string name, std::int64_t clock = 0) : name_(std::move(name)), clock_(clock) {}
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView&) const override {
    return Identity{name_, std::nullopt, std::nullopt};
  }
  core::Expected<Identity, AuthRefusal> verify_connection_token(std::string_view token) const override {
    return Identity{name_ + ":" + std::string(token), std::nullopt, std::nullopt};
  }
  core::Expected<SubscriptionGrant, AuthRefusal> verify_subscription_token(std::string_view token) const override {
    return SubscriptionGrant{std::string(token), "ch", name_};
  }
  std::int64_t now() const override { return clock_; }

 private:
  std::string name_;
  std::int64_t clock_;
};

TEST(ReloadableAuthenticator, EveryCallGoesToTheCurrentPolicy) {
  ReloadableAuthenticator auth(std::make_unique<NamedPolicy>("old", 10));
  EXPECT_EQ(auth.authenticate({"/ws", ""})->user, "old");
  EXPECT_EQ(auth.verify_connection_token("t")->user, "old:t");
  EXPECT_EQ(auth.verify_subscription_token("c")->user, "old");
  EXPECT_EQ(auth.now(), 10);

  auth.replace(std::make_unique<NamedPolicy>("new", 20));
  EXPECT_EQ(auth.authenticate({"/ws", ""})->user, "new");
  EXPECT_EQ(auth.verify_connection_token("t")->user, "new:t");
  EXPECT_EQ(auth.verify_subscription_token("c")->user, "new");
  EXPECT_EQ(auth.now(), 20);
}

TEST(ReloadableAuthenticator, CallsRacingReplacesSeeAWholePolicy) {
  ReloadableAuthenticator auth(std::make_unique<NamedPolicy>("p0"));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const std::string user = auth.authenticate({"/ws", ""})->user;
      if (user.size() < 2 || user[0] != 'p') bad.fetch_add(1);
    }
  });
  for (int i = 1; i <= 2000; ++i) auth.replace(std::make_unique<NamedPolicy>("p" + std::to_string(i)));
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(auth.authenticate({"/ws", ""})->user, "p2000");
}

}  // namespace
}  // namespace wshub::auth
