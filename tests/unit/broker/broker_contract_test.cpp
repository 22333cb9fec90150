// The Broker contract (broker.hpp, PROTOCOL.md section 4, docs/PROTOCOL.md
// "Messages"): every implementation is instantiated against these tests.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "broker_fixture.hpp"

namespace wshub::broker::testing {
namespace {

using namespace std::chrono_literals;
using Offsets = std::vector<std::uint64_t>;

// --- Offsets and epochs ---

TEST_P(BrokerContract, OffsetsStartAtOneAndIncreaseByOne) {
  const auto c = ch("a");
  const auto results = publish_n(c, 5, ns_default_);
  ASSERT_EQ(results.size(), 5u);
  for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i].offset, i + 1);
  EXPECT_FALSE(results[0].epoch.empty());
}

TEST_P(BrokerContract, EpochIsStableAcrossPublishes) {
  const auto c = ch("a");
  const auto results = publish_n(c, 10, ns_default_);
  for (const auto& r : results) EXPECT_EQ(r.epoch, results[0].epoch);
  const auto rec = recover_ok(c, ns_default_, std::nullopt);
  EXPECT_EQ(rec.epoch, results[0].epoch);
  EXPECT_EQ(rec.offset, 10u);
  const auto h = history_ok(c, ns_default_, 100);
  EXPECT_EQ(h.epoch, results[0].epoch);
  EXPECT_EQ(h.offset, 10u);
}

TEST_P(BrokerContract, EmptyChannelIsAtOffsetZero) {
  const auto c = ch("never-published");
  const auto rec = recover_ok(c, ns_default_, std::nullopt);
  EXPECT_EQ(rec.offset, 0u);
  EXPECT_FALSE(rec.recovered);
  EXPECT_TRUE(rec.messages.empty());
  const auto h = history_ok(c, ns_default_, 100);
  EXPECT_EQ(h.offset, 0u);
  EXPECT_TRUE(h.messages.empty());
}

TEST_P(BrokerContract, ChannelsHaveIndependentOffsets) {
  const auto a = ch_on_shard("a", 0);
  const auto b = ch_on_shard("b", 1);
  const auto c = ch_on_shard("c", 0);
  EXPECT_EQ(publish_ok(a, "1", ns_default_).offset, 1u);
  EXPECT_EQ(publish_ok(b, "1", ns_default_).offset, 1u);
  EXPECT_EQ(publish_ok(a, "2", ns_default_).offset, 2u);
  EXPECT_EQ(publish_ok(c, "1", ns_default_).offset, 1u);
  EXPECT_EQ(publish_ok(b, "2", ns_default_).offset, 2u);
  EXPECT_EQ(publish_ok(b, "3", ns_default_).offset, 3u);
  EXPECT_EQ(publish_ok(a, "3", ns_default_).offset, 3u);
  EXPECT_EQ(recover_ok(a, ns_default_, std::nullopt).offset, 3u);
  EXPECT_EQ(recover_ok(b, ns_default_, std::nullopt).offset, 3u);
  EXPECT_EQ(recover_ok(c, ns_default_, std::nullopt).offset, 1u);
  EXPECT_EQ(offsets_of(history_ok(b, ns_default_, 100).messages), (Offsets{1, 2, 3}));
}

TEST_P(BrokerContract, ResultsDescribeThePublication) {
  const auto c = ch("a");
  const auto r = publish_ok(c, R"({"text":"hi"})", ns_default_);
  const auto h = history_ok(c, ns_default_, 100);
  ASSERT_EQ(h.messages.size(), 1u);
  const auto& p = h.messages[0];
  EXPECT_EQ(p->channel, c);
  EXPECT_EQ(p->offset, r.offset);
  EXPECT_EQ(p->epoch, r.epoch);
  EXPECT_EQ(p->frame.bytes, R"({"type":"message","channel":")" + c + R"(","data":{"text":"hi"},"offset":1,"epoch":")" +
                                r.epoch + R"("})");
  EXPECT_GT(p->frame.created_ns, 0);
}

