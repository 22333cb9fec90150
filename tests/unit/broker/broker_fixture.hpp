// BrokerTest: a fixture that runs a Broker on real shard threads and calls it
// the way the hub must (broker.hpp): every call about a channel is posted to
// that channel's owner shard, and the test thread waits for the handler.
//
// BrokerContract is the value-parameterized suite every Broker implementation
// must pass; an implementation joins it with
//   INSTANTIATE_TEST_SUITE_P(Name, BrokerContract, ::testing::Values(factory...), factory_name);
// Thread-safety: the helpers are called from the test thread only.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "broker_harness.hpp"
#include "config/config.hpp"

namespace wshub::broker::testing {

inline constexpr std::chrono::milliseconds k_call_timeout{5000};

inline std::vector<std::uint64_t> offsets_of(const std::vector<core::PublicationPtr>& pubs) {
  std::vector<std::uint64_t> out;
  for (const auto& p : pubs) out.push_back(p->offset);
  return out;
}

inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (auto o = first; o <= last; ++o) out.push_back(o);
  return out;
}

inline config::NamespaceOptions namespace_options(std::size_t history_size, std::chrono::seconds ttl) {
  config::NamespaceOptions ns;
  ns.history_size = history_size;
  ns.history_ttl = ttl;
  return ns;
}

