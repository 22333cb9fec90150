// Shard: one worker thread with its io_context, and the state that thread
// owns: its client sessions, its local channel -> sessions index, the
// channels it owns instance-wide (ChannelTable), and its counters.
//
// A connection lives on one shard for its whole life, so session code is
// single-threaded. Other threads reach a shard only by posting to it.
// Thread-safety: members documented "owned" are touched only on this shard's
// thread; counters are readable from anywhere.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/channel_index.hpp"
#include "core/json_fields.hpp"
#include "hub/channel_table.hpp"
#include "net/transport_stats.hpp"
#include "net/write_batcher.hpp"

namespace wshub::hub {

class ClientSession;

struct ShardCounters {
  net::Counter connections;      // gauge
  net::Counter subscriptions;    // gauge: (session, channel) pairs active here
  net::Counter channels;         // gauge: channels owned here with local subscribers somewhere
  net::Counter connections_total;
  net::Counter publications_in;  // publish ops and API publishes accepted
  net::Counter ops_in;
  net::Counter op_errors;
  net::Counter rate_limited;
  net::Counter abuse_closes;            // closed 1008 after client_abuse_limit rate-limited ops
  net::Counter channel_limit_refusals;  // subscribes refused at max_channels_per_connection
  // WebSocket upgrades refused by the connection limits (core::ConnectionLimiter).
  net::Counter refused_max_connections;
  net::Counter refused_max_connections_per_ip;
  net::Counter refused_handshake_rate;
};

class Shard {
 public:
  explicit Shard(std::size_t index);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  std::size_t index() const noexcept { return index_; }
  boost::asio::io_context& io() noexcept { return io_; }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // The shard whose thread is running, or nullptr off the shard threads.
  static Shard* current() noexcept;

  void start_thread();
  void stop();
  void join();

  // A new client id, unique across the cluster by 64 random bits (core/client_id.hpp).
  std::string next_client_id();

  // --- owned by this shard's thread ---
  // With each channel, the position of the last publication delivered here
  // (or the subscribe reply's, before any): a subscribe to a channel this
  // shard already receives is answered from it, without the owner.
  core::ChannelIndex<ClientSession*, core::StreamPosition> subscribers;
  // Subscribe requests in flight (channel -> count), see ChannelRouter::join.
  std::unordered_map<std::string, std::uint32_t, core::StringHash, std::equal_to<>> pending_joins;
  ChannelTable owned_channels;
  std::unordered_map<std::string, std::shared_ptr<ClientSession>, core::StringHash, std::equal_to<>> sessions;
  std::unordered_map<std::string, std::vector<ClientSession*>, core::StringHash, std::equal_to<>> sessions_by_user;

  // True when neither a subscriber nor a pending subscribe of `channel` is here.
  bool channel_unused(std::string_view channel) const;

  // --- readable from any thread ---
  net::TransportStats transport;
  ShardCounters counters;

  // --- owned by this shard's thread; set before the thread starts ---
  // The sessions' deferred writes, sent together (null: each on its own).
  std::unique_ptr<net::WriteBatcher> writes;

 private:
  std::size_t index_;
  boost::asio::io_context io_{1};  // one thread: posts from one thread stay FIFO
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::mt19937_64 rng_;
};

}  // namespace wshub::hub
