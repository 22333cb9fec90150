#include "auth/channel_policy.hpp"

#include <gtest/gtest.h>

namespace wshub::auth {
namespace {

config::NamespaceOptions closed() { return {}; }
config::NamespaceOptions open_to_users() {
  config::NamespaceOptions ns;
  ns.allow_subscribe = true;
  return ns;
}

TEST(ChannelPolicy, DenyByDefault) {
  const ChannelPolicy p(false);
  const Subject alice{"alice", nullptr};
  const Subject anon{"", nullptr};
  EXPECT_FALSE(p.can_subscribe(closed(), "chat:x", alice, false));
  EXPECT_FALSE(p.can_subscribe(closed(), "chat:x", anon, false));
  EXPECT_FALSE(p.can_publish(closed(), "chat:x", alice));
  EXPECT_FALSE(p.can_read_history(closed(), "chat:x", alice, false));
  EXPECT_FALSE(p.can_read_presence(closed(), "chat:x", alice, false));
  const auto d = p.can_subscribe(closed(), "chat:x", alice, false);
  EXPECT_EQ(d.reason.rfind("permission denied", 0), 0u) << d.reason;
}

TEST(ChannelPolicy, DevAllowsEverything) {
  const ChannelPolicy p(true);
  const Subject anon{"", nullptr};
  EXPECT_TRUE(p.can_subscribe(closed(), "chat:x#bob", anon, false));
  EXPECT_TRUE(p.can_publish(closed(), "chat:x", anon));
  config::NamespaceOptions hidden;
  hidden.allow_client_history = false;
  hidden.allow_client_presence = false;
  EXPECT_TRUE(p.can_read_history(hidden, "chat:x", anon, false));
  EXPECT_TRUE(p.can_read_presence(hidden, "chat:x", anon, false));
}

TEST(ChannelPolicy, NamespaceRules) {
  const ChannelPolicy p(false);
  const Subject alice{"alice", nullptr};
  const Subject anon{"", nullptr};
  EXPECT_TRUE(p.can_subscribe(open_to_users(), "chat:x", alice, false));
  EXPECT_FALSE(p.can_subscribe(open_to_users(), "chat:x", anon, false));
  config::NamespaceOptions public_ns;
  public_ns.allow_anonymous_subscribe = true;
  EXPECT_TRUE(p.can_subscribe(public_ns, "news:x", anon, false));
  EXPECT_FALSE(p.can_subscribe(public_ns, "news:x", alice, false)) << "allow_subscribe is the rule for users";
  auto ns = open_to_users();
  ns.allow_client_publish = true;
  EXPECT_TRUE(p.can_publish(ns, "chat:x", alice));
  EXPECT_TRUE(p.can_publish(ns, "chat:x", anon));
}

TEST(ChannelPolicy, ChannelsClaimExactAndPrefixPatterns) {
  const ChannelPolicy p(false);
  const std::vector<std::string> claim{"chat:lobby", "news:eu-*", "team:*"};
  const Subject alice{"alice", &claim};
  EXPECT_TRUE(p.can_subscribe(closed(), "chat:lobby", alice, false));
  EXPECT_FALSE(p.can_subscribe(closed(), "chat:lobby2", alice, false));
  EXPECT_FALSE(p.can_subscribe(closed(), "chat:lobb", alice, false));
  EXPECT_TRUE(p.can_subscribe(closed(), "news:eu-west", alice, false));
  EXPECT_TRUE(p.can_subscribe(closed(), "news:eu-", alice, false));
  EXPECT_FALSE(p.can_subscribe(closed(), "news:us-east", alice, false));
  EXPECT_TRUE(p.can_subscribe(closed(), "team:a:b", alice, false));
  // A claim does not open another user's channel.
  EXPECT_FALSE(p.can_subscribe(closed(), "team:inbox#bob", alice, false));
  const std::vector<std::string> everything{"*"};
  EXPECT_TRUE(p.can_subscribe(closed(), "anything", Subject{"", &everything}, false));
  EXPECT_TRUE(ChannelPolicy::claim_matches("a*", "a"));
  EXPECT_FALSE(ChannelPolicy::claim_matches("", "a"));
  EXPECT_FALSE(ChannelPolicy::claim_matches("a*b", "axb")) << "only a trailing * is a pattern";
}

TEST(ChannelPolicy, UserLimitedChannels) {
  const ChannelPolicy p(false);
  const Subject alice{"alice", nullptr};
  const Subject bob{"bob", nullptr};
  const Subject anon{"", nullptr};
  EXPECT_EQ(ChannelPolicy::channel_owner("chat:inbox#alice"), "alice");
  EXPECT_EQ(ChannelPolicy::channel_owner("chat:inbox"), std::nullopt);
  EXPECT_TRUE(p.can_subscribe(closed(), "chat:inbox#alice", alice, false));
  EXPECT_FALSE(p.can_subscribe(open_to_users(), "chat:inbox#alice", bob, false));
  EXPECT_FALSE(p.can_subscribe(open_to_users(), "chat:inbox#alice", anon, false));
  EXPECT_FALSE(p.can_subscribe(closed(), "chat:inbox#alicex", alice, false));
  // A subscription token opens it.
  EXPECT_TRUE(p.can_subscribe(closed(), "chat:inbox#alice", bob, true));
  auto ns = open_to_users();
  ns.allow_client_publish = true;
  EXPECT_TRUE(p.can_publish(ns, "chat:inbox#alice", alice));
  EXPECT_FALSE(p.can_publish(ns, "chat:inbox#alice", bob));
  EXPECT_FALSE(p.can_read_history(ns, "chat:inbox#alice", bob, false));
  EXPECT_TRUE(p.can_read_history(ns, "chat:inbox#alice", alice, false));
}

TEST(ChannelPolicy, SubscriptionTokenGrantsAPrivateChannel) {
  const ChannelPolicy p(false);
  const Subject alice{"alice", nullptr};
  EXPECT_TRUE(p.can_subscribe(closed(), "private:room", alice, true));
  EXPECT_FALSE(p.can_subscribe(closed(), "private:room", alice, false));
  // History and presence of it while subscribed.
  EXPECT_TRUE(p.can_read_history(closed(), "private:room", alice, true));
  EXPECT_TRUE(p.can_read_presence(closed(), "private:room", alice, true));
}

TEST(ChannelPolicy, HistoryAndPresenceVisibility) {
  const ChannelPolicy p(false);
  const Subject alice{"alice", nullptr};
  auto ns = open_to_users();
  EXPECT_TRUE(p.can_read_history(ns, "chat:x", alice, false));
  EXPECT_TRUE(p.can_read_presence(ns, "chat:x", alice, false));
  ns.allow_client_history = false;
  ns.allow_client_presence = false;
  EXPECT_FALSE(p.can_read_history(ns, "chat:x", alice, true));
  EXPECT_FALSE(p.can_read_presence(ns, "chat:x", alice, true));
}

}  // namespace
}  // namespace wshub::auth
