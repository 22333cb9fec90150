// ManagedConnection: a Redis connection that reconnects by itself.
//
// It creates a Connection, connects, and after a loss or a failed connect
// creates a new one after a full-jitter backoff (100 ms doubling to 5 s).
// on_up runs after every successful (re)connect, so the owner can restore
// state (subscriptions); messages of a Pub/Sub connection go to on_message.
// It does not probe: a connection that stays open but stops answering is
// noticed by whoever waits for its replies.
//
// Thread-safety: not thread-safe; create, call and destroy it on its
// executor (one thread at a time), where every handler runs.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "redis/connection.hpp"

namespace wshub::redis {

class ManagedConnection : public std::enable_shared_from_this<ManagedConnection> {
 public:
  ManagedConnection(boost::asio::any_io_executor ex, RedisUrl url, std::string client_name);

  void on_up(std::function<void(Connection&)> handler) { on_up_ = std::move(handler); }
  void on_message(Connection::MessageHandler handler) { on_message_ = std::move(handler); }

  void start();
  void stop();

  // The connection while it is up, else nullptr.
  Connection* get() const { return up_ ? conn_.get() : nullptr; }
  std::uint64_t reconnects() const noexcept { return reconnects_; }

 private:
  void connect();
  void lost(unsigned generation, const std::string& reason);

  boost::asio::any_io_executor ex_;
  RedisUrl url_;
  std::string client_name_;
  std::shared_ptr<Connection> conn_;
  bool up_ = false;
  bool stopped_ = false;
  bool ever_up_ = false;
  unsigned generation_ = 0;
  unsigned attempt_ = 0;
  std::uint64_t reconnects_ = 0;
  boost::asio::steady_timer retry_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::function<void(Connection&)> on_up_;
  Connection::MessageHandler on_message_;
};

}  // namespace wshub::redis
