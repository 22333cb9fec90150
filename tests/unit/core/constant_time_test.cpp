#include "core/constant_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wshub::core {
namespace {

TEST(ConstantTime, Equal) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  const std::string big(10000, 'k');
  EXPECT_TRUE(constant_time_equal(big, std::string(10000, 'k')));
}

TEST(ConstantTime, Different) {
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "Secret"));
  EXPECT_FALSE(constant_time_equal("a", "b"));
  EXPECT_FALSE(constant_time_equal("\x80", "\x00"));
}

TEST(ConstantTime, DifferentLengths) {
  EXPECT_FALSE(constant_time_equal("secret", "secre"));
  EXPECT_FALSE(constant_time_equal("secre", "secret"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal("a", ""));
  // Padding with NULs must not make strings equal.
  EXPECT_FALSE(constant_time_equal("", std::string_view("\0", 1)));
  EXPECT_FALSE(constant_time_equal(std::string_view("ab\0", 3), "ab"));
}

TEST(ConstantTime, EveryBytePosition) {
  const std::string base = "0123456789abcdef";
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string other = base;
      other[i] = static_cast<char>(other[i] ^ (1 << bit));
      EXPECT_FALSE(constant_time_equal(base, other)) << i << " " << bit;
    }
  }
}

}  // namespace
}  // namespace wshub::core
