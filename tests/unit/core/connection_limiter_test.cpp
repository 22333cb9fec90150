#include "core/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace wshub::core {
namespace {

constexpr std::int64_t k_s = 1'000'000'000;
constexpr std::int64_t k_t0 = 1000 * k_s;

IpAddress ip(std::string_view text) { return parse_ip_address(text).value(); }

ConnectionLimits limits(std::size_t total, std::size_t per_ip, double rate = 0, std::size_t burst = 10,
                        std::size_t max_tracked = 100000) {
  ConnectionLimits l;
  l.max_connections = total;
  l.max_connections_per_ip = per_ip;
  l.handshake_rate_per_ip = rate;
  l.handshake_burst_per_ip = burst;
  l.max_tracked_ips = max_tracked;
  return l;
}

TEST(ConnectionLimiter, NoLimitsAdmitsEverythingAndCounts) {
  ConnectionLimiter l(limits(0, 0));
  std::vector<ConnectionLimiter::Ticket> held;
  for (int i = 0; i < 100; ++i) {
    auto a = l.admit(ip("192.0.2.1"), k_t0);
    ASSERT_EQ(a.refusal, AdmissionRefusal::none);
    held.push_back(std::move(a.ticket));
  }
  EXPECT_EQ(l.connections(), 100u);
  EXPECT_EQ(l.tracked_ips(), 0u);  // no per-IP limit: no table
  held.clear();
  EXPECT_EQ(l.connections(), 0u);
}

TEST(ConnectionLimiter, TotalLimitRefusesThenFreesOnRelease) {
  ConnectionLimiter l(limits(2, 0));
  auto a = l.admit(ip("192.0.2.1"), k_t0);
  auto b = l.admit(ip("192.0.2.2"), k_t0);
  ASSERT_TRUE(a.ticket && b.ticket);
  auto c = l.admit(ip("192.0.2.3"), k_t0);
  EXPECT_EQ(c.refusal, AdmissionRefusal::max_connections);
  EXPECT_FALSE(c.ticket);
  a.ticket = {};  // the connection closed
  EXPECT_EQ(l.connections(), 1u);
  EXPECT_EQ(l.admit(ip("192.0.2.3"), k_t0).refusal, AdmissionRefusal::none);
}

TEST(ConnectionLimiter, PerIpLimitIsPerAddress) {
  ConnectionLimiter l(limits(0, 2));
  auto a1 = l.admit(ip("192.0.2.1"), k_t0);
  auto a2 = l.admit(ip("::ffff:192.0.2.1"), k_t0);  // the same client
  EXPECT_EQ(l.connections_of(ip("192.0.2.1")), 2u);
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::max_connections_per_ip);
  auto b = l.admit(ip("2001:db8::1"), k_t0);
  EXPECT_EQ(b.refusal, AdmissionRefusal::none);
  a1.ticket = {};
  EXPECT_EQ(l.connections_of(ip("192.0.2.1")), 1u);
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::none);  // ticket dropped at once
  a2.ticket = {};
  b.ticket = {};
  EXPECT_EQ(l.connections(), 0u);
  EXPECT_EQ(l.tracked_ips(), 0u);  // without a rate limit, an address leaves with its last connection
}

TEST(ConnectionLimiter, AnIpv6ClientIsCountedByItsSlash64) {
  ConnectionLimiter l(limits(0, 2, 0.001, 3));
  auto a1 = l.admit(ip("2001:db8:0:1::1"), k_t0);
  auto a2 = l.admit(ip("2001:db8:0:1:ffff:ffff:ffff:ffff"), k_t0);  // another address, same /64
  ASSERT_TRUE(a1.ticket && a2.ticket);
  EXPECT_EQ(l.connections_of(ip("2001:db8:0:1::abcd")), 2u);
  EXPECT_EQ(l.admit(ip("2001:db8:0:1::3"), k_t0).refusal, AdmissionRefusal::max_connections_per_ip);
  EXPECT_EQ(l.admit(ip("2001:db8:0:2::1"), k_t0).refusal, AdmissionRefusal::none);  // the next /64
  // The handshake budget is the network's too: 3 attempts spent above.
  EXPECT_EQ(l.admit(ip("2001:db8:0:1::4"), k_t0).refusal, AdmissionRefusal::handshake_rate);
  EXPECT_EQ(l.tracked_ips(), 2u);
  a1.ticket = {};  // gives the slot back to the network, whichever address held it
  EXPECT_EQ(l.connections_of(ip("2001:db8:0:1::1")), 1u);
  // IPv4 stays per address.
  auto v4a = l.admit(ip("192.0.2.1"), k_t0);
  auto v4b = l.admit(ip("192.0.2.2"), k_t0);
  EXPECT_EQ(l.connections_of(ip("192.0.2.1")), 1u);
  EXPECT_EQ(l.connections_of(ip("192.0.2.2")), 1u);
}

