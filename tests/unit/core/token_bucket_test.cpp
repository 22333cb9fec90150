#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace wshub::core {
namespace {

constexpr std::int64_t k_s = 1'000'000'000;
constexpr std::int64_t k_t0 = 1000 * k_s;  // an arbitrary monotonic-clock reading

TEST(TokenBucket, BurstThenRefusal) {
  TokenBucket b(1, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.try_take(k_t0)) << i;
  EXPECT_FALSE(b.try_take(k_t0));
  EXPECT_FALSE(b.try_take(k_t0));
}

TEST(TokenBucket, RefillsWithTime) {
  TokenBucket b(2, 4);  // 2 per second
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(b.try_take(k_t0));
  ASSERT_FALSE(b.try_take(k_t0));
  EXPECT_FALSE(b.try_take(k_t0 + k_s / 4));  // half a token
  EXPECT_TRUE(b.try_take(k_t0 + k_s / 2));   // one token
  EXPECT_FALSE(b.try_take(k_t0 + k_s / 2));
  EXPECT_TRUE(b.try_take(k_t0 + k_s));      // another
  EXPECT_TRUE(b.try_take(k_t0 + 2 * k_s));  // two more accrued
  EXPECT_TRUE(b.try_take(k_t0 + 2 * k_s));
  EXPECT_FALSE(b.try_take(k_t0 + 2 * k_s));
}

TEST(TokenBucket, RefillIsCappedAtBurst) {
  TokenBucket b(100, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.try_take(k_t0));
  const std::int64_t later = k_t0 + 3600 * k_s;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(later)) << i;
  EXPECT_FALSE(b.try_take(later));
}

TEST(TokenBucket, SmallStepsAccumulate) {
  TokenBucket b(10, 1);
  ASSERT_TRUE(b.try_take(k_t0));
  std::int64_t t = k_t0;
  int granted = 0;
  for (int i = 0; i < 100; ++i) {  // 100 steps of 10 ms = 1 s = 10 tokens
    t += k_s / 100;
    if (b.try_take(t)) ++granted;
  }
  EXPECT_GE(granted, 9);
  EXPECT_LE(granted, 10);
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenBucket b(1, 1);
  ASSERT_TRUE(b.try_take(k_t0));
  EXPECT_FALSE(b.try_take(k_t0 - 10 * k_s));
  EXPECT_FALSE(b.try_take(k_t0 + k_s / 2));
  EXPECT_TRUE(b.try_take(k_t0 + k_s));
}

TEST(TokenBucket, ZeroBurstRefusesEverything) {
  TokenBucket b(1000, 0);
  EXPECT_FALSE(b.try_take(k_t0));
  EXPECT_FALSE(b.try_take(k_t0 + 10 * k_s));
}

TEST(TokenBucket, RefillsAfterFirstUseAtTimeZero) {
  // An injected monotonic clock may start at 0.
  TokenBucket b(1, 1);
  ASSERT_TRUE(b.try_take(0));
  ASSERT_FALSE(b.try_take(0));
  EXPECT_TRUE(b.try_take(k_s)) << "one second at 1 token/s must refill one token";
}

}  // namespace
}  // namespace wshub::core
