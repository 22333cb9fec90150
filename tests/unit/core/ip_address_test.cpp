#include "core/ip_address.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

IpAddress ip(std::string_view text) {
  auto a = parse_ip_address(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

TEST(IpAddress, ParsesBothFamiliesToCanonicalText) {
  EXPECT_EQ(ip("192.0.2.1").to_string(), "192.0.2.1");
  EXPECT_TRUE(ip("192.0.2.1").is_v4());
  EXPECT_EQ(ip(" 2001:DB8:0::1 ").to_string(), "2001:db8::1");
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
  EXPECT_EQ(ip("[::1]").to_string(), "::1");
  EXPECT_EQ(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));  // mapped v4 is the same client
}

TEST(IpAddress, RefusesWhatIsNotAnAddress) {
  for (std::string_view bad : {"", " ", "localhost", "192.0.2.1:80", "192.0.2", "1.2.3.4.5", "256.1.1.1",
                               "fe80::1%eth0", "[::1", "unknown", "2001:db8::1::2"}) {
    EXPECT_FALSE(parse_ip_address(bad).has_value()) << bad;
  }
}

TEST(IpNetwork, ContainsByPrefix) {
  auto n = parse_ip_network("10.0.0.0/8");
  ASSERT_TRUE(n) << n.error();
  EXPECT_TRUE(n->contains(ip("10.255.1.2")));
  EXPECT_FALSE(n->contains(ip("11.0.0.1")));
  EXPECT_FALSE(n->contains(ip("::a00:1")));  // the v4-compatible v6 form is another address
  EXPECT_EQ(n->to_string(), "10.0.0.0/8");

  auto host = parse_ip_network("192.0.2.7");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains(ip("192.0.2.7")));
  EXPECT_FALSE(host->contains(ip("192.0.2.8")));
  EXPECT_EQ(host->to_string(), "192.0.2.7");

  auto v6 = parse_ip_network("2001:db8:ff00::/40");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(ip("2001:db8:ff12::1")));
  EXPECT_FALSE(v6->contains(ip("2001:db8:fe00::1")));
  EXPECT_EQ(v6->to_string(), "2001:db8:ff00::/40");

  auto odd = parse_ip_network("192.0.2.129/25");  // host bits are cleared
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->to_string(), "192.0.2.128/25");
  EXPECT_TRUE(odd->contains(ip("192.0.2.200")));
  EXPECT_FALSE(odd->contains(ip("192.0.2.100")));

  auto all = parse_ip_network("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(ip("203.0.113.9")));
}

TEST(IpNetwork, NetworkOfClearsTheBitsPastThePrefix) {
  EXPECT_EQ(network_of(ip("2001:db8:1:2:3:4:5:6"), 64).to_string(), "2001:db8:1:2::/64");
  EXPECT_EQ(network_of(ip("2001:db8:1:2ff:3:4:5:6"), 56).to_string(), "2001:db8:1:200::/56");
  EXPECT_EQ(network_of(ip("2001:db8::1"), 128).to_string(), "2001:db8::1");
  EXPECT_EQ(network_of(ip("2001:db8::1"), 200).prefix, 128u);  // clamped
  EXPECT_EQ(network_of(ip("192.0.2.77"), 120).to_string(), "192.0.2.0/24");  // the 128-bit form
  EXPECT_TRUE(network_of(ip("2001:db8:1:2:3:4:5:6"), 64).contains(ip("2001:db8:1:2:ffff::1")));
  EXPECT_FALSE(network_of(ip("2001:db8:1:2:3:4:5:6"), 64).contains(ip("2001:db8:1:3::1")));
}

TEST(IpNetwork, RefusesBadPrefixes) {
  for (std::string_view bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "::/129", "/8", "x/8"}) {
    auto n = parse_ip_network(bad);
    EXPECT_FALSE(n) << bad;
    if (!n) {
      EXPECT_NE(n.error().find("expected an IP address or network"), std::string::npos);
    }
  }
}

TEST(ForwardedHeader, TakesTheRightMostEntry) {
  EXPECT_EQ(rightmost_forwarded_address("203.0.113.5"), ip("203.0.113.5"));
  EXPECT_EQ(rightmost_forwarded_address("1.1.1.1, 203.0.113.5"), ip("203.0.113.5"));
  EXPECT_EQ(rightmost_forwarded_address("spoofed,2001:db8::7 "), ip("2001:db8::7"));
  EXPECT_FALSE(rightmost_forwarded_address("").has_value());
  EXPECT_FALSE(rightmost_forwarded_address("1.1.1.1,").has_value());
  EXPECT_FALSE(rightmost_forwarded_address("1.1.1.1, unknown").has_value());
}

}  // namespace
}  // namespace wshub::core