TEST(ConnectionLimiter, Ipv6PrefixIsConfigurable) {
  ConnectionLimits per_address = limits(0, 1);
  per_address.ipv6_prefix_per_ip = 128;
  ConnectionLimiter l(per_address);
  auto a = l.admit(ip("2001:db8::1"), k_t0);
  auto b = l.admit(ip("2001:db8::2"), k_t0);
  EXPECT_TRUE(a.ticket && b.ticket);
  EXPECT_EQ(l.admit(ip("2001:db8::1"), k_t0).refusal, AdmissionRefusal::max_connections_per_ip);

  ConnectionLimits per_48 = limits(0, 1);
  per_48.ipv6_prefix_per_ip = 48;
  ConnectionLimiter m(per_48);
  auto c = m.admit(ip("2001:db8:5:1::1"), k_t0);
  EXPECT_TRUE(c.ticket);
  EXPECT_EQ(m.admit(ip("2001:db8:5:ffff::1"), k_t0).refusal, AdmissionRefusal::max_connections_per_ip);
  EXPECT_EQ(m.admit(ip("2001:db8:6::1"), k_t0).refusal, AdmissionRefusal::none);
}

TEST(ConnectionLimiter, HandshakeRateIsATokenBucketPerAddress) {
  ConnectionLimiter l(limits(0, 0, 2, 3));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::none) << i;
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::handshake_rate);
  EXPECT_EQ(l.admit(ip("192.0.2.2"), k_t0).refusal, AdmissionRefusal::none);  // others unaffected
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0 + k_s / 4).refusal, AdmissionRefusal::handshake_rate);
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0 + k_s / 2).refusal, AdmissionRefusal::none);  // one token back
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0 + k_s / 2).refusal, AdmissionRefusal::handshake_rate);
}

TEST(ConnectionLimiter, RefusedHandshakesSpendTokensToo) {
  ConnectionLimiter l(limits(1, 0, 1, 2));
  auto held = l.admit(ip("192.0.2.9"), k_t0);
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::max_connections);
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::max_connections);
  held.ticket = {};
  EXPECT_EQ(l.admit(ip("192.0.2.1"), k_t0).refusal, AdmissionRefusal::handshake_rate);
}

TEST(ConnectionLimiter, IdleAddressesExpire) {
  ConnectionLimiter l(limits(0, 0, 10, 20));  // refills in 2 s
  for (int i = 0; i < 50; ++i) {
    l.admit(ip("10.0.0." + std::to_string(i)), k_t0);  // tickets dropped at once
  }
  EXPECT_EQ(l.tracked_ips(), 50u);
  auto kept = l.admit(ip("10.0.1.1"), k_t0 + 1 * k_s);  // holds a connection
  l.admit(ip("10.0.1.2"), k_t0 + 3 * k_s);  // a sweep: the first 50 are idle for 3 s > 2 s
  EXPECT_EQ(l.tracked_ips(), 2u);
  l.admit(ip("10.0.1.3"), k_t0 + 10 * k_s);
  EXPECT_EQ(l.tracked_ips(), 2u);  // 10.0.1.1 has a connection; 10.0.1.3 is new
  EXPECT_EQ(l.connections_of(ip("10.0.1.1")), 1u);
}

TEST(ConnectionLimiter, TableIsBoundedUnderAFloodOfAddresses) {
  ConnectionLimiter l(limits(0, 0, 0.001, 5, 100));
  auto kept = l.admit(ip("10.9.9.9"), k_t0);
  for (int i = 0; i < 1000; ++i) {
    l.admit(ip("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)), k_t0);
    ASSERT_LE(l.tracked_ips(), 100u) << i;
  }
  EXPECT_EQ(l.connections_of(ip("10.9.9.9")), 1u);  // an address with connections is never forgotten
}

TEST(ConnectionLimiter, TicketsOutliveTheLimiterAndMoveSafely) {
  ConnectionLimiter::Ticket t;
  {
    ConnectionLimiter l(limits(1, 1));
    t = std::move(l.admit(ip("192.0.2.1"), k_t0).ticket);
    ConnectionLimiter::Ticket moved(std::move(t));
    EXPECT_FALSE(t);
    EXPECT_EQ(l.connections(), 1u);
    t = std::move(moved);
  }
  t = {};  // released after the limiter is gone: no crash, no leak
}

TEST(ConnectionLimiter, ConcurrentAdmitAndReleaseKeepCountsExact) {
  ConnectionLimiter l(limits(1000, 1000));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&l, t] {
      std::vector<ConnectionLimiter::Ticket> held;
      for (int i = 0; i < 2000; ++i) {
        auto a = l.admit(ip("192.0.2." + std::to_string(t)), k_t0 + i);
        if (a.ticket) held.push_back(std::move(a.ticket));
        if (held.size() > 50) held.erase(held.begin(), held.begin() + 25);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(l.connections(), 0u);
  EXPECT_EQ(l.tracked_ips(), 0u);
}

}  // namespace
}  // namespace wshub::core
