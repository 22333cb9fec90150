#include "websocket/handshake.hpp"

#include <gtest/gtest.h>

namespace wshub::websocket {
namespace {

TEST(Handshake, AcceptValueOfTheRfcExample) {
  // RFC 6455 section 1.3.
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
