#include "websocket/handshake.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace wshub::websocket {
namespace {

TEST(Handshake, AcceptValueOfTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(accept_value("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Handshake, AcceptValueRepeatsAndWorksOnEveryThread) {
  // Each thread reuses its own digest context: the second and later digests on a
  // thread, and digests on new threads, must all agree.
  EXPECT_EQ(accept_value("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < 100; ++i) results[t] = accept_value("dGhlIHNhbXBsZSBub25jZQ==");
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(accept_value("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Handshake, ResponseCarriesTheAcceptAndNoExtension) {
  const std::string res = make_accept_response("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(res.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  EXPECT_NE(res.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(res.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_EQ(res.find("Extensions"), std::string::npos);
  EXPECT_TRUE(res.ends_with("\r\n\r\n"));
}

TEST(Handshake, ChecksVersionThenKey) {
  EXPECT_EQ(check_upgrade("13", "dGhlIHNhbXBsZSBub25jZQ==").status, 0u);
  EXPECT_EQ(check_upgrade("8", "dGhlIHNhbXBsZSBub25jZQ==").status, 426u);
  EXPECT_EQ(check_upgrade("", "dGhlIHNhbXBsZSBub25jZQ==").status, 426u);
  EXPECT_EQ(check_upgrade("13", "").status, 400u);
  EXPECT_EQ(check_upgrade("13", "c2hvcnQ=").status, 400u);
  EXPECT_EQ(check_upgrade("13", "dGhlIHNhbXBsZSBub25jZR==").status, 400u);  // 17th byte bits set
}

}  // namespace
}  // namespace wshub::websocket
