#include "core/channel_name.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wshub::core {
namespace {

TEST(ChannelName, LengthLimits) {
  EXPECT_FALSE(is_valid_channel_name(""));
  EXPECT_TRUE(is_valid_channel_name("a"));
  EXPECT_TRUE(is_valid_channel_name(std::string(255, 'a')));
  EXPECT_FALSE(is_valid_channel_name(std::string(256, 'a')));
  EXPECT_FALSE(is_valid_channel_name(std::string(100000, 'a')));
  EXPECT_EQ(k_max_channel_name, 255u);
}

TEST(ChannelName, AllowedCharacters) {
  EXPECT_TRUE(is_valid_channel_name("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
  EXPECT_TRUE(is_valid_channel_name("_:.@=/-"));
  EXPECT_TRUE(is_valid_channel_name("chat:lobby"));
  EXPECT_TRUE(is_valid_channel_name("user:42@example.com/inbox=x-y_z"));
  EXPECT_TRUE(is_valid_channel_name(":"));
  EXPECT_TRUE(is_valid_channel_name("a:b:c"));
}

TEST(ChannelName, EveryOtherByteIsRefused) {
  const std::string allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:.@=/-";
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const std::string name = std::string("a") + ch + "b";
    EXPECT_EQ(is_valid_channel_name(name), allowed.find(ch) != std::string::npos || ch == '#') << "byte " << c;
  }
}

TEST(ChannelName, PatternsAndUnicodeAreRefused) {
  for (const char* bad : {"*", "chat:*", "a?", "a b", " a", "a ", "caf\xc3\xa9", "\xf0\x9f\x98\x80", "a\tb", "a\\b",
                          "a\"b", "a+b", "a%20b", "#a", "a#", "a#b#c", "a,b", "[a]", "a~b"}) {
    EXPECT_FALSE(is_valid_channel_name(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_channel_name(std::string_view("a\0b", 3)));
}

TEST(ChannelName, OneInnerHashMarksAUserLimitedChannel) {
  EXPECT_TRUE(is_valid_channel_name("chat:inbox#42"));
  EXPECT_TRUE(is_valid_channel_name("a#b"));
  EXPECT_EQ(channel_namespace("chat:inbox#42"), "chat");
  for (const char* bad : {"#", "#a", "a#", "a##b", "a#b#c", "chat:#"}) EXPECT_FALSE(is_valid_channel_name(bad)) << bad;
}

TEST(ChannelName, Namespace) {
  EXPECT_EQ(channel_namespace("chat:lobby"), "chat");
  EXPECT_EQ(channel_namespace("a:b:c"), "a");
  EXPECT_EQ(channel_namespace("lobby"), "");
  EXPECT_EQ(channel_namespace(":x"), "");
  EXPECT_EQ(channel_namespace("x:"), "x");
  EXPECT_EQ(channel_namespace("user@x/y:z"), "user@x/y");
}

TEST(ChannelName, HashIsFnv1a64) {
  EXPECT_EQ(channel_hash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(channel_hash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(channel_hash("foobar"), 0x85944171f73967e8ull);
}

TEST(ChannelName, OwnerShardIsStableAndInRange) {
  std::set<std::size_t> used;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "chan:" + std::to_string(i);
    for (std::size_t n : {1u, 2u, 3u, 8u, 64u}) {
      const auto s = owner_shard(name, n);
      EXPECT_LT(s, n);
      EXPECT_EQ(s, owner_shard(name, n));
      EXPECT_EQ(s, channel_hash(name) % n);
    }
    used.insert(owner_shard(name, 8));
  }
  EXPECT_EQ(used.size(), 8u) << "1000 names should spread over every one of 8 shards";
  EXPECT_EQ(owner_shard("anything", 1), 0u);
}

}  // namespace
}  // namespace wshub::core