TEST_P(BrokerContract, DataIsForwardedByteForByte) {
  const auto c = ch("a");
  subscribe_ok(c, ns_default_);
  const std::vector<std::string> datas = {R"({"b" : [1, 2.50], "a":1e400})",
                                          "123456789012345678901234567890",
                                          R"("\u00e9\n\"")",
                                          "null",
                                          "[ ]",
                                          "\"\xc3\xa9\""};
  for (const auto& d : datas) publish_ok(c, d, ns_default_);
  ASSERT_TRUE(sink_->wait_until([&](const auto& pubs) { return pubs.size() >= datas.size(); }, k_call_timeout));
  const auto live = sink_->of(c);
  const auto h = history_ok(c, ns_default_, 100);
  ASSERT_EQ(live.size(), datas.size());
  ASSERT_EQ(h.messages.size(), datas.size());
  for (std::size_t i = 0; i < datas.size(); ++i) {
    const std::string expected_part = "\"data\":" + datas[i] + ",\"offset\":" + std::to_string(i + 1) + ",";
    EXPECT_NE(live[i]->frame.bytes.find(expected_part), std::string::npos) << live[i]->frame.bytes;
    EXPECT_EQ(h.messages[i]->frame.bytes, live[i]->frame.bytes);
  }
}

// --- Delivery to the sink ---

TEST_P(BrokerContract, SubscribedChannelsReachTheSinkInOrder) {
  const auto a = ch_on_shard("a", 0);
  const auto b = ch_on_shard("b", 1);
  subscribe_ok(a, ns_default_);
  subscribe_ok(b, ns_default_);
  for (int i = 1; i <= 20; ++i) {
    publish_ok(a, data_n(i), ns_default_);
    publish_ok(b, data_n(i), ns_default_);
  }
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 40; }, k_call_timeout))
      << sink_->snapshot().size();
  for (const auto& c : {a, b}) {
    const auto got = sink_->of(c);
    EXPECT_EQ(offsets_of(got), range(1, 20)) << c;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_NE(got[i]->frame.bytes.find(data_n(static_cast<int>(i) + 1)), std::string::npos);
      EXPECT_EQ(got[i]->channel, c);
    }
  }
  EXPECT_EQ(sink_->snapshot().size(), 40u) << "each publication reaches the sink once";
}

TEST_P(BrokerContract, UnsubscribedChannelsDoNotReachTheSink) {
  const auto fence = ch_on_shard("fence", 0);
  const auto never = ch_on_shard("never", 0);
  const auto never_other_shard = ch_on_shard("never", 1);
  const auto left = ch_on_shard("left", 1);
  subscribe_ok(fence, ns_default_);
  subscribe_ok(left, ns_default_);
  unsubscribe(left);
  publish_n(never, 3, ns_default_);
  publish_n(never_other_shard, 3, ns_default_);
  publish_n(left, 3, ns_default_);
  publish_ok(fence, "1", ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return !pubs.empty(); }, k_call_timeout));
  // Delivery to the sink is not ordered across channels for every broker:
  // a second fence publication gives stragglers time to show.
  publish_ok(fence, "2", ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 2; }, k_call_timeout));
  const auto got = sink_->snapshot();
  for (const auto& p : got) EXPECT_EQ(p->channel, fence) << p->frame.bytes;
  EXPECT_EQ(got.size(), 2u);
}

TEST_P(BrokerContract, DeliveryStopsAfterUnsubscribeAndResumesAfterSubscribe) {
  const auto c = ch("a");
  const auto fence = ch("fence");
  subscribe_ok(fence, ns_default_);
  subscribe_ok(c, ns_default_);
  publish_ok(c, "1", ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 1; }, k_call_timeout));
  unsubscribe(c);
  publish_ok(c, "2", ns_default_);
  publish_ok(fence, "f", ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 2; }, k_call_timeout));
  subscribe_ok(c, ns_default_);
  publish_ok(c, "3", ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 3; }, k_call_timeout));
  EXPECT_EQ(offsets_of(sink_->of(c)), (Offsets{1, 3}));
}

