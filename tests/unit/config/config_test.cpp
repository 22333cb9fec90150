#include "config/config.hpp"

#include <gtest/gtest.h>

namespace wshub::config {
namespace {

using namespace std::chrono_literals;

TEST(Config, NamespaceOptionsFallBackToTheDefaultNamespace) {
  Config c;
  c.default_namespace.history_size = 1;
  c.namespaces["chat"].history_size = 2;
  EXPECT_EQ(c.namespace_options("").history_size, 1u);
  EXPECT_EQ(c.namespace_options("chat").history_size, 2u);
  EXPECT_EQ(c.namespace_options("unknown").history_size, 1u);
  EXPECT_EQ(c.namespace_options(std::string_view("chat:lobby").substr(0, 4)).history_size, 2u);
}

TEST(Config, DescribeIsOneLineWithoutSecrets) {
  Config c;
  c.api_key = "super-secret-api-key";
  c.jwt_secret = "super-secret-jwt";
  c.jwt_public_key = "/etc/wshub/key.pem";
  c.allowed_origins = {"https://a.example", "https://b.example"};
  c.namespaces["chat"].allow_client_publish = true;
  const std::string line = describe(c);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find("super-secret"), std::string::npos);
  EXPECT_NE(line.find("api_key=set"), std::string::npos) << line;
  EXPECT_NE(line.find("jwt_secret=set"), std::string::npos) << line;
  EXPECT_NE(line.find("jwt_public_key=/etc/wshub/key.pem"), std::string::npos) << line;
  EXPECT_NE(line.find("listen=0.0.0.0:8000"), std::string::npos) << line;
  EXPECT_NE(line.find("ping_interval=25s"), std::string::npos) << line;
  EXPECT_NE(line.find("allowed_origins=[https://a.example,https://b.example]"), std::string::npos) << line;
  EXPECT_NE(line.find("namespaces={chat: history_size=100 history_ttl=300s presence=true allow_client_publish=true "
                      "allow_subscribe=false allow_anonymous_subscribe=false allow_client_history=true "
                      "allow_client_presence=true}"),
            std::string::npos)
      << line;
}

TEST(Config, DescribeHidesTheBrokerPassword) {
  Config c;
  c.broker = "redis://user:super-secret-pw@10.0.0.1:6379/2";
  const std::string line = describe(c);
  EXPECT_EQ(line.find("super-secret"), std::string::npos) << line;
  EXPECT_NE(line.find("broker=redis://user:***@10.0.0.1:6379/2"), std::string::npos) << line;
  c.broker = "redis://10.0.0.1:6379";
  EXPECT_NE(describe(c).find("broker=redis://10.0.0.1:6379"), std::string::npos);
}

TEST(Config, DescribeShowsUnsetSecrets) {
  const std::string line = describe(Config{});
  EXPECT_NE(line.find("api_key=unset"), std::string::npos) << line;
  EXPECT_NE(line.find("jwt_secret=unset"), std::string::npos) << line;
  EXPECT_NE(line.find("instance_id=\"\""), std::string::npos) << line;
  EXPECT_NE(line.find("namespaces={}"), std::string::npos) << line;
}

}  // namespace
}  // namespace wshub::config
