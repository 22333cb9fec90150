// Connection: one connection to one Redis server, on one Asio executor, built
// on hiredis's async API (through AsioAdapter).
//
// connect() resolves the host (asynchronously), connects without blocking and
// runs the handshake: AUTH when the URL has a password, SELECT when its db is
// not 0, CLIENT SETNAME when a client name is set, and a PING when none of
// these is needed, so success always means Redis answered. connect_timeout
// covers all of it. Reconnecting is the owner's business: a Connection is
// used once; create a new one.
//
// Callbacks. Every callback handed to a call (connect, command, subscribe,
// unsubscribe; an empty std::function counts as a no-op) runs exactly once,
// also when the connection fails, is closed or is destroyed: then with
// unexpected("connection lost: <reason>"). Callbacks and handlers are always
// posted to the executor, in the order the events happened, never run inside
// a call of this class nor inside hiredis, so they may call back into the
// connection, close it or drop it.
//
// Pub/Sub mode. The first subscribe() puts the connection in Pub/Sub mode for
// good (it stays there after every channel is unsubscribed; use a separate
// connection for other commands). In that mode Redis accepts only
// (UN)SUBSCRIBE and PING, so command() accepts PING [message] and refuses
// anything else locally. The PING reply is the array ["pong", message] (""
// without a message), as Redis sends it to a subscribed client; it arrives
// after every message Redis had queued for this connection before the PING,
// which makes it the health check and the companion of a delivery probe.
//
// hiredis 0.14 quirks this class works around (see connection.cpp):
// it drops a subscribed-mode PING reply (its callback waits forever), routes
// replies it cannot match to the previous callback of the same read, treats
// any error reply in subscribed mode as fatal, and ignores UNSUBSCRIBE
// confirmations for channels it does not track.
//
// Thread-safety: not thread-safe. Create, call and destroy it on its
// executor, which must run one handler at a time (an io_context run by one
// thread, or a strand): all callbacks run there too.
// Lifetime: the owner holds the shared_ptr; the connection does not keep
// itself alive. Dropping the last reference closes it: pending callbacks then
// get unexpected (still posted), the message and disconnect handlers are not
// called any more.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/expected.hpp"
#include "redis/redis_url.hpp"
#include "redis/reply.hpp"

struct redisAsyncContext;  // hiredis/async.h

namespace wshub::redis {

class AsioAdapter;

struct ConnectionOptions {
  // Name resolution + TCP connect + handshake. Zero: no limit.
  std::chrono::milliseconds connect_timeout{2000};
  // Sent with CLIENT SETNAME during the handshake when not empty.
  std::string client_name;
};

class Connection : public std::enable_shared_from_this<Connection> {
 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  using DoneHandler = std::function<void(core::Expected<void, std::string>)>;
  using ReplyHandler = std::function<void(core::Expected<Reply, std::string>)>;
  // The views are valid during the call only.
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;
  using DisconnectHandler = std::function<void(std::string reason)>;

  static std::shared_ptr<Connection> create(boost::asio::any_io_executor ex, RedisUrl url,
                                            ConnectionOptions options = {});