TEST_P(BrokerContract, UnsubscribeOfAnUnknownChannelIsHarmless) {
  const auto c = ch("unknown");
  unsubscribe(c);
  unsubscribe(c);
  EXPECT_EQ(publish_ok(c, "1", ns_default_).offset, 1u);
}

TEST_P(BrokerContract, ConcurrentPublishesKeepPerChannelOrder) {
  constexpr int k_channels = 6;
  constexpr int k_per_channel = 100;
  std::vector<std::string> channels;
  for (int i = 0; i < k_channels; ++i) {
    channels.push_back(ch_on_shard("c" + std::to_string(i), static_cast<std::size_t>(i)));
    subscribe_ok(channels.back(), ns_default_);
  }
  // Fire every publication without waiting in between, so the shards run at once.
  std::mutex mutex;
  std::condition_variable cv;
  int done = 0;
  std::map<std::string, std::vector<std::uint64_t>> results;  // guarded by mutex
  for (int n = 1; n <= k_per_channel; ++n) {
    for (const auto& c : channels) {
      boost::asio::post(threads_->executor_for(c), [&, c, n] {
        const std::size_t owner = threads_->owner(c);
        broker_->publish(owner, c, data_n(n), ns_default_, [&, c](core::Expected<PublishResult, BrokerError> r) {
          std::lock_guard lock(mutex);
          if (r) results[c].push_back(r->offset);
          ++done;
          cv.notify_all();
        });
      });
    }
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, k_call_timeout, [&] { return done == k_channels * k_per_channel; }));
  }
  ASSERT_TRUE(
      sink_->wait_until([&](const auto& pubs) { return pubs.size() >= k_channels * k_per_channel; }, k_call_timeout));
  for (const auto& c : channels) {
    {
      std::lock_guard lock(mutex);
      EXPECT_EQ(results[c], range(1, k_per_channel)) << c;
    }
    const auto got = sink_->of(c);
    EXPECT_EQ(offsets_of(got), range(1, k_per_channel)) << c;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_NE(got[i]->frame.bytes.find(data_n(static_cast<int>(i) + 1)), std::string::npos) << c;
    }
  }
}

// --- Recovery ---

TEST_P(BrokerContract, RecoverWithoutSince) {
  const auto c = ch("a");
  const auto r = publish_n(c, 3, ns_default_);
  const auto rec = recover_ok(c, ns_default_, std::nullopt);
  EXPECT_EQ(rec.epoch, r.back().epoch);
  EXPECT_EQ(rec.offset, 3u);
  EXPECT_FALSE(rec.recovered);
  EXPECT_TRUE(rec.messages.empty());
}

TEST_P(BrokerContract, RecoverAtCurrentOffset) {
  const auto c = ch("a");
  const auto r = publish_n(c, 3, ns_default_);
  const auto rec = recover_ok(c, ns_default_, core::StreamPosition{r.back().epoch, 3});
  EXPECT_TRUE(rec.recovered);
  EXPECT_TRUE(rec.messages.empty());
  EXPECT_EQ(rec.offset, 3u);
  EXPECT_EQ(rec.epoch, r.back().epoch);
}

TEST_P(BrokerContract, RecoverBehindGivesExactlyTheMissedOnesInOrder) {
  const auto c = ch("a");
  const auto r = publish_n(c, 7, ns_default_);
  const auto rec = recover_ok(c, ns_default_, core::StreamPosition{r[0].epoch, 4});
  EXPECT_TRUE(rec.recovered);
  EXPECT_EQ(rec.offset, 7u);
  ASSERT_EQ(offsets_of(rec.messages), (Offsets{5, 6, 7}));
  for (std::size_t i = 0; i < rec.messages.size(); ++i) {
    const auto& p = rec.messages[i];
    EXPECT_EQ(p->channel, c);
    EXPECT_EQ(p->epoch, r[0].epoch);
    EXPECT_NE(p->frame.bytes.find("\"data\":" + data_n(static_cast<int>(i) + 5) + ","), std::string::npos)
        << p->frame.bytes;
  }
}

