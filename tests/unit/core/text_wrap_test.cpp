#include "core/text_wrap.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

TEST(TextWrap, BreaksAtSpacesWithinTheWidth) {
  EXPECT_EQ(wrap_text("aa bb cc dd", 5), "aa bb\ncc dd");
  EXPECT_EQ(wrap_text("aa bb cc", 8), "aa bb cc");
}

TEST(TextWrap, LongWordStandsAlone) {
  EXPECT_EQ(wrap_text("a abcdefgh b", 4), "a\nabcdefgh\nb");
}

TEST(TextWrap, EmptyText) { EXPECT_EQ(wrap_text("", 10), ""); }

}  // namespace
}  // namespace wshub::core
