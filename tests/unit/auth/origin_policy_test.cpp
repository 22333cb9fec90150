#include "auth/origin_policy.hpp"

#include <gtest/gtest.h>

#include "core/constant_time.hpp"

namespace wshub::auth {
namespace {

TEST(OriginPolicy, EmptyListAndNoHeaderAllow) {
  EXPECT_TRUE(OriginPolicy(std::vector<std::string>{}).allows("https://anything.example"));
  EXPECT_TRUE(OriginPolicy({"https://a.example"}).allows(std::nullopt));
}

TEST(OriginPolicy, ExactSchemeHostPort) {
  const OriginPolicy p({"https://app.example", "http://localhost:3000"});
  EXPECT_TRUE(p.allows("https://app.example"));
  EXPECT_TRUE(p.allows("HTTPS://APP.Example"));
  EXPECT_TRUE(p.allows("http://localhost:3000"));
  for (const char* bad :
       {"null", "", "https://app.example.evil.example", "https://evilapp.example", "https://evil-app.example",
        "http://app.example", "wss://app.example", "https://app.example:8443", "https://app.example.",
        "https://user@app.example", "https://user:pw@app.example", "https://app.example/", "https://app.example/x",
        "https://app.example?x", "https://app.example:", "http://localhost:3001", "http://localhost",
        "https://localhost:3000", " https://app.example", "https://app.example "}) {
    EXPECT_FALSE(p.allows(std::string_view(bad))) << bad;
  }
}

TEST(OriginPolicy, DefaultPortIsTheSameOrigin) {
  const OriginPolicy p({"https://a.example:443", "http://b.example"});
  EXPECT_TRUE(p.allows("https://a.example"));
  EXPECT_TRUE(p.allows("https://a.example:443"));
  EXPECT_TRUE(p.allows("http://b.example:80"));
  EXPECT_FALSE(p.allows("http://a.example"));
  EXPECT_FALSE(p.allows("https://b.example:80"));
  EXPECT_FALSE(p.allows("https://u@a.example:443"));
  EXPECT_EQ(OriginPolicy::normalize("HTTPS://A.example:443"), "https://a.example");
  EXPECT_EQ(OriginPolicy::normalize("https://a.example:4430"), "https://a.example:4430");
}

TEST(ConstantTime, ApiKeysCompareWholly) {
  EXPECT_TRUE(core::constant_time_equal("key", "key"));
  EXPECT_FALSE(core::constant_time_equal("key", "kez"));
  EXPECT_FALSE(core::constant_time_equal("key", "key2"));
}

}  // namespace
}  // namespace wshub::auth
