// ShardSet: the instance's shards, routing by channel owner, and
// scatter-gather across shards.
//
// Thread-safety: the set itself is immutable after construction; post() and
// gather() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <vector>

#include "core/channel_name.hpp"
#include "hub/shard.hpp"

namespace wshub::hub {

class ShardSet {
 public:
  explicit ShardSet(std::size_t count);

  std::size_t size() const noexcept { return shards_.size(); }
  Shard& at(std::size_t i) { return *shards_[i]; }
  const Shard& at(std::size_t i) const { return *shards_[i]; }
  std::size_t owner_of(std::string_view channel) const { return core::owner_shard(channel, shards_.size()); }
  // Whether `shard` is one of this set's (false for nullptr and for a shard
  // of another set, whatever its index).
  bool contains(const Shard* shard) const noexcept {
    return shard != nullptr && shard->index() < shards_.size() && shards_[shard->index()].get() == shard;
  }
  std::vector<boost::asio::any_io_executor> executors();

  template <class F>
  void post(std::size_t shard, F&& f) {
    boost::asio::post(shards_[shard]->io(), std::forward<F>(f));
  }

  // Runs map(shard) on every shard's thread, then done(results) on `reply_to`
  // with results in shard order. Each shard writes only its own slot.
  template <class T, class Map, class Done>
  void gather(Map map, boost::asio::any_io_executor reply_to, Done done) {
    struct State {
      std::vector<T> results;
      std::atomic<std::size_t> remaining{0};
      std::function<void(std::vector<T>)> done;
      boost::asio::any_io_executor reply_to;
    };
    auto st = std::make_shared<State>();
    st->results.resize(shards_.size());
    st->remaining.store(shards_.size(), std::memory_order_relaxed);
    st->done = std::move(done);
    st->reply_to = reply_to;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      post(i, [this, st, i, map] {
        st->results[i] = map(*shards_[i]);
        if (st->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          boost::asio::post(st->reply_to, [st] { st->done(std::move(st->results)); });
        }
      });
    }
  }

  void start_threads();
  void stop();
  void join();

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace wshub::hub
