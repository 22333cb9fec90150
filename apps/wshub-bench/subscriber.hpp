// Subscriber: a WebSocket connection subscribed to one channel, which checks
// and times what it receives.
//
// Set-up: TCP connect, upgrade, welcome, `subscribe` op and its reply, each
// stage timed from the start of the connect. Then a measured subscriber reads
// every frame, checks each message against its DeliveryTracker and records
// the end-to-end latency of first deliveries. A slow subscriber stops reading
// after its subscription; at the end resume_slow() reads again until a close
// frame, an error or silence, to learn whether the server closed it.
// Thread-safety: none; lives on its worker's thread (see Worker).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "delivery_tracker.hpp"
#include "ws_connection.hpp"

namespace wshub::bench {

class Worker;

struct SubscriberSpec {
  std::size_t index = 0;    // connection index in the run
  std::size_t channel = 0;  // channel index
  std::string channel_name;
  bool slow = false;
  bool socketio = false;  // --protocol socketio (socketio.hpp)
  ConnectPlan connect;
  std::chrono::steady_clock::duration setup_timeout{};
  std::uint64_t sequence_limit = 1u << 30;  // see DeliveryTracker
};

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(Worker& worker, SubscriberSpec spec);

  // Connects and subscribes; records timings or the failure in the worker's
  // stats. True when subscribed; then call start().
  boost::asio::awaitable<bool> set_up();
  // Starts reading (measured subscriber) or parks (slow subscriber).
  void start();
  // Slow subscriber, at the end: reads again and records how it ended.
  void resume_slow(std::chrono::steady_clock::duration silence);
  // Graceful close (close frame); the read loop ends when the peer answers.
  void close();
  void close_now();

  const SubscriberSpec& spec() const { return spec_; }
  bool subscribed() const { return subscribed_; }
  bool open() const { return open_; }
  const DeliveryTracker& tracker() const { return tracker_; }

 private:
  // After the upgrade: up to the subscribe reply; an error message or empty.
  boost::asio::awaitable<std::string> handshake(const SetupTimes& times);
  boost::asio::awaitable<std::string> handshake_socketio(const SetupTimes& times);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Subscriber> self);
  boost::asio::awaitable<void> slow_check(std::shared_ptr<Subscriber> self,
                                          std::chrono::steady_clock::duration silence);
  boost::asio::awaitable<void> close_gracefully(std::shared_ptr<Subscriber> self);
  void on_line(std::string_view line, std::int64_t now_ns);
  void on_closed_by_peer(const std::string& reason);

  Worker& worker_;
  SubscriberSpec spec_;
  WsConnection conn_;
  DeliveryTracker tracker_;
  bool subscribed_ = false;
  bool open_ = false;     // counted in LiveCounters::open
  bool closing_ = false;  // the tool started the close
};

}  // namespace wshub::bench
