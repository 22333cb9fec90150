// Test harness for Broker implementations: shard threads with their
// executors, a PublicationSink that records what it receives, and the factory
// through which each implementation joins the contract tests
// (broker_contract_test.cpp).
//
// Thread-safety: ShardThreads is created and destroyed by the test thread;
// executors() and on_owner_thread() may be called from any thread.
// RecordingSink is called on the shard threads and read by the test thread
// under its mutex.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/broker.hpp"
#include "core/channel_name.hpp"

namespace wshub::broker::testing {

// N io_contexts, one thread each: the shards of the contract.
class ShardThreads {
 public:
  explicit ShardThreads(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
      guards_.emplace_back(contexts_.back()->get_executor());
    }
    for (auto& ctx : contexts_) threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
  ~ShardThreads() { stop(); }
  ShardThreads(const ShardThreads&) = delete;
  ShardThreads& operator=(const ShardThreads&) = delete;

  std::size_t size() const noexcept { return contexts_.size(); }

  std::vector<boost::asio::any_io_executor> executors() const {
    std::vector<boost::asio::any_io_executor> out;
    for (const auto& ctx : contexts_) out.emplace_back(ctx->get_executor());
    return out;
  }

  std::size_t owner(std::string_view channel) const { return core::owner_shard(channel, contexts_.size()); }

  boost::asio::any_io_executor executor_for(std::string_view channel) const {
    return contexts_[owner(channel)]->get_executor();
  }

  bool on_owner_thread(std::string_view channel) const { return on_thread(owner(channel)); }
  bool on_thread(std::size_t shard) const { return contexts_[shard]->get_executor().running_in_this_thread(); }
  boost::asio::any_io_executor executor(std::size_t shard) const { return contexts_[shard]->get_executor(); }

  // Stops every shard and joins its thread; pending handlers are dropped.
  void stop() {
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

class RecordingSink final : public PublicationSink {
 public:
  explicit RecordingSink(const ShardThreads& threads) : threads_(threads) {}

  void on_publication(const core::PublicationPtr& pub) override {
    const bool on_owner = threads_.on_owner_thread(pub->channel);
    {
      std::lock_guard lock(mutex_);
      pubs_.push_back(pub);
      if (!on_owner) ++off_thread_;
    }
    cv_.notify_all();
  }

  std::vector<core::PublicationPtr> snapshot() const {
    std::lock_guard lock(mutex_);
    return pubs_;
  }

  // The recorded publications of `channel`, in arrival order.
  std::vector<core::PublicationPtr> of(std::string_view channel) const {
    std::lock_guard lock(mutex_);
    std::vector<core::PublicationPtr> out;
    for (const auto& p : pubs_) {
      if (p->channel == channel) out.push_back(p);
    }
    return out;
  }

  // Waits until `pred(publications)` holds; false on timeout.
  bool wait_until(const std::function<bool(const std::vector<core::PublicationPtr>&)>& pred,
                  std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return pred(pubs_); });
  }

  std::size_t off_thread_calls() const {
    std::lock_guard lock(mutex_);
    return off_thread_;
  }

 private:
  const ShardThreads& threads_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::vector<core::PublicationPtr> pubs_;  // GUARDED_BY(mutex_)
  std::size_t off_thread_ = 0;              // GUARDED_BY(mutex_)
};

// How the contract tests get a broker of one implementation.
struct BrokerFactory {
  std::string name;  // a gtest name: [A-Za-z0-9_]
  std::size_t shard_count = 1;
  // Returns the broker, started, or nullptr when the implementation cannot run
  // here (for example no Redis server): the tests are then skipped.
  std::function<std::unique_ptr<Broker>(std::vector<boost::asio::any_io_executor>, PublicationSink&)> make;
};

// gtest prints the factory by its name (test names and ctest listings).
inline void PrintTo(const BrokerFactory& f, std::ostream* os) { *os << f.name; }

inline std::string factory_name(const ::testing::TestParamInfo<BrokerFactory>& info) { return info.param.name; }

}  // namespace wshub::broker::testing