class BrokerTest : public ::testing::Test {
 protected:
  // Creates the shard threads and the broker; skips the test when the factory cannot.
  void start(const BrokerFactory& factory) {
    threads_ = std::make_unique<ShardThreads>(factory.shard_count);
    sink_ = std::make_unique<RecordingSink>(*threads_);
    broker_ = factory.make(threads_->executors(), *sink_);
    if (!broker_) GTEST_SKIP() << factory.name << " is not available here";
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "t%08x", rd());
    prefix_ = buf;
  }

  void TearDown() override {
    if (broker_) {
      broker_->stop();
      EXPECT_EQ(off_thread_handlers_.load(), 0) << "handlers must run on the shard that made the call";
      EXPECT_EQ(repeated_handlers_.load(), 0) << "each handler must run exactly once";
      EXPECT_EQ(sink_->off_thread_calls(), 0u) << "publications must reach the sink on the owner shard";
    }
    if (threads_) threads_->stop();
    broker_.reset();
    sink_.reset();
    threads_.reset();
  }

  // A channel name of this test (unique per run, for brokers with shared state).
  std::string ch(std::string_view name) const { return prefix_ + "." + std::string(name); }

  // A channel of this test owned by `shard` (mod the shard count).
  std::string ch_on_shard(std::string_view name, std::size_t shard) const {
    shard %= threads_->size();
    for (int i = 0;; ++i) {
      std::string c = ch(name) + "." + std::to_string(i);
      if (threads_->owner(c) == shard) return c;
    }
  }

  // Runs `start_call(handler)` on the owner of `channel` and waits for the handler.
  template <class T>
  core::Expected<T, BrokerError> call(const std::string& channel, std::function<void(Handler<T>)> start_call) {
    return call_on<T>(threads_->owner(channel), channel, std::move(start_call));
  }

  // Runs `start_call(handler)` on shard `shard` and waits for the handler,
  // which must run once, on that shard (`what` names the call in failures).
  template <class T>
  core::Expected<T, BrokerError> call_on(std::size_t shard, const std::string& what,
                                         std::function<void(Handler<T>)> start_call) {
    using R = core::Expected<T, BrokerError>;
    struct State {
      std::promise<R> promise;
      std::atomic<int> calls{0};
    };
    auto st = std::make_shared<State>();
    auto fut = st->promise.get_future();
    boost::asio::post(threads_->executor(shard), [this, shard, start_call = std::move(start_call), st] {
      start_call([this, shard, st](R r) {
        if (!threads_->on_thread(shard)) ++off_thread_handlers_;
        if (st->calls.fetch_add(1) == 0) {
          st->promise.set_value(std::move(r));
        } else {
          ++repeated_handlers_;
        }
      });
    });
    if (fut.wait_for(k_call_timeout) != std::future_status::ready) {
      ADD_FAILURE() << "no handler call for " << what << " within " << k_call_timeout.count() << " ms";
      return core::unexpected(BrokerError{0, "test: timed out"});
    }
    return fut.get();
  }

  // Runs `fn` on the owner of `channel` and waits until it has run.
  void run_on_owner(const std::string& channel, std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    boost::asio::post(threads_->executor_for(channel), [fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    ASSERT_EQ(fut.wait_for(k_call_timeout), std::future_status::ready);
  }

  core::Expected<PublishResult, BrokerError> publish(const std::string& channel, const std::string& data,
                                                     const config::NamespaceOptions& ns) {
    return call<PublishResult>(channel, [this, channel, data, ns](Handler<PublishResult> h) {
      broker_->publish(threads_->owner(channel), channel, data, ns, std::move(h));
    });
  }

  // Publishes from shard `shard`, which need not own the channel (only for a
  // broker whose publishes_on_any_shard()), and waits for the handler, which
  // must run on that shard.
  core::Expected<PublishResult, BrokerError> publish_from(std::size_t shard, const std::string& channel,
                                                          const std::string& data, const config::NamespaceOptions& ns) {
    return call_on<PublishResult>(shard, channel, [this, shard, channel, data, ns](Handler<PublishResult> h) {
      broker_->publish(shard, channel, data, ns, std::move(h));
    });
  }

  PublishResult publish_ok(const std::string& channel, const std::string& data, const config::NamespaceOptions& ns) {
    auto r = publish(channel, data, ns);
    EXPECT_TRUE(r) << "publish " << channel << ": " << (r ? "" : r.error().message);
    return r ? r.value() : PublishResult{};
  }

  // Publishes n messages {"n":1}..{"n":n}; returns the results.
  std::vector<PublishResult> publish_n(const std::string& channel, int n, const config::NamespaceOptions& ns) {
    std::vector<PublishResult> out;
    for (int i = 1; i <= n; ++i) out.push_back(publish_ok(channel, data_n(i), ns));
    return out;
  }

  static std::string data_n(int i) { return "{\"n\":" + std::to_string(i) + "}"; }

  void subscribe_ok(const std::string& channel, const config::NamespaceOptions& ns) {
    auto r = call<void>(channel, [this, channel, ns](VoidHandler h) { broker_->subscribe(channel, ns, std::move(h)); });
    EXPECT_TRUE(r) << "subscribe " << channel << ": " << (r ? "" : r.error().message);
  }

  void unsubscribe(const std::string& channel) {
    run_on_owner(channel, [this, channel] { broker_->unsubscribe(channel); });
  }

  RecoveryResult recover_ok(const std::string& channel, const config::NamespaceOptions& ns,
                            std::optional<core::StreamPosition> since) {
    auto r = call<RecoveryResult>(channel, [this, channel, ns, since](Handler<RecoveryResult> h) {
      broker_->recover(channel, ns, since, std::move(h));
    });
    EXPECT_TRUE(r) << "recover " << channel << ": " << (r ? "" : r.error().message);
    return r ? r.value() : RecoveryResult{};
  }

  HistoryResult history_ok(const std::string& channel, const config::NamespaceOptions& ns, std::size_t limit,
                           std::optional<core::StreamPosition> since = std::nullopt) {
    HistoryQuery q;
    q.limit = limit;
    q.since = std::move(since);
    auto r = call<HistoryResult>(
        channel, [this, channel, ns, q](Handler<HistoryResult> h) { broker_->history(channel, ns, q, std::move(h)); });
    EXPECT_TRUE(r) << "history " << channel << ": " << (r ? "" : r.error().message);
    return r ? r.value() : HistoryResult{};
  }

  // Polls `pred` every 20 ms until it holds or `timeout` passes.
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    boost::asio::io_context io;
    boost::asio::steady_timer timer(io);
    for (;;) {
      if (pred()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      timer.expires_after(std::chrono::milliseconds(20));
      timer.wait();
    }
  }

  // Namespaces used by the tests.
  const config::NamespaceOptions ns_default_ = namespace_options(100, std::chrono::seconds(300));
  const config::NamespaceOptions ns_small_ = namespace_options(3, std::chrono::seconds(300));
  const config::NamespaceOptions ns_short_ttl_ = namespace_options(100, std::chrono::seconds(1));
  const config::NamespaceOptions ns_none_ = namespace_options(0, std::chrono::seconds(300));

  std::unique_ptr<ShardThreads> threads_;
  std::unique_ptr<RecordingSink> sink_;
  std::unique_ptr<Broker> broker_;
  std::string prefix_;
  std::atomic<int> off_thread_handlers_{0};
  std::atomic<int> repeated_handlers_{0};
};

class BrokerContract : public BrokerTest, public ::testing::WithParamInterface<BrokerFactory> {
 protected:
  void SetUp() override { start(GetParam()); }
};

}  // namespace wshub::broker::testing
