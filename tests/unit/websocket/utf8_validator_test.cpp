#include "websocket/utf8_validator.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wshub::websocket {
namespace {

bool valid(const std::string& s) { return is_valid_utf8(s.data(), s.size()); }

TEST(Utf8Validator, AcceptsValidText) {
  EXPECT_TRUE(valid(""));
  EXPECT_TRUE(valid("plain ascii, long enough for the eight-byte fast path"));
  EXPECT_TRUE(valid("\xc3\xa9"));                  // U+00E9
  EXPECT_TRUE(valid("\xe2\x82\xac"));              // U+20AC
  EXPECT_TRUE(valid("\xed\x9f\xbf"));              // U+D7FF, last before the surrogates
  EXPECT_TRUE(valid("\xee\x80\x80"));              // U+E000
  EXPECT_TRUE(valid("\xf0\x9f\x98\x80"));          // U+1F600
  EXPECT_TRUE(valid("\xf4\x8f\xbf\xbf"));          // U+10FFFF
  EXPECT_TRUE(valid(std::string("a\0b", 3)));      // NUL is valid UTF-8
}

TEST(Utf8Validator, RefusesInvalidText) {
  for (const char* s : {"\xff", "\xfe", "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf",
                        "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                        "\xc3(", "\xe2\x82(", "abcdefgh\xc3(xyz"}) {
    EXPECT_FALSE(valid(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(Utf8Validator, TruncatedSequenceIsIncompleteNotFailed) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xf0\x9f", 2));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.failed());
}

TEST(Utf8Validator, SequencesSplitAtEveryPointValidateAsOne) {
  const std::string text = "x\xc3\xa9y\xe2\x82\xacz\xf0\x9f\x98\x80!";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= text.size(); ++cut2) {
      Utf8Validator v;
      EXPECT_TRUE(v.feed(text.data(), cut));
      EXPECT_TRUE(v.feed(text.data() + cut, cut2 - cut));
      EXPECT_TRUE(v.feed(text.data() + cut2, text.size() - cut2));
      EXPECT_TRUE(v.complete()) << cut << " " << cut2;
    }
  }
}

TEST(Utf8Validator, InvalidContinuationAcrossPiecesFails) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xc3", 1));
  EXPECT_FALSE(v.feed("(", 1));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.feed("a", 1));  // stays failed
}

}  // namespace
}  // namespace wshub::websocket
