// RedisBroker: the Broker contract on one and on two shards against a real
// redis-server (one per test binary; tests use unique channel names).
#include "broker/redis_broker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "../redis/redis_server.hpp"
#include "broker/redis_keys.hpp"
#include "broker_fixture.hpp"
#include "redis/connection.hpp"

namespace wshub::broker::testing {
namespace {

// The server for this binary, started on first use; nullptr when it cannot run.
redis::test::RedisServer* shared_server() {
  static auto server = [] {
    auto s = redis::test::RedisServer::start();
    return s ? std::move(*s) : nullptr;
  }();
  return server.get();
}

BrokerFactory redis_factory(std::size_t shards) {
  return BrokerFactory{
      "redis_" + std::to_string(shards) + "_shard" + (shards == 1 ? "" : "s"), shards,
      [](std::vector<boost::asio::any_io_executor> executors, PublicationSink& sink) -> std::unique_ptr<Broker> {
        auto* server = shared_server();
        if (server == nullptr) return nullptr;
        RedisBrokerOptions opts;
        opts.url.host = "127.0.0.1";
        opts.url.port = server->port();
        opts.instance_id = "contract";
        auto b = std::make_unique<RedisBroker>(executors, sink, std::move(opts));
        b->start();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!b->healthy() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        EXPECT_TRUE(b->healthy()) << "RedisBroker did not connect within 5 s";
        return b;
      }};
}

// Sends one command to `port` on a connection of its own and waits for the
// reply; an error reply is an error too.
core::Expected<redis::Reply, std::string> redis_call(std::uint16_t port, std::vector<std::string> argv) {
  boost::asio::io_context io;
  redis::RedisUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  auto conn = redis::Connection::create(io.get_executor(), url, {});
  std::optional<core::Expected<redis::Reply, std::string>> result;
  conn->connect([&](core::Expected<void, std::string> r) {
    if (!r) {
      result = core::unexpected(r.error());
      return;
    }
    conn->command(std::move(argv), [&](core::Expected<redis::Reply, std::string> reply) { result = std::move(reply); });
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
  conn->close();
  if (!result) return core::unexpected(std::string("no reply within 5 s"));
  if (*result && (*result)->type == redis::Reply::Type::error) return core::unexpected((*result)->str);
  return std::move(*result);
}

class RedisBrokerScripts : public BrokerTest {
 protected:
  void SetUp() override {
    if (shared_server() == nullptr) GTEST_SKIP() << "redis-server is not available here";
  }
  std::uint16_t port() const { return shared_server()->port(); }
};

// The first publications on a Redis without the scripts (a fresh or restarted
// server) must not race a NOSCRIPT retry: the broker loads both scripts on
// each command connection before it reports healthy.
TEST_F(RedisBrokerScripts, ScriptsAreLoadedBeforeTheBrokerIsHealthy) {
  const auto flushed = redis_call(port(), {"SCRIPT", "FLUSH"});
  ASSERT_TRUE(flushed) << flushed.error();
  start(redis_factory(2));
  const auto exists =
      redis_call(port(), {"SCRIPT", "EXISTS", redis_keys::publish_script_sha(), redis_keys::read_script_sha()});
  ASSERT_TRUE(exists) << exists.error();
  ASSERT_EQ(exists->type, redis::Reply::Type::array);
  ASSERT_EQ(exists->elements.size(), 2u);
  EXPECT_EQ(exists->elements[0].integer, 1);
  EXPECT_EQ(exists->elements[1].integer, 1);
}

// A script cache flushed while the broker runs costs one EVAL, not a failure.
TEST_F(RedisBrokerScripts, PublishingContinuesAfterTheScriptCacheIsFlushed) {
  start(redis_factory(1));
  const auto c = ch("flushed");
  EXPECT_EQ(publish_ok(c, "1", ns_default_).offset, 1u);
  const auto flushed = redis_call(port(), {"SCRIPT", "FLUSH"});
  ASSERT_TRUE(flushed) << flushed.error();
  EXPECT_EQ(publish_ok(c, "2", ns_default_).offset, 2u);
  EXPECT_EQ(offsets_of(history_ok(c, ns_default_, 10).messages), (std::vector<std::uint64_t>{1, 2}));
}

// The script cache flushed and loaded again from elsewhere, again and again,
// while two shards publish at a steady pace (as independent publishers do,
// not waiting for each other's answers): a publication that met NOSCRIPT goes
// again ahead of every later one of its shard, or fails; it never lands
// behind one its shard made after it.
TEST_F(RedisBrokerScripts, PublicationsKeepTheirOrderWhileTheScriptCacheIsFlushed) {
  start(redis_factory(2));
  constexpr int k_per_shard = 3000;
  constexpr int k_per_tick = 3;  // every 100 us
  struct Outcome {
    int n;
    std::optional<std::uint64_t> offset;  // empty: refused
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::vector<Outcome>> outcomes(2);  // per shard, guarded by mutex
  int finished = 0;                               // shards with every answer, guarded by mutex
  int issued = 0;                                 // shards past their last tick, guarded by mutex
  std::vector<std::string> channels{ch_on_shard("flush-a", 0), ch_on_shard("flush-b", 1)};
  // Each shard publishes 1..k_per_shard to its channel from a timer.
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers;
  std::vector<std::function<void(int)>> tick(2);
  for (std::size_t shard = 0; shard < 2; ++shard) {
    timers.push_back(std::make_unique<boost::asio::steady_timer>(threads_->executor(shard)));
    tick[shard] = [&, shard](int next) {
      for (int n = next; n < next + k_per_tick && n <= k_per_shard; ++n) {
        broker_->publish(shard, channels[shard], data_n(n), ns_default_,
                         [&, shard, n](core::Expected<PublishResult, BrokerError> r) {
                           // Notified under the lock: the test may end as soon as it sees `finished`.
                           std::lock_guard lock(mutex);
                           outcomes[shard].push_back({n, r ? std::optional(r->offset) : std::nullopt});
                           if (outcomes[shard].size() == static_cast<std::size_t>(k_per_shard)) ++finished;
                           cv.notify_all();
                         });
      }
      if (next + k_per_tick > k_per_shard) {
        std::lock_guard lock(mutex);  // from here on this frame is not used: the test may end
        ++issued;
        cv.notify_all();
        return;
      }
      timers[shard]->expires_after(std::chrono::microseconds(100));
      timers[shard]->async_wait([&, shard, next](boost::system::error_code ec) {
        if (!ec) tick[shard](next + k_per_tick);
      });
    };
    boost::asio::post(threads_->executor(shard), [&, shard] { tick[shard](1); });
  }
  // Flushed, then loaded again from elsewhere a moment later (as another
  // instance's retry would): calls sent before the load fail, later ones run.
  // No early return: the shards' callbacks use this frame until `finished`.
  int flushes = 0;
  const auto deadline = std::chrono::steady_clock::now() + k_call_timeout;
  for (;;) {
    {
      std::unique_lock lock(mutex);
      if (cv.wait_for(lock, std::chrono::microseconds(200), [&] { return finished == 2 && issued == 2; })) break;
    }
    if (std::chrono::steady_clock::now() < deadline) {
      EXPECT_TRUE(redis_call(port(), {"SCRIPT", "FLUSH"}));
      EXPECT_TRUE(redis_call(port(), {"SCRIPT", "LOAD", std::string(redis_keys::k_publish_script)}));
      ++flushes;
    }
  }
  std::string metrics;
  broker_->render_metrics(metrics);
  EXPECT_EQ(metrics.find("wshub_broker_script_noscript_total 0\n"), std::string::npos)
      << "no publication met NOSCRIPT (" << flushes << " flushes): the test proves nothing\n"
      << metrics;
  std::lock_guard lock(mutex);
  for (std::size_t shard = 0; shard < 2; ++shard) {
    auto& got = outcomes[shard];
    std::sort(got.begin(), got.end(), [](const Outcome& a, const Outcome& b) { return a.n < b.n; });
    std::uint64_t last = 0;
    int applied = 0;
    for (const auto& o : got) {
      if (!o.offset) continue;
      ++applied;
      EXPECT_GT(*o.offset, last) << "shard " << shard << ": publication " << o.n << " landed behind a later one";
      last = *o.offset;
    }
    // Refused are only those a later call overtook: a few per flush.
    EXPECT_GT(applied, k_per_shard / 4) << "shard " << shard << ": too few publications went through";
    // History agrees: its entries, in offset order, are in publication order.
    const auto h = history_ok(channels[shard], ns_default_, 100);
    ASSERT_FALSE(h.messages.empty());
    int previous = 0;
    for (const auto& m : h.messages) {
      const auto at = m->frame.bytes.find("{\"n\":");
      ASSERT_NE(at, std::string::npos) << m->frame.bytes;
      const int n = std::atoi(m->frame.bytes.c_str() + at + 5);
      EXPECT_GT(n, previous) << "shard " << shard << ": history holds " << n << " after " << previous;
      previous = n;
    }
  }
}

// Same fixture: a Redis server for the binary, the broker started per test.
using RedisBrokerPublish = RedisBrokerScripts;

// Redis orders a channel's publications, so each shard publishes on its own
// connection: offsets stay consecutive and every publication reaches the
// owner's sink in offset order, whichever shard sent it.
TEST_F(RedisBrokerPublish, EveryShardPublishesOnItsOwnConnectionAndOffsetsStayInOrder) {
  start(redis_factory(2));
  ASSERT_TRUE(broker_->publishes_on_any_shard());
  const auto c = ch_on_shard("any-shard", 0);
  subscribe_ok(c, ns_default_);
  constexpr std::uint64_t k_count = 20;
  for (std::uint64_t i = 1; i <= k_count; ++i) {
    const auto r = publish_from(i % 2, c, data_n(static_cast<int>(i)), ns_default_);  // other, owner, other...
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->offset, i);
  }
  ASSERT_TRUE(sink_->wait_until(
      [&](const std::vector<core::PublicationPtr>& pubs) {
        return std::count_if(pubs.begin(), pubs.end(), [&](const auto& p) { return p->channel == c; }) >=
               static_cast<std::ptrdiff_t>(k_count);
      },
      k_call_timeout));
  EXPECT_EQ(offsets_of(sink_->of(c)), range(1, k_count));
  // History holds them in the same order (TearDown checks that each handler
  // ran on the publishing shard, i.e. on its partition).
  EXPECT_EQ(offsets_of(history_ok(c, ns_default_, 100).messages), range(1, k_count));
}

INSTANTIATE_TEST_SUITE_P(Redis, BrokerContract, ::testing::Values(redis_factory(1), redis_factory(2)), factory_name);

}  // namespace
}  // namespace wshub::broker::testing
