#include "core/query_string.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

TEST(QueryString, TargetPath) {
  EXPECT_EQ(target_path("/ws"), "/ws");
  EXPECT_EQ(target_path("/ws?token=x"), "/ws");
  EXPECT_EQ(target_path("/ws?"), "/ws");
  EXPECT_EQ(target_path("/api/publish?a=1?b=2"), "/api/publish");
  EXPECT_EQ(target_path("?x"), "");
  EXPECT_EQ(target_path(""), "");
}

TEST(QueryString, FindsAParameter) {
  EXPECT_EQ(query_param("/ws?token=abc", "token"), "abc");
  EXPECT_EQ(query_param("/ws?a=1&token=abc&b=2", "token"), "abc");
  EXPECT_EQ(query_param("/ws?a=1&b=2&token=abc", "token"), "abc");
  EXPECT_EQ(query_param("/ws?user=bob", "user"), "bob");
}

TEST(QueryString, AbsentParameter) {
  EXPECT_EQ(query_param("/ws", "token"), std::nullopt);
  EXPECT_EQ(query_param("/ws?", "token"), std::nullopt);
  EXPECT_EQ(query_param("/ws?tokens=1", "token"), std::nullopt);
  EXPECT_EQ(query_param("/ws?xtoken=1", "token"), std::nullopt);
  EXPECT_EQ(query_param("/ws?a=token", "token"), std::nullopt);
  EXPECT_EQ(query_param("/ws?Token=1", "token"), std::nullopt);
}

TEST(QueryString, FirstValueWins) { EXPECT_EQ(query_param("/ws?token=1&token=2", "token"), "1"); }

TEST(QueryString, EmptyValues) {
  EXPECT_EQ(query_param("/ws?token=", "token"), "");
  EXPECT_EQ(query_param("/ws?token", "token"), "");
  EXPECT_EQ(query_param("/ws?token&x=1", "token"), "");
  EXPECT_EQ(query_param("/ws?&&token=1&&", "token"), "1");
}

TEST(QueryString, ValueMayContainEquals) { EXPECT_EQ(query_param("/ws?token=a=b==", "token"), "a=b=="); }

TEST(QueryString, PercentDecoding) {
  EXPECT_EQ(query_param("/ws?user=a%20b", "user"), "a b");
  EXPECT_EQ(query_param("/ws?user=a+b", "user"), "a b");
  EXPECT_EQ(query_param("/ws?user=a%2Bb", "user"), "a+b");
  EXPECT_EQ(query_param("/ws?user=%2b%2F%3d%26", "user"), "+/=&");
  EXPECT_EQ(query_param("/ws?user=%C3%A9", "user"), "\xc3\xa9");
  EXPECT_EQ(query_param("/ws?user=%41", "user"), "A");
  EXPECT_EQ(query_param("/ws?user=%00", "user"), std::string("\0", 1));
  EXPECT_EQ(query_param("/ws?user=%ff", "user"), "\xff");
}

TEST(QueryString, BadPercentEncoding) {
  for (const char* target : {"/ws?user=%", "/ws?user=%4", "/ws?user=a%", "/ws?user=a%4", "/ws?user=%G1", "/ws?user=%1G",
                             "/ws?user=%%41", "/ws?user=% 1", "/ws?user=%4&x=1"}) {
    EXPECT_EQ(query_param(target, "user"), std::nullopt) << target;
  }
}

TEST(QueryString, OtherParametersMayBeBadlyEncoded) { EXPECT_EQ(query_param("/ws?x=%zz&user=ok", "user"), "ok"); }

}  // namespace
}  // namespace wshub::core
