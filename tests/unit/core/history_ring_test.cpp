#include "core/history_ring.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <random>
#include <vector>

#include "core/envelopes.hpp"

namespace wshub::core {
namespace {

using namespace std::chrono_literals;
using Clock = HistoryRing::Clock;

const Clock::time_point k_t0 = Clock::time_point(1000s);

PublicationPtr pub(std::uint64_t offset) { return make_publication("c", offset, "e", "1", 0); }

std::vector<std::uint64_t> offsets(const std::vector<PublicationPtr>& pubs) {
  std::vector<std::uint64_t> out;
  for (const auto& p : pubs) out.push_back(p->offset);
  return out;
}

std::vector<std::uint64_t> all(const HistoryRing& r) { return offsets(r.latest(r.size() + 10)); }

using Offsets = std::vector<std::uint64_t>;

TEST(HistoryRing, StartsEmpty) {
  HistoryRing r(10, 1000ms);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.capacity(), 10u);
  EXPECT_EQ(r.oldest_offset(), std::nullopt);
  EXPECT_EQ(r.newest_offset(), std::nullopt);
  EXPECT_TRUE(r.latest(5).empty());
  EXPECT_TRUE(r.after(0, 5).empty());
}

TEST(HistoryRing, KeepsPushOrder) {
  HistoryRing r(10, 1000ms);
  for (std::uint64_t o = 1; o <= 4; ++o) r.push(pub(o), k_t0);
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.oldest_offset(), 1u);
  EXPECT_EQ(r.newest_offset(), 4u);
  EXPECT_EQ(all(r), (Offsets{1, 2, 3, 4}));
}

TEST(HistoryRing, CapacityEvictsTheOldest) {
  HistoryRing r(3, 1000ms);
  for (std::uint64_t o = 1; o <= 5; ++o) r.push(pub(o), k_t0);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(all(r), (Offsets{3, 4, 5}));
  for (std::uint64_t o = 6; o <= 10; ++o) r.push(pub(o), k_t0);  // wraps around several times
  EXPECT_EQ(all(r), (Offsets{8, 9, 10}));
  EXPECT_EQ(r.oldest_offset(), 8u);
  EXPECT_EQ(r.newest_offset(), 10u);
}

TEST(HistoryRing, CapacityOne) {
  HistoryRing r(1, 1000ms);
  r.push(pub(1), k_t0);
  r.push(pub(2), k_t0);
  EXPECT_EQ(all(r), (Offsets{2}));
}

TEST(HistoryRing, CapacityZeroKeepsNothing) {
  HistoryRing r(0, 1000ms);
  r.push(pub(1), k_t0);
  r.push(pub(2), k_t0);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.newest_offset(), std::nullopt);
  EXPECT_TRUE(r.covers(2, 2));
  EXPECT_FALSE(r.covers(1, 2));
}

TEST(HistoryRing, EvictionReleasesThePublication) {
  HistoryRing r(1, 1000ms);
  auto p = pub(1);
  r.push(p, k_t0);
  EXPECT_EQ(p.use_count(), 2);
  r.push(pub(2), k_t0);
  EXPECT_EQ(p.use_count(), 1);
}

TEST(HistoryRing, TtlExpiry) {
  HistoryRing r(10, 1000ms);
  r.push(pub(1), k_t0);
  r.push(pub(2), k_t0 + 300ms);
  r.push(pub(3), k_t0 + 600ms);
  r.expire(k_t0 + 999ms);
  EXPECT_EQ(all(r), (Offsets{1, 2, 3}));
  r.expire(k_t0 + 1000ms);  // exactly ttl old: gone
  EXPECT_EQ(all(r), (Offsets{2, 3}));
  r.expire(k_t0 + 1500ms);
  EXPECT_EQ(all(r), (Offsets{3}));
  r.expire(k_t0 + 1599ms);
  EXPECT_EQ(all(r), (Offsets{3}));
  r.expire(k_t0 + 10s);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.oldest_offset(), std::nullopt);
  // Usable again after emptying.
  r.push(pub(4), k_t0 + 11s);
  EXPECT_EQ(all(r), (Offsets{4}));
}

TEST(HistoryRing, ExpireOnEmptyRingAndTimeGoingBackwards) {
  HistoryRing r(10, 1000ms);
  r.expire(k_t0);
  EXPECT_TRUE(r.empty());
  r.push(pub(1), k_t0);
  r.expire(k_t0 - 5s);
  EXPECT_EQ(all(r), (Offsets{1}));
}

TEST(HistoryRing, Covers) {
  HistoryRing r(3, 1000ms);
  EXPECT_TRUE(r.covers(0, 0));
  EXPECT_TRUE(r.covers(7, 7));   // nothing missed, even with no history
  EXPECT_FALSE(r.covers(0, 1));  // missed 1, not retained

  // Retains 3, 4, 5.
  for (std::uint64_t o = 1; o <= 5; ++o) r.push(pub(o), k_t0);
  EXPECT_TRUE(r.covers(5, 5));
  EXPECT_TRUE(r.covers(4, 5));
  EXPECT_TRUE(r.covers(3, 5));
  EXPECT_TRUE(r.covers(2, 5));   // missed 3..5: all retained
  EXPECT_FALSE(r.covers(1, 5));  // missed 2: evicted
  EXPECT_FALSE(r.covers(0, 5));
  EXPECT_FALSE(r.covers(6, 5));  // ahead
  EXPECT_FALSE(r.covers(2, 6));  // top not retained
}