TEST_P(BrokerContract, RecoverFromOffsetZero) {
  const auto c = ch("a");
  const auto r = publish_n(c, 3, ns_default_);
  const auto rec = recover_ok(c, ns_default_, core::StreamPosition{r[0].epoch, 0});
  EXPECT_TRUE(rec.recovered);
  EXPECT_EQ(offsets_of(rec.messages), (Offsets{1, 2, 3}));
}

TEST_P(BrokerContract, RecoverWithAnotherEpochFails) {
  const auto c = ch("a");
  const auto r = publish_n(c, 3, ns_default_);
  for (const std::string& epoch : {std::string("not-the-epoch"), std::string(), r[0].epoch + "x"}) {
    const auto rec = recover_ok(c, ns_default_, core::StreamPosition{epoch, 1});
    EXPECT_FALSE(rec.recovered) << epoch;
    EXPECT_TRUE(rec.messages.empty()) << epoch;
    EXPECT_EQ(rec.epoch, r[0].epoch);
    EXPECT_EQ(rec.offset, 3u);
  }
  // Even where the offset would be trivially covered.
  EXPECT_FALSE(recover_ok(c, ns_default_, core::StreamPosition{"other", 3}).recovered);
}

TEST_P(BrokerContract, RecoverAheadFails) {
  const auto c = ch("a");
  const auto r = publish_n(c, 3, ns_default_);
  for (std::uint64_t ahead : {4ull, 100ull, ~0ull}) {
    const auto rec = recover_ok(c, ns_default_, core::StreamPosition{r[0].epoch, ahead});
    EXPECT_FALSE(rec.recovered) << ahead;
    EXPECT_TRUE(rec.messages.empty()) << ahead;
    EXPECT_EQ(rec.offset, 3u);
  }
}

TEST_P(BrokerContract, RecoverFailsWhenHistoryWasEvictedBySize) {
  const auto c = ch("a");
  const auto r = publish_n(c, 6, ns_small_);  // keeps 4, 5, 6
  EXPECT_FALSE(recover_ok(c, ns_small_, core::StreamPosition{r[0].epoch, 0}).recovered);
  EXPECT_FALSE(recover_ok(c, ns_small_, core::StreamPosition{r[0].epoch, 2}).recovered);  // missed 3: evicted
  const auto rec = recover_ok(c, ns_small_, core::StreamPosition{r[0].epoch, 3});
  EXPECT_TRUE(rec.recovered);
  EXPECT_EQ(offsets_of(rec.messages), (Offsets{4, 5, 6}));
}

TEST_P(BrokerContract, RecoveryThenLiveHasNoGapAndNoDuplicate) {
  const auto c = ch("a");
  subscribe_ok(c, ns_default_);
  const auto r = publish_n(c, 3, ns_default_);
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 3; }, k_call_timeout));
  const auto before = sink_->snapshot().size();
  const auto rec = recover_ok(c, ns_default_, core::StreamPosition{r[0].epoch, 1});
  ASSERT_TRUE(rec.recovered);
  EXPECT_EQ(rec.offset, 3u);
  publish_n(c, 2, ns_default_);
  ASSERT_TRUE(sink_->wait_until([&](const auto& pubs) { return pubs.size() >= before + 2; }, k_call_timeout));
  const auto all = sink_->snapshot();
  Offsets seen = offsets_of(rec.messages);
  for (std::size_t i = before; i < all.size(); ++i) {
    EXPECT_GT(all[i]->offset, rec.offset) << "delivered after the recover handler ran";
    seen.push_back(all[i]->offset);
  }
  EXPECT_EQ(seen, range(2, 5));
}

// --- History ---

TEST_P(BrokerContract, HistoryLatest) {
  const auto c = ch("a");
  const auto r = publish_n(c, 10, ns_default_);
  auto h = history_ok(c, ns_default_, 100);
  EXPECT_EQ(h.epoch, r[0].epoch);
  EXPECT_EQ(h.offset, 10u);
  EXPECT_EQ(offsets_of(h.messages), range(1, 10));
  h = history_ok(c, ns_default_, 3);
  EXPECT_EQ(offsets_of(h.messages), (Offsets{8, 9, 10}));
  EXPECT_NE(h.messages[0]->frame.bytes.find(data_n(8)), std::string::npos);
}

