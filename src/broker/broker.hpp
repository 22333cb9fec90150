// Broker: where publications get their offsets and history, and how they reach
// every instance. MemoryBroker serves one process; RedisBroker (issue #3)
// joins many into one hub. Both must pass tests/unit/broker's contract tests.
//
// Thread-safety and executors: every call about a channel is made on that
// channel's owner shard thread (core::owner_shard(channel, shard_count)), and
// its handler runs on the same thread, possibly inline before the call
// returns. The one exception is publish() on a broker whose
// publishes_on_any_shard() is true: it may be called on any shard, and its
// handler runs on that shard. Publications reach the PublicationSink on the
// owner thread. healthy() and publishes_on_any_shard() may be called from
// any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "core/json_fields.hpp"
#include "core/publication.hpp"

namespace wshub::broker {

struct BrokerError {
  int code = 503;  // 503: broker unavailable; other codes as PROTOCOL.md section 3
  std::string message;
};

struct PublishResult {
  std::uint64_t offset = 0;
  std::string epoch;
};

// A channel's position plus, for a subscribe with `since`, what it missed.
struct RecoveryResult {
  std::string epoch;
  std::uint64_t offset = 0;   // latest offset of the channel
  bool recovered = false;     // meaningful only when `since` was given
  std::vector<core::PublicationPtr> messages;  // when recovered, oldest first
};

struct HistoryQuery {
  std::optional<core::StreamPosition> since;
  std::size_t limit = 100;
};

struct HistoryResult {
  std::string epoch;
  std::uint64_t offset = 0;
  std::vector<core::PublicationPtr> messages;  // oldest first
};

template <class T>
using Handler = std::function<void(core::Expected<T, BrokerError>)>;
using VoidHandler = std::function<void(core::Expected<void, BrokerError>)>;

class PublicationSink {
 public:
  virtual ~PublicationSink() = default;
  // A publication of a channel this instance is subscribed to, in offset order.
  virtual void on_publication(const core::PublicationPtr& pub) = 0;
};

class Broker {
 public:
  virtual ~Broker() = default;

  // `shard` is the shard this call runs on: the channel's owner, or any shard
  // when publishes_on_any_shard().
  virtual void publish(std::size_t shard, std::string_view channel, std::string_view raw_data,
                       const config::NamespaceOptions& ns, Handler<PublishResult> done) = 0;
  // True when the broker itself orders a channel's publications (Redis
  // assigns the offsets), so a publication need not travel to the owner
  // shard first: the hub calls publish() on the shard that received it.
  virtual bool publishes_on_any_shard() const noexcept { return false; }

  // Instance-level interest in a channel: from `done` on, its publications go
  // to the sink. Reference-counting across local subscribers is the caller's.
  virtual void subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done) = 0;
  virtual void unsubscribe(std::string_view channel) = 0;

  // The channel's position, and with `since` the missed publications
  // (PROTOCOL.md section 4). Publications delivered to the sink after this
  // call's handler ran have offsets above the returned `offset`.
  virtual void recover(std::string_view channel, const config::NamespaceOptions& ns,
                       const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) = 0;

  virtual void history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
                       Handler<HistoryResult> done) = 0;

  virtual bool healthy() const = 0;
  // Starts background work (timers, connections); call once the shards run.
  virtual void start() {}
  virtual void stop() {}
  // Appends the broker's own Prometheus families to a /metrics answer.
  virtual void render_metrics(std::string& /*out*/) const {}
};

}  // namespace wshub::broker
