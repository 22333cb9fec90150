#include "core/send_queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <string>
#include <vector>

namespace wshub::core {
namespace {

SharedFrame frame(std::size_t n, char c = 'x') { return make_frame(std::string(n, c)); }

std::vector<std::size_t> sizes(const std::vector<SharedFrame>& frames) {
  std::vector<std::size_t> out;
  for (const auto& f : frames) out.push_back(f->bytes.size());
  return out;
}

TEST(SendQueue, StartsEmpty) {
  SendQueue q(100);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
  std::vector<SharedFrame> out;
  EXPECT_EQ(q.take_batch(out, 1000), 0u);
  EXPECT_TRUE(out.empty());
}

TEST(SendQueue, CountsEachFramePlusItsSeparator) {
  SendQueue q(100);
  ASSERT_TRUE(q.push(frame(9)));
  ASSERT_TRUE(q.push(frame(4)));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 15u);
  EXPECT_FALSE(q.empty());
}

TEST(SendQueue, RefusesWhatWouldPassTheLimit) {
  SendQueue q(10);
  EXPECT_TRUE(q.push(frame(4)));   // 5
  EXPECT_TRUE(q.push(frame(4)));   // 10: exactly the limit is fine
  EXPECT_FALSE(q.push(frame(0)));  // 11
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 10u);
}

TEST(SendQueue, TakesOneFrameLargerThanTheLimitWhenEmpty) {
  // A publication bigger than the limit must not evict every subscriber; one
  // such frame may wait, nothing after it.
  SendQueue q(10);
  EXPECT_TRUE(q.push(frame(10)));
  EXPECT_EQ(q.bytes(), 11u);
  EXPECT_FALSE(q.push(frame(0)));
  EXPECT_EQ(q.size(), 1u);
}

TEST(SendQueue, BatchesUpToMaxBytes) {
  SendQueue q(1000);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(frame(5)));  // 6 bytes each
  std::vector<SharedFrame> out;
  EXPECT_EQ(q.take_batch(out, 12), 12u);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.bytes(), 18u);
  out.clear();
  EXPECT_EQ(q.take_batch(out, 17), 12u);  // a third would make 18
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  EXPECT_EQ(q.take_batch(out, 1000), 6u);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, BatchHoldsAtLeastOneFrame) {
  SendQueue q(1000);
  ASSERT_TRUE(q.push(frame(100)));
  ASSERT_TRUE(q.push(frame(1)));
  std::vector<SharedFrame> out;
  EXPECT_EQ(q.take_batch(out, 10), 101u);
  EXPECT_EQ(sizes(out), (std::vector<std::size_t>{100}));
  out.clear();
  EXPECT_EQ(q.take_batch(out, 0), 2u);
  EXPECT_EQ(sizes(out), (std::vector<std::size_t>{1}));
}

TEST(SendQueue, BatchKeepsOrderAndAppends) {
  SendQueue q(1000);
  ASSERT_TRUE(q.push(make_frame("a")));
  ASSERT_TRUE(q.push(make_frame("bb")));
  ASSERT_TRUE(q.push(make_frame("ccc")));
  std::vector<SharedFrame> out{make_frame("already")};
  q.take_batch(out, 1000);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]->bytes, "already");
  EXPECT_EQ(out[1]->bytes, "a");
  EXPECT_EQ(out[2]->bytes, "bb");
  EXPECT_EQ(out[3]->bytes, "ccc");
}

TEST(SendQueue, TakingFreesRoomUnderTheLimit) {
  SendQueue q(12);
  ASSERT_TRUE(q.push(frame(5)));
  ASSERT_TRUE(q.push(frame(5)));
  ASSERT_FALSE(q.push(frame(5)));
  std::vector<SharedFrame> out;
  q.take_batch(out, 6);
  EXPECT_TRUE(q.push(frame(5)));
  EXPECT_EQ(q.bytes(), 12u);
  EXPECT_EQ(q.size(), 2u);
}

TEST(SendQueue, SharesFramesWithoutCopying) {
  SendQueue q(1000);
  auto f = make_frame("shared");
  ASSERT_TRUE(q.push(f));
  ASSERT_TRUE(q.push(f));
  EXPECT_EQ(f.use_count(), 3);
  std::vector<SharedFrame> out;
  q.take_batch(out, 1000);
  EXPECT_EQ(out[0].get(), f.get());
  EXPECT_EQ(out[1].get(), f.get());
  out.clear();
  EXPECT_EQ(f.use_count(), 1);
}

TEST(SendQueue, Clear) {
  SendQueue q(100);
  ASSERT_TRUE(q.push(frame(9)));
  ASSERT_TRUE(q.push(frame(19)));
  std::vector<SharedFrame> out;
  q.take_batch(out, 1);  // partly consumed
  EXPECT_EQ(q.clear(), 20u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.clear(), 0u);
  EXPECT_TRUE(q.push(frame(99)));  // the full limit is available again
}

TEST(SendQueue, ManyCyclesStayConsistent) {
  SendQueue q(10000);
  std::size_t pushed = 0, taken = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < round % 7 + 1; ++i) {
      if (q.push(frame(static_cast<std::size_t>(round % 13)))) ++pushed;
    }
    std::vector<SharedFrame> out;
    q.take_batch(out, static_cast<std::size_t>(round % 30));
    taken += out.size();
    EXPECT_EQ(q.size(), pushed - taken);
  }
  std::vector<SharedFrame> out;
  while (!q.empty()) q.take_batch(out, 1000);
  EXPECT_EQ(out.size() + taken, pushed);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, TakeBatchIntoAFixedArrayStopsAtItsSize) {
  SendQueue q(1000);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(frame(3)));
  std::array<SharedFrame, 3> out;
  std::size_t released = 0;
  EXPECT_EQ(q.take_batch(std::span<SharedFrame>(out), 1000, released), 3u);
  EXPECT_EQ(released, 12u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 8u);
  EXPECT_EQ(q.take_batch(std::span<SharedFrame>(out), 4, released), 1u);  // the byte limit still applies
  EXPECT_EQ(released, 4u);
  EXPECT_EQ(q.take_batch(std::span<SharedFrame>(out), 1000, released), 1u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take_batch(std::span<SharedFrame>(out), 1000, released), 0u);
  EXPECT_EQ(released, 0u);
}

}  // namespace
}  // namespace wshub::core
