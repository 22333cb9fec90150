#include "auth/base64url.hpp"

#include <gtest/gtest.h>

#include "test_tokens.hpp"

namespace wshub::auth {
namespace {

TEST(Base64Url, DecodesCanonicalText) {
  EXPECT_EQ(base64url_decode(""), "");
  EXPECT_EQ(base64url_decode("YQ"), "a");
  EXPECT_EQ(base64url_decode("YWI"), "ab");
  EXPECT_EQ(base64url_decode("YWJj"), "abc");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  for (std::string s : {"", "x", "hello world", "\xff\xfe\x00\x01", "{\"alg\":\"HS256\"}"}) {
    EXPECT_EQ(base64url_decode(test::b64url(s)), s);
  }
}

TEST(Base64Url, RefusesPaddingOtherAlphabetsAndLeftoverBits) {
  for (const char* bad : {"YQ==", "YWI=", "+/8", "Y Q", "Y", "YWJjZ", "YR", "YWJ", "\n"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace wshub::auth
