// RedisPartition: one shard's share of the Redis broker. It owns the channels
// whose owner is its shard, two Redis connections on the shard's executor
// (commands and Pub/Sub), and their health. Publications received on its
// shard go out on its command connection whatever channel they are for:
// publish() needs no channel state, and Redis assigns the offset.
//
// - Lazy subscriptions: SUBSCRIBE/UNSUBSCRIBE of the partition's channels are
//   batched into one command per handler turn. A channel's subscribe
//   completes once Redis confirmed it and its position (epoch, offset) was
//   read, so recovery has no gap. Subscribe-while-unsubscribing waits for the
//   UNSUBSCRIBE and subscribes again.
// - Order: Pub/Sub payloads go through each channel's core::ChannelSequencer;
//   gaps (a lost message, a reconnect) are backfilled from the channel's
//   stream before later messages.
// - Epochs: a channel's meta (epoch, offset) expires with its history, so a
//   channel nobody subscribes to starts a new epoch once its history is gone;
//   while this instance has subscribers, it keeps the meta alive.
// - Scripts: publishes and reads are Lua scripts sent as EVALSHA (loaded
//   when the connection comes up). If Redis loses them under a live
//   connection, ScriptCallOrder sends the failed calls again in call order,
//   or refuses those a later call already overtook.
// - Health: every health_interval a probe is published on the command
//   connection to this partition's own probe channel; the command connection
//   must answer and the Pub/Sub connection must receive it within
//   health_timeout, or the connection is dropped and reconnected with jittered
//   backoff. After a Pub/Sub reconnect every channel is resubscribed and
//   backfilled from where it stopped.
//
// Thread-safety: every member function runs on the shard's executor (the
// broker facade posts start/stop there); healthy() and stats() are readable
// from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "broker/redis_broker_stats.hpp"
#include "broker/script_call_order.hpp"
#include "core/channel_sequencer.hpp"
#include "core/channel_index.hpp"  // core::StringHash
#include "redis/connection.hpp"

namespace wshub::broker {

struct RedisBrokerOptions {
  redis::RedisUrl url;
  std::string instance_id;
  // A dead or frozen Redis is noticed within health_timeout + health_interval.
  std::chrono::milliseconds health_interval{500};
  std::chrono::milliseconds health_timeout{2000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
};

class RedisPartition : public std::enable_shared_from_this<RedisPartition> {
 public:
  RedisPartition(std::size_t index, boost::asio::any_io_executor ex, PublicationSink& sink,
                 const RedisBrokerOptions& opts);

  void start();
  void stop();

  void publish(std::string_view channel, std::string_view raw_data, const config::NamespaceOptions& ns,
               Handler<PublishResult> done);
  void subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done);
  void unsubscribe(std::string_view channel);
  void recover(std::string_view channel, const config::NamespaceOptions& ns,
               const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done);
  void history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
               Handler<HistoryResult> done);

  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  const RedisBrokerStats& stats() const { return stats_; }
  boost::asio::any_io_executor executor() const { return ex_; }

 private:
  struct Channel {
    enum class State { subscribing, active, unsubscribing };
    State state = State::subscribing;
    config::NamespaceOptions ns;
    core::ChannelSequencer seq;
    std::vector<VoidHandler> waiters;  // subscribes waiting for the confirmation
    bool resubscribe = false;          // subscribe asked while unsubscribing
    bool needs_resync = false;         // position read failed after a reconnect
    std::chrono::steady_clock::time_point meta_touched{};  // last TTL refresh of its meta hash
  };
  using ChannelMap = std::unordered_map<std::string, Channel, core::StringHash, std::equal_to<>>;

  struct Link {
    std::shared_ptr<redis::Connection> conn;
    bool up = false;
    unsigned generation = 0;  // callbacks of an older connection are ignored
    unsigned attempt = 0;     // consecutive failed connects, for the backoff
    std::unique_ptr<boost::asio::steady_timer> retry;
  };

  // The position and entries a read script returned.
  struct Read {
    std::string epoch;
    std::uint64_t top = 0;
    std::vector<core::PublicationPtr> messages;  // oldest first, within history_size and history_ttl
  };
  enum class ReadMode { none, range, latest };
  using ReadHandler = std::function<void(core::Expected<Read, BrokerError>)>;

  // Connections.
  void connect(Link& link, bool pubsub);
  void on_connected(bool pubsub, unsigned generation);
  void load_scripts(unsigned generation);
  void on_command_link_ready();
  void on_lost(bool pubsub, unsigned generation, const std::string& reason);
  void drop(Link& link, bool pubsub, const std::string& reason);
  void schedule_reconnect(Link& link, bool pubsub);
  void update_health();
  void health_tick();
  void keep_meta_alive();

  // Subscriptions.
  void queue_subscribe(const std::string& channel);
  void queue_unsubscribe(const std::string& channel);
  void flush_subscriptions();
  void on_subscribed(const std::vector<std::string>& channels, bool ok, unsigned generation);
  void on_unsubscribed(const std::vector<std::string>& channels, unsigned generation);
  void sync_position(const std::string& channel);
  void fail_waiters(Channel& ch, const std::string& message);

  // Messages.
  void on_message(std::string_view pubsub_channel, std::string_view payload);
  void deliver(const std::string& channel, std::optional<core::ChannelSequencer::Range> gap,
               core::ChannelSequencer::Out& out);
  void backfill(const std::string& channel, core::ChannelSequencer::Range range);

  // Scripts. A call keeps what it needs to be sent again after NOSCRIPT.
  struct ScriptCall {
    std::string_view script;  // static storage (redis_keys)
    const std::string* sha;   // idem
    std::vector<std::string> argv;
    std::function<void(core::Expected<redis::Reply, std::string>)> done;
  };
  void eval(std::string_view script, const std::string& sha, std::vector<std::string> argv,
            std::function<void(core::Expected<redis::Reply, std::string>)> done);
  void send_script(ScriptCall call, bool as_eval);
  void on_script_answer(unsigned generation, ScriptCall call, core::Expected<redis::Reply, std::string> r);
  void fail_script_calls(std::vector<ScriptCall> calls, const std::string& reason);
  // `touch`: refresh the meta's TTL too (a subscription starts).
  void read(std::string_view channel, const config::NamespaceOptions& ns, ReadMode mode, std::string first,
            std::string last, std::size_t count, ReadHandler done, bool touch = false);
  std::string new_epoch();

  const std::size_t index_;
  boost::asio::any_io_executor ex_;
  PublicationSink& sink_;
  const RedisBrokerOptions& opts_;
  const std::string probe_channel_;
  Link cmd_, sub_;
  ScriptCallOrder<ScriptCall> script_order_;  // of cmd_'s current connection
  ChannelMap channels_;
  std::vector<std::string> to_subscribe_, to_unsubscribe_;
  bool flush_posted_ = false;
  bool stopped_ = false;
  boost::asio::steady_timer health_timer_;
  std::chrono::steady_clock::time_point last_cmd_reply_{}, last_probe_seen_{};
  bool probe_outstanding_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> healthy_{false};
  RedisBrokerStats stats_;
};

}  // namespace wshub::broker
