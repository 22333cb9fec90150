#include "core/channel_sequencer.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

using Range = ChannelSequencer::Range;

PublicationPtr pub(std::uint64_t offset, std::string epoch = "e1") {
  auto p = std::make_shared<Publication>();
  p->channel = "c";
  p->offset = offset;
  p->epoch = std::move(epoch);
  return p;
}

std::vector<std::uint64_t> offsets(const ChannelSequencer::Out& out) {
  std::vector<std::uint64_t> v;
  for (const auto& p : out) v.push_back(p->offset);
  return v;
}

TEST(ChannelSequencerTest, HoldsUntilStartThenSkipsHistory) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  EXPECT_FALSE(s.on_live(pub(5), out));
  EXPECT_FALSE(s.on_live(pub(6), out));
  EXPECT_TRUE(out.empty());
  // Offset 5 was published before the subscription was confirmed.
  EXPECT_FALSE(s.start("e1", 5, out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{6}));
  EXPECT_EQ(s.duplicates(), 1u);
}

TEST(ChannelSequencerTest, InOrderDeliveryAndDuplicates) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  for (std::uint64_t o : {1, 2, 2, 3, 1, 4}) EXPECT_FALSE(s.on_live(pub(o), out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(s.duplicates(), 2u);
  EXPECT_EQ(s.last(), 4u);
}

TEST(ChannelSequencerTest, GapIsBackfilledBeforeLaterPublications) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 2, out);
  auto gap = s.on_live(pub(6), out);
  ASSERT_TRUE(gap);
  EXPECT_EQ(*gap, (Range{"e1", 3, 5}));
  EXPECT_TRUE(s.backfilling());
  EXPECT_FALSE(s.on_live(pub(7), out));  // held behind the gap
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(s.on_backfill({pub(3), pub(4), pub(5)}, out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(s.lost(), 0u);
}

TEST(ChannelSequencerTest, WhatHistoryNoLongerHasIsCountedLost) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  ASSERT_TRUE(s.on_live(pub(10), out));
  EXPECT_FALSE(s.on_backfill({pub(7), pub(9)}, out));  // 1-6 and 8 were trimmed
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{7, 9, 10}));
  EXPECT_EQ(s.lost(), 7u);
}

TEST(ChannelSequencerTest, FailedBackfillCountsTheRangeLostAndMovesOn) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  ASSERT_TRUE(s.on_live(pub(4), out));
  EXPECT_FALSE(s.on_backfill_failed(out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(s.lost(), 3u);
}

TEST(ChannelSequencerTest, SecondGapInHeldPublicationsAsksAgain) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  ASSERT_TRUE(s.on_live(pub(3), out));
  EXPECT_FALSE(s.on_live(pub(6), out));
  auto next = s.on_backfill({pub(1), pub(2)}, out);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, (Range{"e1", 4, 5}));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(s.on_backfill({pub(4), pub(5)}, out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(ChannelSequencerTest, NewEpochRestartsAtOne) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  s.on_live(pub(1), out);
  s.on_live(pub(2), out);
  // The broker lost the channel and a new epoch began; offset 1 of it was missed.
  auto gap = s.on_live(pub(2, "e2"), out);
  ASSERT_TRUE(gap);
  EXPECT_EQ(*gap, (Range{"e2", 1, 1}));
  EXPECT_FALSE(s.on_backfill({pub(1, "e2")}, out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[2]->epoch, "e2");
  EXPECT_EQ(out[3]->offset, 2u);
  EXPECT_EQ(s.epoch(), "e2");
}

TEST(ChannelSequencerTest, ResumeAfterReconnectBackfillsWhatWasPublished) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  s.on_live(pub(1), out);
  s.suspend();
  EXPECT_FALSE(s.on_live(pub(5), out));  // arrives on the new subscription
  auto gap = s.resume("e1", 4, out);
  ASSERT_TRUE(gap);
  EXPECT_EQ(*gap, (Range{"e1", 2, 4}));
  EXPECT_FALSE(s.on_backfill({pub(2), pub(3), pub(4)}, out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST(ChannelSequencerTest, ResumeWithNothingMissedReleasesHeld) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 3, out);
  s.suspend();
  s.on_live(pub(4), out);
  EXPECT_FALSE(s.resume("e1", 3, out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{4}));
}

TEST(ChannelSequencerTest, ResumeWithNewEpochBackfillsFromOne) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 9, out);
  s.suspend();
  auto gap = s.resume("e2", 2, out);
  ASSERT_TRUE(gap);
  EXPECT_EQ(*gap, (Range{"e2", 1, 2}));
}

TEST(ChannelSequencerTest, PinHoldsLivePublicationsUntilUnpinned) {
  ChannelSequencer s;
  ChannelSequencer::Out out;
  s.start("e1", 0, out);
  s.pin();
  s.pin();
  s.on_live(pub(1), out);
  EXPECT_FALSE(s.unpin(out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(s.unpin(out));
  EXPECT_EQ(offsets(out), (std::vector<std::uint64_t>{1}));
}

}  // namespace
}  // namespace wshub::core