TEST_P(BrokerContract, HistoryLimitZero) {
  const auto c = ch("a");
  const auto r = publish_n(c, 4, ns_default_);
  const auto h = history_ok(c, ns_default_, 0);
  EXPECT_TRUE(h.messages.empty());
  EXPECT_EQ(h.offset, 4u);
  EXPECT_EQ(h.epoch, r[0].epoch);
  EXPECT_TRUE(history_ok(c, ns_default_, 0, core::StreamPosition{r[0].epoch, 0}).messages.empty());
}

TEST_P(BrokerContract, HistorySince) {
  const auto c = ch("a");
  const auto r = publish_n(c, 10, ns_default_);
  const auto& e = r[0].epoch;
  EXPECT_EQ(offsets_of(history_ok(c, ns_default_, 3, core::StreamPosition{e, 4}).messages), (Offsets{5, 6, 7}));
  EXPECT_EQ(offsets_of(history_ok(c, ns_default_, 100, core::StreamPosition{e, 8}).messages), (Offsets{9, 10}));
  EXPECT_EQ(offsets_of(history_ok(c, ns_default_, 100, core::StreamPosition{e, 0}).messages), range(1, 10));
  EXPECT_TRUE(history_ok(c, ns_default_, 100, core::StreamPosition{e, 10}).messages.empty());
  EXPECT_TRUE(history_ok(c, ns_default_, 100, core::StreamPosition{e, 50}).messages.empty());
}

TEST_P(BrokerContract, HistorySinceAnotherEpochGivesTheOldestRetained) {
  const auto c = ch("a");
  publish_n(c, 6, ns_small_);  // keeps 4, 5, 6
  EXPECT_EQ(offsets_of(history_ok(c, ns_small_, 2, core::StreamPosition{"other", 5}).messages), (Offsets{4, 5}));
}

TEST_P(BrokerContract, HistorySinceBeforeTheRetainedOnes) {
  const auto c = ch("a");
  const auto r = publish_n(c, 6, ns_small_);  // keeps 4, 5, 6
  EXPECT_EQ(offsets_of(history_ok(c, ns_small_, 2, core::StreamPosition{r[0].epoch, 1}).messages), (Offsets{4, 5}));
}

TEST_P(BrokerContract, HistoryLimitIsCappedByHistorySize) {
  const auto c = ch("a");
  const auto r = publish_n(c, 8, ns_small_);
  EXPECT_EQ(offsets_of(history_ok(c, ns_small_, 100).messages), (Offsets{6, 7, 8}));
  EXPECT_EQ(offsets_of(history_ok(c, ns_small_, 1000, core::StreamPosition{r[0].epoch, 0}).messages),
            (Offsets{6, 7, 8}));
  EXPECT_EQ(offsets_of(history_ok(c, ns_small_, ~std::size_t{0}).messages), (Offsets{6, 7, 8}));
}

TEST_P(BrokerContract, HistorySizeZeroKeepsNothing) {
  const auto c = ch("a");
  subscribe_ok(c, ns_none_);
  const auto r = publish_n(c, 3, ns_none_);
  EXPECT_EQ(r.back().offset, 3u);  // a subscribed channel keeps its counter
  const auto h = history_ok(c, ns_none_, 100);
  EXPECT_TRUE(h.messages.empty());
  EXPECT_EQ(h.offset, 3u);
  EXPECT_FALSE(recover_ok(c, ns_none_, core::StreamPosition{r[0].epoch, 1}).recovered);
  EXPECT_FALSE(recover_ok(c, ns_none_, core::StreamPosition{r[0].epoch, 0}).recovered);
  const auto rec = recover_ok(c, ns_none_, core::StreamPosition{r[0].epoch, 3});
  EXPECT_TRUE(rec.recovered);  // nothing missed
  EXPECT_TRUE(rec.messages.empty());
  // Live delivery does not depend on history.
  ASSERT_TRUE(sink_->wait_until([](const auto& pubs) { return pubs.size() >= 3; }, k_call_timeout));
  EXPECT_EQ(offsets_of(sink_->of(c)), (Offsets{1, 2, 3}));
}

