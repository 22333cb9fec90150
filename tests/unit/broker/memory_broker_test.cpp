// MemoryBroker: the Broker contract on one and on two shards, plus what
// docs/PROTOCOL.md says of the memory broker in particular.
#include "broker/memory_broker.hpp"

#include <gtest/gtest.h>

#include <set>

#include "broker_fixture.hpp"

namespace wshub::broker::testing {
namespace {

BrokerFactory memory_factory(std::size_t shards) {
  return BrokerFactory{
      "memory_" + std::to_string(shards) + "_shard" + (shards == 1 ? "" : "s"), shards,
      [](std::vector<boost::asio::any_io_executor> executors, PublicationSink& sink) -> std::unique_ptr<Broker> {
        auto b = std::make_unique<MemoryBroker>(std::move(executors), sink);
        b->start();
        return b;
      }};
}

INSTANTIATE_TEST_SUITE_P(Memory, BrokerContract, ::testing::Values(memory_factory(1), memory_factory(2)), factory_name);

class MemoryBrokerTest : public BrokerTest {
 protected:
  void SetUp() override { start(memory_factory(2)); }
};

bool is_hex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The memory broker assigns offsets on the owner shard: publications must go there.
TEST_F(MemoryBrokerTest, PublishesOnlyOnTheOwnerShard) { EXPECT_FALSE(broker_->publishes_on_any_shard()); }

TEST_F(MemoryBrokerTest, EpochIsSixteenHexDigits) {
  const auto r = publish_ok(ch("a"), "1", ns_default_);
  EXPECT_TRUE(is_hex16(r.epoch)) << r.epoch;
}

TEST_F(MemoryBrokerTest, EpochsAreRandomPerChannel) {
  std::set<std::string> epochs;
  for (int i = 0; i < 20; ++i) epochs.insert(publish_ok(ch("c" + std::to_string(i)), "1", ns_default_).epoch);
  EXPECT_EQ(epochs.size(), 20u);
}

TEST_F(MemoryBrokerTest, UnsubscribedChannelWithoutHistoryStartsOverOnEveryPublish) {
  // docs/PROTOCOL.md: state is dropped when a channel has no subscriber and no
  // retained history, so each publication starts a new epoch at offset 1.
  const auto c = ch("a");
  const auto first = publish_ok(c, "1", ns_none_);
  const auto second = publish_ok(c, "2", ns_none_);
  EXPECT_EQ(first.offset, 1u);
  EXPECT_EQ(second.offset, 1u);
  EXPECT_NE(first.epoch, second.epoch);
}

TEST_F(MemoryBrokerTest, UnsubscribeWithoutHistoryDropsStateAtOnce) {
  const auto c = ch("a");
  subscribe_ok(c, ns_none_);
  const auto r = publish_n(c, 2, ns_none_);
  ASSERT_EQ(r.back().offset, 2u);
  unsubscribe(c);
  const auto next = publish_ok(c, "3", ns_none_);
  EXPECT_EQ(next.offset, 1u);
  EXPECT_NE(next.epoch, r[0].epoch);
}

class NullSink final : public PublicationSink {
 public:
  void on_publication(const core::PublicationPtr&) override {}
};

TEST(MemoryBrokerLifecycle, StopLetsTheShardsRunOutOfWork) {
  // Single-threaded, in the test thread: after stop() the sweep timer is
  // cancelled, so run() returns instead of sweeping forever.
  boost::asio::io_context io;
  NullSink sink;
  MemoryBroker broker({io.get_executor()}, sink);
  broker.start();
  broker.stop();
  const auto t0 = std::chrono::steady_clock::now();
  io.run_for(std::chrono::seconds(3));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_TRUE(io.stopped());
}

TEST(MemoryBrokerLifecycle, HandlersMayRunInline) {
  // broker.hpp allows handlers to run before the call returns; the memory
  // broker always does, which the hub may rely on for its ordering.
  boost::asio::io_context io;
  NullSink sink;
  MemoryBroker broker({io.get_executor()}, sink);
  bool done = false;
  broker.publish(0, "a", "1", config::NamespaceOptions{}, [&](core::Expected<PublishResult, BrokerError> r) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->offset, 1u);
    done = true;
  });
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace wshub::broker::testing
