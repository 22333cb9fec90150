// The abuse-limit options: api_listen, max_connections*, handshake_*_per_ip,
// max_header_*, trusted_proxy_header and trusted_proxies.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/option_table.hpp"

namespace wshub::config {
namespace {

using Map = std::map<std::string, std::string>;

core::Expected<Config, std::string> load(std::optional<std::string_view> toml, const Map& flags = {}) {
  return load_config(toml, "wshub.toml", {}, flags);
}

TEST(LimitOptions, DefaultsLeaveTheNewLimitsOff) {
  const Config c;
  EXPECT_EQ(c.max_connections, 0u);
  EXPECT_EQ(c.max_connections_per_ip, 0u);
  EXPECT_EQ(c.handshake_rate_per_ip, 0.0);
  EXPECT_EQ(c.handshake_burst_per_ip, 10u);
  EXPECT_EQ(c.ipv6_prefix_per_ip, 64u);
  EXPECT_EQ(c.max_header_size, 16384u);
  EXPECT_EQ(c.max_header_count, 100u);
  EXPECT_TRUE(c.api_listen.empty());
  EXPECT_TRUE(c.trusted_proxy_header.empty());
  EXPECT_TRUE(c.trusted_proxies.empty());
}

TEST(LimitOptions, SettableFromTheFile) {
  auto c = load(R"(
api_listen = "127.0.0.1:9000"
max_connections = 1000
max_connections_per_ip = 20
handshake_rate_per_ip = 2.5
handshake_burst_per_ip = 7
ipv6_prefix_per_ip = 56
max_header_size = 4096
max_header_count = 50
trusted_proxy_header = "X-Forwarded-For"
trusted_proxies = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
)");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->api_listen, "127.0.0.1:9000");
  EXPECT_EQ(c->max_connections, 1000u);
  EXPECT_EQ(c->max_connections_per_ip, 20u);
  EXPECT_DOUBLE_EQ(c->handshake_rate_per_ip, 2.5);
  EXPECT_EQ(c->handshake_burst_per_ip, 7u);
  EXPECT_EQ(c->ipv6_prefix_per_ip, 56u);
  EXPECT_EQ(c->max_header_size, 4096u);
  EXPECT_EQ(c->max_header_count, 50u);
  EXPECT_EQ(c->trusted_proxy_header, "X-Forwarded-For");
  EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}));
}

TEST(LimitOptions, SettableFromFlags) {
  auto c = load(std::nullopt, {{"handshake-rate-per-ip", "0"},
                               {"trusted-proxies", "127.0.0.1, 10.1.2.3/8"},
                               {"trusted-proxy-header", "X-Real-IP"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->handshake_rate_per_ip, 0.0);
  EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"}));  // normalised
}

struct Bad {
  std::string key;
  std::string value;
  std::string message;
};

class LimitBadValues : public ::testing::TestWithParam<Bad> {};

TEST_P(LimitBadValues, AreRefusedWithTheOptionName) {
  const auto& p = GetParam();
  auto c = load(std::nullopt, {{p.key, p.value}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), find_option(p.key)->flag + ": " + p.message);
}

INSTANTIATE_TEST_SUITE_P(
    LimitOptions, LimitBadValues,
    ::testing::Values(
        Bad{"max_connections", "-1", "must not be negative, got -1"},
        Bad{"max_connections_per_ip", "many", "expected a whole number, got \"many\""},
        Bad{"handshake_rate_per_ip", "-2", "expected 0 (no limit) or a number > 0, got \"-2\""},
        Bad{"handshake_rate_per_ip", "fast", "expected 0 (no limit) or a number > 0, got \"fast\""},
        Bad{"handshake_burst_per_ip", "0", "must be greater than 0, got 0"},
        Bad{"ipv6_prefix_per_ip", "31", "must be at least 32, got 31"},
        Bad{"ipv6_prefix_per_ip", "129", "must be at most 128, got 129"},
        Bad{"max_header_size", "100", "must be at least 1024 (1 KiB), got 100"},
        Bad{"max_header_count", "0", "must be greater than 0, got 0"},
        Bad{"max_header_count", "10001", "must be at most 10000, got 10001"},
        Bad{"trusted_proxy_header", "X Forwarded For",
            "expected an HTTP header name such as X-Forwarded-For, got \"X Forwarded For\""},
        Bad{"trusted_proxies", "10.0.0.0/33",
            "expected an IP address or network such as 10.0.0.0/8 or 2001:db8::/32, got \"10.0.0.0/33\""},
        Bad{"trusted_proxies", "proxy.internal",
            "expected an IP address or network such as 10.0.0.0/8 or 2001:db8::/32, got \"proxy.internal\""},
        Bad{"api_listen", "9000",
            "expected HOST:PORT such as 0.0.0.0:8000 or [::1]:8000 (the port is missing), got \"9000\""}));

TEST(LimitOptions, ProxyHeaderAndProxiesGoTogether) {
  auto only_header = load("trusted_proxy_header = \"X-Forwarded-For\"");
  ASSERT_FALSE(only_header);
  EXPECT_NE(only_header.error().find("trusted_proxy_header and trusted_proxies go together"), std::string::npos);
  auto only_proxies = load("trusted_proxies = [\"10.0.0.1\"]");
  ASSERT_FALSE(only_proxies);
  EXPECT_NE(only_proxies.error().find("go together"), std::string::npos);
}

TEST(LimitOptions, ApiListenMustDifferFromListen) {
  auto c = load("listen = \"127.0.0.1:9000\"\napi_listen = \"127.0.0.1:9000\"");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "api_listen must differ from listen (both are 127.0.0.1:9000)");
}

}  // namespace
}  // namespace wshub::config