TEST_P(BrokerContract, HistorySizeZeroUnsubscribedKeepsNothing) {
  const auto c = ch("a");
  publish_n(c, 3, ns_none_);
  EXPECT_TRUE(history_ok(c, ns_none_, 100).messages.empty());
  EXPECT_TRUE(sink_->snapshot().empty());
}

// --- Expiry (history_ttl) and the channel's lifetime ---

TEST_P(BrokerContract, HistoryExpiresAfterTtl) {
  const auto c = ch("a");
  subscribe_ok(c, ns_short_ttl_);  // keeps the channel's state through expiry
  const auto start = std::chrono::steady_clock::now();
  const auto r = publish_n(c, 2, ns_short_ttl_);
  const auto h = history_ok(c, ns_short_ttl_, 100);
  if (std::chrono::steady_clock::now() - start < 900ms) {
    EXPECT_EQ(offsets_of(h.messages), (Offsets{1, 2})) << "retained within the ttl";
  }
  ASSERT_TRUE(eventually([&] { return history_ok(c, ns_short_ttl_, 100).messages.empty(); }, 3000ms))
      << "history must expire after history_ttl = 1 s";
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1000ms) << "expired before the ttl";
  // The subscribed channel keeps its epoch and counter.
  const auto after = history_ok(c, ns_short_ttl_, 100);
  EXPECT_EQ(after.epoch, r[0].epoch);
  EXPECT_EQ(after.offset, 2u);
  EXPECT_FALSE(recover_ok(c, ns_short_ttl_, core::StreamPosition{r[0].epoch, 0}).recovered);
  EXPECT_TRUE(recover_ok(c, ns_short_ttl_, core::StreamPosition{r[0].epoch, 2}).recovered);
  const auto next = publish_ok(c, "3", ns_short_ttl_);
  EXPECT_EQ(next.offset, 3u);
  EXPECT_EQ(next.epoch, r[0].epoch);
}

TEST_P(BrokerContract, UnsubscribedChannelKeepsItsStateWhileHistoryIsRetained) {
  const auto c = ch("a");
  subscribe_ok(c, ns_default_);
  const auto r = publish_n(c, 2, ns_default_);
  unsubscribe(c);
  const auto next = publish_ok(c, "3", ns_default_);
  EXPECT_EQ(next.offset, 3u);
  EXPECT_EQ(next.epoch, r[0].epoch);
  EXPECT_TRUE(recover_ok(c, ns_default_, core::StreamPosition{r[0].epoch, 1}).recovered);
}

TEST_P(BrokerContract, StateIsDroppedWhenUnsubscribedAndExpired) {
  const auto c = ch("a");
  subscribe_ok(c, ns_short_ttl_);
  const auto r = publish_n(c, 2, ns_short_ttl_);
  unsubscribe(c);
  const std::string old_epoch = r[0].epoch;
  // Once history has expired and no one is subscribed, the channel starts over.
  ASSERT_TRUE(eventually([&] { return recover_ok(c, ns_short_ttl_, std::nullopt).epoch != old_epoch; }, 3000ms))
      << "the channel's state must be dropped after its history expired";
  const auto next = publish_ok(c, "again", ns_short_ttl_);
  EXPECT_EQ(next.offset, 1u);
  EXPECT_NE(next.epoch, old_epoch);
  const auto rec = recover_ok(c, ns_short_ttl_, core::StreamPosition{old_epoch, 2});
  EXPECT_FALSE(rec.recovered) << "old positions do not recover";
  EXPECT_EQ(rec.epoch, next.epoch);
}

TEST_P(BrokerContract, HealthyFromAnyThread) { EXPECT_TRUE(broker_->healthy()); }

}  // namespace
}  // namespace wshub::broker::testing

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BrokerContract);
