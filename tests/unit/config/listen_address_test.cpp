#include "config/listen_address.hpp"

#include <gtest/gtest.h>

namespace wshub::config {
namespace {

TEST(ListenAddress, AcceptsHostsAndPorts) {
  EXPECT_EQ(*parse_listen_address("0.0.0.0:8000"), (ListenAddress{"0.0.0.0", 8000}));
  EXPECT_EQ(*parse_listen_address("127.0.0.1:0"), (ListenAddress{"127.0.0.1", 0}));
  EXPECT_EQ(*parse_listen_address("localhost:65535"), (ListenAddress{"localhost", 65535}));
  EXPECT_EQ(*parse_listen_address("my-host.internal:80"), (ListenAddress{"my-host.internal", 80}));
  EXPECT_EQ(*parse_listen_address("[::1]:8000"), (ListenAddress{"::1", 8000}));
  EXPECT_EQ(*parse_listen_address("[::]:0"), (ListenAddress{"::", 0}));
  EXPECT_EQ(*parse_listen_address(" 127.0.0.1:1 "), (ListenAddress{"127.0.0.1", 1}));
}

TEST(ListenAddress, RefusesMalformedAddresses) {
  for (const char* bad :
       {"", "8000", ":8000", "localhost", "localhost:", "localhost:http", "localhost:65536", "localhost:-1", "::1:8000",
        "[]:80", "[::1]", "[::1]8000", "[zz::1]:80", "a b:80", "host/path:80", "127.0.0.1:99999999999"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
}

TEST(ListenAddress, ErrorsExplainTheProblem) {
  EXPECT_EQ(parse_listen_address("8000").error(),
            "expected HOST:PORT such as 0.0.0.0:8000 or [::1]:8000 (the port is missing), got \"8000\"");
  EXPECT_NE(parse_listen_address(":8000").error().find("the host is missing"), std::string::npos);
  EXPECT_NE(parse_listen_address("::1:8000").error().find("IPv6 addresses need brackets"), std::string::npos);
  EXPECT_NE(parse_listen_address("h:70000").error().find("the port must be 0 to 65535"), std::string::npos);
}

}  // namespace
}  // namespace wshub::config
