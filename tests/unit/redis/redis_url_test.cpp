#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wshub::redis {
namespace {

RedisUrl parse_ok(const std::string& text) {
  auto url = parse_redis_url(text);
  EXPECT_TRUE(url) << text << ": " << (url ? "" : url.error());
  return url ? *url : RedisUrl{};
}

TEST(RedisUrlTest, HostOnlyGetsTheDefaults) {
  const RedisUrl url = parse_ok("redis://localhost");
  EXPECT_EQ(url, (RedisUrl{"localhost", 6379, 0, "", ""}));
  EXPECT_EQ(url.address(), "localhost:6379");
}

TEST(RedisUrlTest, PortAndDatabase) {
  EXPECT_EQ(parse_ok("redis://127.0.0.1:6380/2"), (RedisUrl{"127.0.0.1", 6380, 2, "", ""}));
  EXPECT_EQ(parse_ok("redis://redis.internal:1/15"), (RedisUrl{"redis.internal", 1, 15, "", ""}));
  EXPECT_EQ(parse_ok("redis://h:65535"), (RedisUrl{"h", 65535, 0, "", ""}));
  EXPECT_EQ(parse_ok("redis://h/"), (RedisUrl{"h", 6379, 0, "", ""}));
  EXPECT_EQ(parse_ok("redis://h:7000/"), (RedisUrl{"h", 7000, 0, "", ""}));
  EXPECT_EQ(parse_ok("redis://h/0"), (RedisUrl{"h", 6379, 0, "", ""}));
}

TEST(RedisUrlTest, Credentials) {
  EXPECT_EQ(parse_ok("redis://:secret@h"), (RedisUrl{"h", 6379, 0, "", "secret"}));
  EXPECT_EQ(parse_ok("redis://alice:secret@h:6380/3"), (RedisUrl{"h", 6380, 3, "alice", "secret"}));
  EXPECT_EQ(parse_ok("redis://alice:@h"), (RedisUrl{"h", 6379, 0, "alice", ""}));
  EXPECT_EQ(parse_ok("redis://:@h"), (RedisUrl{"h", 6379, 0, "", ""}));
}

TEST(RedisUrlTest, CredentialsArePercentDecoded) {
  EXPECT_EQ(parse_ok("redis://:p%40ss%3Aw%2Fd%25@h").password, "p@ss:w/d%");
  EXPECT_EQ(parse_ok("redis://b%6Fb:x@h").username, "bob");
  EXPECT_EQ(parse_ok("redis://:%00%ff@h").password, std::string("\0\xff", 2));
  // A literal ':' after the first one belongs to the password.
  EXPECT_EQ(parse_ok("redis://u:a:b@h").password, "a:b");
}

TEST(RedisUrlTest, UnescapedAtInThePasswordEndsAtTheLastAt) {
  EXPECT_EQ(parse_ok("redis://:pa@ss@h:1"), (RedisUrl{"h", 1, 0, "", "pa@ss"}));
}

TEST(RedisUrlTest, Ipv6HostsAreBracketed) {
  EXPECT_EQ(parse_ok("redis://[::1]"), (RedisUrl{"::1", 6379, 0, "", ""}));
  EXPECT_EQ(parse_ok("redis://[::1]:6380/1"), (RedisUrl{"::1", 6380, 1, "", ""}));
  EXPECT_EQ(parse_ok("redis://:pw@[2001:db8::7]:7000"), (RedisUrl{"2001:db8::7", 7000, 0, "", "pw"}));
  EXPECT_EQ(parse_ok("redis://[::ffff:127.0.0.1]").host, "::ffff:127.0.0.1");
  EXPECT_EQ(parse_ok("redis://[::1]:6380").address(), "[::1]:6380");
}

TEST(RedisUrlTest, SchemeIsCaseInsensitive) { EXPECT_EQ(parse_ok("REDIS://Host:1").host, "Host"); }

struct BadUrl {
  std::string url;
  std::string message;  // a part of the error
};

TEST(RedisUrlTest, BadUrlsGetClearMessages) {
  const std::vector<BadUrl> cases = {
      {"", "redis:// scheme is missing"},
      {"localhost:6379", "redis:// scheme is missing"},
      {"http://h", "unsupported scheme 'http'"},
      {"rediss://h", "rediss:// (TLS) is not supported"},
      {"unix:///tmp/redis.sock", "unix sockets are not supported"},
      {"redis://", "the host is missing"},
      {"redis://:6379", "the host is missing"},
      {"redis:///0", "the host is missing"},
      {"redis://h:", "the port after ':' is empty"},
      {"redis://h:/1", "the port after ':' is empty"},
      {"redis://h:abc", "invalid port 'abc' (must be 1 to 65535)"},
      {"redis://h:0", "invalid port '0'"},
      {"redis://h:65536", "invalid port '65536'"},
      {"redis://h:-1", "invalid port '-1'"},
      {"redis://h:+1", "invalid port '+1'"},
      {"redis://h:1:2", "invalid port '1:2'"},
      {"redis://h:99999999999999999999", "invalid port"},
      {"redis://h/abc", "invalid database 'abc'"},
      {"redis://h/-1", "invalid database '-1'"},
      {"redis://h/1/2", "invalid database '1/2'"},
      {"redis://h/99999999999", "invalid database '99999999999'"},
      {"redis://h/1?timeout=1", "query strings and fragments are not supported"},
      {"redis://h#x", "query strings and fragments are not supported"},
      {"redis://[::1", "is not closed"},
      {"redis://[]", "invalid IPv6 host '[]'"},
      {"redis://[localhost]", "invalid IPv6 host"},
      {"redis://[::1]x", "unexpected 'x' after the host"},
      {"redis://ho st", "invalid host 'ho st'"},
      {"redis://secret@h", "credentials must be user:password or :password"},
      {"redis://:bad%zz@h", "bad %-escape in the password"},
      {"redis://:bad%4@h", "bad %-escape in the password"},
      {"redis://u%g0:x@h", "bad %-escape in the user name"},
  };
  for (const auto& c : cases) {
    const auto url = parse_redis_url(c.url);
    ASSERT_FALSE(url) << "'" << c.url << "' parsed";
    EXPECT_EQ(url.error().rfind("invalid Redis URL: ", 0), 0u) << url.error();
    EXPECT_NE(url.error().find(c.message), std::string::npos)
        << "'" << c.url << "' gave '" << url.error() << "', expected '" << c.message << "'";
  }
}

TEST(RedisUrlTest, ErrorsNeverRepeatThePassword) {
  for (const std::string url : {"redis://:topsecret@h:0", "redis://topsecret@h", "redis://:top%zzsecret@h",
                                "redis://u:topsecret@h/x", "redis://:topsecret@h?x"}) {
    const auto parsed = parse_redis_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().find("secret"), std::string::npos) << parsed.error();
  }
}

}  // namespace
}  // namespace wshub::redis