TEST(HistoryRing, After) {
  HistoryRing r(5, 1000ms);
  for (std::uint64_t o = 3; o <= 7; ++o) r.push(pub(o), k_t0);
  EXPECT_EQ(offsets(r.after(0, 100)), (Offsets{3, 4, 5, 6, 7}));
  EXPECT_EQ(offsets(r.after(2, 100)), (Offsets{3, 4, 5, 6, 7}));
  EXPECT_EQ(offsets(r.after(3, 100)), (Offsets{4, 5, 6, 7}));
  EXPECT_EQ(offsets(r.after(5, 100)), (Offsets{6, 7}));
  EXPECT_EQ(offsets(r.after(6, 1)), (Offsets{7}));
  EXPECT_EQ(offsets(r.after(3, 2)), (Offsets{4, 5}));
  EXPECT_TRUE(r.after(7, 100).empty());
  EXPECT_TRUE(r.after(100, 100).empty());
  EXPECT_TRUE(r.after(0, 0).empty());
}

TEST(HistoryRing, AfterWithGapsInOffsets) {
  HistoryRing r(5, 1000ms);
  for (std::uint64_t o : {2, 4, 8, 16}) r.push(pub(o), k_t0);
  EXPECT_EQ(offsets(r.after(5, 100)), (Offsets{8, 16}));
  EXPECT_EQ(offsets(r.after(4, 100)), (Offsets{8, 16}));
  EXPECT_EQ(offsets(r.after(1, 2)), (Offsets{2, 4}));
}

TEST(HistoryRing, Latest) {
  HistoryRing r(5, 1000ms);
  for (std::uint64_t o = 1; o <= 8; ++o) r.push(pub(o), k_t0);  // retains 4..8
  EXPECT_EQ(offsets(r.latest(2)), (Offsets{7, 8}));
  EXPECT_EQ(offsets(r.latest(5)), (Offsets{4, 5, 6, 7, 8}));
  EXPECT_EQ(offsets(r.latest(500)), (Offsets{4, 5, 6, 7, 8}));
  EXPECT_TRUE(r.latest(0).empty());
}

TEST(HistoryRing, GrowthAfterPartialExpiryKeepsOrder) {
  // The buffer is below capacity, its head moves on after expiry, pushes wrap
  // into the freed slots, and then it must grow without scrambling the order.
  HistoryRing r(8, 1000ms);
  r.push(pub(1), k_t0);
  r.push(pub(2), k_t0 + 10ms);
  r.push(pub(3), k_t0 + 500ms);
  r.push(pub(4), k_t0 + 500ms);
  r.expire(k_t0 + 1010ms);  // drops 1 and 2
  EXPECT_EQ(all(r), (Offsets{3, 4}));
  r.push(pub(5), k_t0 + 1020ms);  // into a freed slot
  r.push(pub(6), k_t0 + 1020ms);
  EXPECT_EQ(all(r), (Offsets{3, 4, 5, 6}));
  r.push(pub(7), k_t0 + 1020ms);  // buffer full below capacity: grows
  EXPECT_EQ(all(r), (Offsets{3, 4, 5, 6, 7}));
  EXPECT_EQ(r.oldest_offset(), 3u);
  EXPECT_EQ(r.newest_offset(), 7u);
  for (std::uint64_t o = 8; o <= 12; ++o) r.push(pub(o), k_t0 + 1030ms);
  EXPECT_EQ(all(r), (Offsets{5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(offsets(r.after(6, 3)), (Offsets{7, 8, 9}));
  EXPECT_TRUE(r.covers(4, 12));
  EXPECT_FALSE(r.covers(3, 12));
  // Entries keep their own timestamps through the reshuffle.
  r.expire(k_t0 + 1500ms);  // 3, 4 (at +500ms) would be gone; 5.. stay
  EXPECT_EQ(all(r), (Offsets{5, 6, 7, 8, 9, 10, 11, 12}));
  r.expire(k_t0 + 2025ms);
  EXPECT_EQ(all(r), (Offsets{8, 9, 10, 11, 12}));
}

TEST(HistoryRing, MatchesAReferenceModel) {
  // Random pushes and expiries against a deque: catches index arithmetic
  // mistakes in the circular buffer (wrap, growth, shrink to empty).
  for (std::size_t capacity : {1u, 2u, 3u, 5u, 8u, 13u}) {
    std::mt19937 rng(static_cast<unsigned>(capacity) * 7919u);
    HistoryRing r(capacity, 100ms);
    struct Item {
      std::uint64_t offset;
      Clock::time_point at;
    };
    std::deque<Item> model;
    Clock::time_point now = k_t0;
    std::uint64_t next = 1;
    for (int step = 0; step < 3000; ++step) {
      now += std::chrono::milliseconds(rng() % 15);
      const unsigned action = rng() % 10;
      if (action < 7) {
        r.push(pub(next), now);
        model.push_back({next, now});
        ++next;
        if (model.size() > capacity) model.pop_front();
      } else {
        r.expire(now);
        while (!model.empty() && now - model.front().at >= 100ms) model.pop_front();
      }
      Offsets expected;
      for (const auto& it : model) expected.push_back(it.offset);
      ASSERT_EQ(all(r), expected) << "capacity " << capacity << " step " << step;
      ASSERT_EQ(r.size(), model.size());
      if (!model.empty()) {
        ASSERT_EQ(r.oldest_offset(), model.front().offset);
        ASSERT_EQ(r.newest_offset(), model.back().offset);
        const std::uint64_t mid = model[model.size() / 2].offset;
        Offsets tail;
        for (const auto& it : model) {
          if (it.offset > mid) tail.push_back(it.offset);
        }
        ASSERT_EQ(offsets(r.after(mid, capacity)), tail);
        ASSERT_TRUE(r.covers(model.front().offset - 1, model.back().offset));
      }
    }
  }
}

}  // namespace
}  // namespace wshub::core