  Connection(Key, boost::asio::any_io_executor ex, RedisUrl url, ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects and runs the handshake; done(error) once. A failure names the
  // server and the step: "connect to 127.0.0.1:6379 failed: Connection
  // refused", "AUTH failed: WRONGPASS ...", "... timed out after 2000 ms".
  // REQUIRES: called once.
  void connect(DoneHandler done);

  // Sends one command; argv is binary-safe. done gets the Reply (a Redis error
  // reply is a Reply of Type::error) or unexpected when there is no reply from
  // Redis: "not connected", "connection lost: <reason>", or a local refusal of
  // a command this class cannot carry: (P|S)SUBSCRIBE and the unsubscribes
  // (use subscribe()), MONITOR, RESET, HELLO, SYNC, PSYNC, CLIENT REPLY, and
  // in Pub/Sub mode anything but PING [message]. Replies come in command order.
  void command(std::vector<std::string> argv, ReplyHandler done);

  // Subscribes to all channels with one SUBSCRIBE; done runs when Redis has
  // confirmed every one of them. Duplicates in the list are sent once.
  // Messages of a channel reach the message handler from its confirmation on.
  void subscribe(std::vector<std::string> channels, DoneHandler done);

  // Unsubscribes with one UNSUBSCRIBE; done runs when Redis has confirmed all.
  // No message of these channels reaches the handler once this is called.
  // Channels not subscribed are skipped (done still runs).
  void unsubscribe(std::vector<std::string> channels, DoneHandler done);

  // Receives every message of every subscribed channel.
  void on_message(MessageHandler handler);

  // Called once when an established connection (connect() succeeded) is
  // lost: the server closed it, a network error, CLIENT KILL, or close().
  void on_disconnect(DisconnectHandler handler);

  // connect() succeeded and the connection has not been lost or closed.
  bool connected() const noexcept { return state_ == State::connected; }

  // Disconnects now. Pending callbacks get unexpected("connection lost:
  // closed by the client"), on_disconnect runs if the connection was
  // established, a connect() in progress fails. Idempotent.
  void close();

 private:
  enum class State { idle, resolving, connecting, connected, closed };

  struct SubscriptionRequest {
    bool subscribe = true;
    std::size_t unconfirmed = 0;  // confirmations Redis still owes
    DoneHandler done;
  };
  struct PingRequest {
    std::string message;
    ReplyHandler done;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // A user-visible event, run later by run_events(); gets nullptr when the
  // connection was destroyed before it ran.
  using Event = std::function<void(Connection*)>;

  // hiredis callbacks (C function pointers); ac->data is the Connection.
  static void on_tcp_connect_thunk(const redisAsyncContext* ac, int status);
  static void on_reply_thunk(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_pubsub_thunk(redisAsyncContext* ac, void* reply, void* privdata);

  void on_resolved(const boost::system::error_code& ec, const boost::asio::ip::tcp::resolver::results_type& results);
  void connect_next_address();
  void send_handshake();
  void on_handshake_reply(std::uint64_t attempt, const std::string& step, bool last,
                          const core::Expected<Reply, std::string>& result);
  void on_connect_timeout();
  void fail_connect(std::string message);
  void finish_connect(core::Expected<void, std::string> result);

  bool send_argv(const std::vector<std::string>& argv, bool pubsub);
  void send_regular(const std::vector<std::string>& argv, ReplyHandler done);
  void send_pubsub_ping(std::string message, ReplyHandler done);
  void on_regular_reply(const redisAsyncContext* ac, const void* reply);
  void on_pubsub_reply(const void* reply);
  void on_subscription_confirmed(bool subscribe);
  void on_context_freed();
  void fail_pending(const std::string& reason);
  void free_context(std::string reason);
  std::string failure_reason(const redisAsyncContext* ac) const;
  std::string not_connected_message() const;

  void queue_event(Event event);
  void run_events();
  void fail_later(ReplyHandler done, std::string message);
  void fail_later(DoneHandler done, std::string message);

  boost::asio::any_io_executor executor_;
  RedisUrl url_;
  ConnectionOptions options_;
  State state_ = State::idle;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  std::vector<std::string> addresses_;  // numeric, tried in order
  std::size_t next_address_ = 0;
  std::string last_connect_error_;
  std::uint64_t attempt_ = 0;  // one per context, so late handshake replies of an old one are ignored
  bool tcp_connected_ = false;
  DoneHandler connect_done_;

  redisAsyncContext* context_ = nullptr;  // owned; freed with redisAsyncFree or by hiredis on errors
  std::shared_ptr<AsioAdapter> adapter_;
  std::string close_reason_;       // set before we free the context ourselves
  std::string disconnect_reason_;  // why the connection ended, for later calls
  bool close_requested_ = false;

  std::deque<ReplyHandler> replies_;  // in the order of hiredis's regular reply callbacks
  std::deque<PingRequest> pings_;     // Pub/Sub mode PINGs, in order
  std::deque<SubscriptionRequest> subscription_requests_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> channels_;  // subscribed or being subscribed
  bool pubsub_mode_ = false;

  std::shared_ptr<const MessageHandler> message_handler_;
  DisconnectHandler disconnect_handler_;

  std::vector<Event> events_;
  bool events_posted_ = false;
  bool destroying_ = false;
};

}  // namespace wshub::redis
