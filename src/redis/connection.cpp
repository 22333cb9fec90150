#include "redis/connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <initializer_list>
#include <utility>

#include "redis/asio_adapter.hpp"

namespace wshub::redis {
namespace {

// PING in Pub/Sub mode, around two hiredis 0.14 behaviours:
//
// 1. In subscribed mode hiredis routes an array reply by looking its second
//    element up among the subscribed channels, or among the patterns when the
//    first element starts with 'p', which "pong" does. A reply it cannot find
//    gets no callback of its own, so the PING's callback would never run. On
//    entering Pub/Sub mode the connection therefore PSUBSCRIBEs
//    k_ping_pattern, which matches no channel ("[]" is an empty character
//    class), and sends each PING with that pattern as its message: the
//    ["pong", k_ping_pattern] reply finds the pattern's callback.
// 2. hiredis queues a callback for every command sent in subscribed mode other
//    than (P)SUBSCRIBE and (P)UNSUBSCRIBE, and only a non-array reply ever pops
//    it: one callback leaked per PING. So the PING is sent behind a
//    PUNSUBSCRIBE of k_unused_pattern (never subscribed) in one formatted
//    buffer: hiredis looks at the first command only and queues nothing. The
//    PUNSUBSCRIBE's reply matches no callback; on_pubsub_reply() ignores it
//    when hiredis hands it over anyway (it reuses the previous callback of the
//    same read for a reply it cannot match).
constexpr std::string_view k_ping_pattern = "[]wshub:ping";
constexpr std::string_view k_unused_pattern = "[]wshub:none";

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// REQUIRES: b is lower case.
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != b[i]) return false;
  }
  return true;
}

// Commands that would put hiredis's reply bookkeeping out of step with the
// server: the subscribe family (subscribe() keeps the books), commands with
// no reply or many replies per command, and protocol or state switches.
const char* refusal_hint(const std::vector<std::string>& argv) {
  static constexpr std::string_view k_pubsub[] = {"subscribe",   "psubscribe",   "ssubscribe",
                                                  "unsubscribe", "punsubscribe", "sunsubscribe"};
  static constexpr std::string_view k_other[] = {"monitor", "reset", "hello", "sync", "psync"};
  for (auto name : k_pubsub) {
    if (iequals(argv[0], name)) return " (use subscribe() and unsubscribe())";
  }
  for (auto name : k_other) {
    if (iequals(argv[0], name)) return "";
  }
  if (argv.size() >= 2 && iequals(argv[0], "client") && iequals(argv[1], "reply")) return "";
  return nullptr;
}

void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*' + std::to_string(args.size()) + "\r\n";
  for (auto arg : args) {
    out += '$' + std::to_string(arg.size()) + "\r\n";
    out.append(arg);
    out += "\r\n";
  }
}

}  // namespace

std::shared_ptr<Connection> Connection::create(boost::asio::any_io_executor ex, RedisUrl url,
                                               ConnectionOptions options) {
  return std::make_shared<Connection>(Key{}, std::move(ex), std::move(url), std::move(options));
}

Connection::Connection(Key, boost::asio::any_io_executor ex, RedisUrl url, ConnectionOptions options)
    : executor_(std::move(ex)),
      url_(std::move(url)),
      options_(std::move(options)),
      resolver_(executor_),
      connect_timer_(executor_) {}

Connection::~Connection() {
  destroying_ = true;
  message_handler_.reset();
  disconnect_handler_ = nullptr;
  if (context_ != nullptr) {
    free_context("connection destroyed");
  } else {
    fail_pending("connection lost: connection destroyed");
  }
  if (connect_done_) {
    finish_connect(core::unexpected("connect to " + url_.address() + " aborted: connection destroyed"));
  }
  // weak_from_this() has expired: hand the last events over by value.
  if (!events_.empty()) {
    boost::asio::post(executor_, [events = std::move(events_)] {
      for (const auto& event : events) event(nullptr);
    });
  }
}

// ---- connect ----------------------------------------------------------------

void Connection::connect(DoneHandler done) {
  if (!done) done = [](const core::Expected<void, std::string>&) {};
  if (state_ != State::idle) {
    fail_later(std::move(done), "connect() was already called on this connection");
    return;
  }
  connect_done_ = std::move(done);
  if (options_.connect_timeout.count() > 0) {
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->on_connect_timeout();
    });
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(url_.host, ec);
  if (!ec) {
    addresses_.push_back(address.to_string());
    state_ = State::connecting;
    connect_next_address();
    return;
  }
  // hiredis would resolve a name with a blocking getaddrinfo(); Asio's resolver
  // does it off the executor, and hiredis only ever gets numeric addresses.
  state_ = State::resolving;
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          [weak = weak_from_this()](const boost::system::error_code& rec,
                                                    const boost::asio::ip::tcp::resolver::results_type& results) {
                            if (auto self = weak.lock()) self->on_resolved(rec, results);
                          });
}

void Connection::on_resolved(const boost::system::error_code& ec,
                             const boost::asio::ip::tcp::resolver::results_type& results) {
  if (state_ != State::resolving) return;  // closed or timed out meanwhile
  if (ec) {
    fail_connect("cannot resolve Redis host '" + url_.host + "': " + ec.message());
    return;
  }
  for (const auto& entry : results) {
    auto ip = entry.endpoint().address().to_string();
    if (std::find(addresses_.begin(), addresses_.end(), ip) == addresses_.end()) addresses_.push_back(std::move(ip));
  }
  state_ = State::connecting;
  connect_next_address();
}

void Connection::connect_next_address() {
  if (state_ != State::connecting) return;
  while (next_address_ < addresses_.size()) {
    const std::string& ip = addresses_[next_address_++];
    // Non-blocking connect(2); on a numeric address hiredis's getaddrinfo() does no lookup.
    redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), url_.port);
    if (ac == nullptr) {
      last_connect_error_ = "out of memory";
      continue;
    }
    if (ac->err != 0) {
      last_connect_error_ = ac->errstr;
      redisAsyncFree(ac);
      continue;
    }
    // The cleanup handler runs inside hiredis while it frees `ac`, which
    // happens at the latest in ~Connection, so `this` is alive then.
    auto adapter = AsioAdapter::attach(ac, executor_, [this] { on_context_freed(); });
    if (!adapter) {
      last_connect_error_ = adapter.error();
      redisAsyncFree(ac);
      continue;
    }
    context_ = ac;
    adapter_ = std::move(*adapter);
    ac->data = this;
    ++attempt_;
    tcp_connected_ = false;
    redisAsyncSetConnectCallback(ac, &Connection::on_tcp_connect_thunk);  // also waits for writability
    send_handshake();
    return;
  }
  fail_connect("connect to " + url_.address() + " failed: " + last_connect_error_);
}

void Connection::send_handshake() {
  struct Step {
    std::string name;
    std::vector<std::string> argv;
  };
  std::vector<Step> steps;
  if (!url_.password.empty()) {
    std::vector<std::string> argv{"AUTH"};
    if (!url_.username.empty()) argv.push_back(url_.username);
    argv.push_back(url_.password);
    steps.push_back({"AUTH", std::move(argv)});
  }
  if (url_.db != 0) steps.push_back({"SELECT", {"SELECT", std::to_string(url_.db)}});
  if (!options_.client_name.empty()) {
    steps.push_back({"CLIENT SETNAME", {"CLIENT", "SETNAME", options_.client_name}});
  }
  if (steps.empty()) steps.push_back({"PING", {"PING"}});

  // Pipelined behind the TCP connect: hiredis buffers them until the socket is writable.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const bool last = i + 1 == steps.size();
    send_regular(steps[i].argv, [weak = weak_from_this(), attempt = attempt_, step = steps[i].name,
                                 last](const core::Expected<Reply, std::string>& result) {
      if (auto self = weak.lock()) self->on_handshake_reply(attempt, step, last, result);
    });
  }
}

void Connection::on_handshake_reply(std::uint64_t attempt, const std::string& step, bool last,
                                    const core::Expected<Reply, std::string>& result) {
  // No reply means the context is gone; on_context_freed() has reported that.
  if (attempt != attempt_ || state_ != State::connecting || !result) return;
  if (result->is_error()) {
    fail_connect("connect to " + url_.address() + " failed: " + step + " returned " + result->str);
    return;
  }
  if (!last) return;
  state_ = State::connected;
  connect_timer_.cancel();
  finish_connect({});
}

void Connection::on_connect_timeout() {
  if (state_ != State::resolving && state_ != State::connecting) return;
  fail_connect("connect to " + url_.address() + " timed out after " + std::to_string(options_.connect_timeout.count()) +
               " ms");
}

void Connection::fail_connect(std::string message) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  disconnect_reason_ = message;
  connect_timer_.cancel();
  resolver_.cancel();
  finish_connect(core::unexpected(message));
  free_context(std::move(message));
}

void Connection::finish_connect(core::Expected<void, std::string> result) {
  if (!connect_done_) return;
  queue_event(
      [done = std::exchange(connect_done_, nullptr), result = std::move(result)](Connection*) { done(result); });
}

// ---- commands and Pub/Sub -------------------------------------------------

void Connection::command(std::vector<std::string> argv, ReplyHandler done) {
  if (!done) done = [](const core::Expected<Reply, std::string>&) {};
  if (argv.empty()) {
    fail_later(std::move(done), "empty command");
    return;
  }
  if (state_ != State::connected) {
    fail_later(std::move(done), not_connected_message());
    return;
  }
  if (const char* hint = refusal_hint(argv)) {
    fail_later(std::move(done), "'" + argv[0] + "' is not supported by redis::Connection" + hint);
    return;
  }
  if (pubsub_mode_) {
    if (!iequals(argv[0], "ping") || argv.size() > 2) {
      fail_later(std::move(done), "only PING is allowed on a connection in Pub/Sub mode, not '" + argv[0] + "'");
      return;
    }
    send_pubsub_ping(argv.size() == 2 ? std::move(argv[1]) : std::string(), std::move(done));
    return;
  }
  send_regular(argv, std::move(done));
}

void Connection::subscribe(std::vector<std::string> channels, DoneHandler done) {
  if (!done) done = [](const core::Expected<void, std::string>&) {};
  if (state_ != State::connected) {
    fail_later(std::move(done), not_connected_message());
    return;
  }
  // hiredis counts one confirmation per argument; send each channel once.
  std::vector<std::string> argv{"SUBSCRIBE"};
  argv.reserve(channels.size() + 1);
  {
    std::unordered_set<std::string_view> seen;
    for (const auto& channel : channels) {
      if (seen.insert(channel).second) argv.push_back(channel);
    }
  }
  if (argv.size() == 1) {
    queue_event([done = std::move(done)](Connection*) { done({}); });
    return;
  }
  if (!pubsub_mode_) {
    if (!send_argv({"PSUBSCRIBE", std::string(k_ping_pattern)}, true)) {
      fail_later(std::move(done), "connection lost: hiredis refused PSUBSCRIBE");
      return;
    }
    pubsub_mode_ = true;
  }
  if (!send_argv(argv, true)) {
    fail_later(std::move(done), "connection lost: hiredis refused SUBSCRIBE");
    return;
  }
  subscription_requests_.push_back({true, argv.size() - 1, std::move(done)});
  for (std::size_t i = 1; i < argv.size(); ++i) channels_.insert(std::move(argv[i]));
}

void Connection::unsubscribe(std::vector<std::string> channels, DoneHandler done) {
  if (!done) done = [](const core::Expected<void, std::string>&) {};
  if (state_ != State::connected) {
    fail_later(std::move(done), not_connected_message());
    return;
  }
  // hiredis drops the confirmation of a channel it does not track, which would
  // leave `done` waiting: send only channels subscribed and not yet
  // unsubscribed. Erasing also drops duplicates and stops delivery right away.
  std::vector<std::string> argv{"UNSUBSCRIBE"};
  for (auto& channel : channels) {
    if (const auto it = channels_.find(channel); it != channels_.end()) {
      channels_.erase(it);
      argv.push_back(std::move(channel));
    }
  }
  if (argv.size() == 1) {
    queue_event([done = std::move(done)](Connection*) { done({}); });
    return;
  }
  if (!send_argv(argv, true)) {
    fail_later(std::move(done), "connection lost: hiredis refused UNSUBSCRIBE");
    return;
  }
  subscription_requests_.push_back({false, argv.size() - 1, std::move(done)});
}

void Connection::on_message(MessageHandler handler) {
  message_handler_ = handler ? std::make_shared<const MessageHandler>(std::move(handler)) : nullptr;
}

void Connection::on_disconnect(DisconnectHandler handler) { disconnect_handler_ = std::move(handler); }

void Connection::close() {
  close_requested_ = true;
  switch (state_) {
    case State::idle:
      state_ = State::closed;
      disconnect_reason_ = "closed by the client";
      return;
    case State::resolving:
    case State::connecting:
      fail_connect("connect to " + url_.address() + " aborted: closed by the client");
      return;
    case State::connected:
      free_context("closed by the client");
      return;
    case State::closed:
      return;
  }
}

bool Connection::send_argv(const std::vector<std::string>& argv, bool pubsub) {
  if (context_ == nullptr) return false;
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  // Pub/Sub commands all share one callback: hiredis keys it by channel, and
  // on_pubsub_reply() tells confirmations, messages and pongs apart.
  return redisAsyncCommandArgv(context_, pubsub ? &Connection::on_pubsub_thunk : &Connection::on_reply_thunk, nullptr,
                               static_cast<int>(argv.size()), args.data(), lengths.data()) == REDIS_OK;
}

void Connection::send_regular(const std::vector<std::string>& argv, ReplyHandler done) {
  if (!send_argv(argv, false)) {
    fail_later(std::move(done), "connection lost: hiredis refused the command");
    return;
  }
  replies_.push_back(std::move(done));
}

void Connection::send_pubsub_ping(std::string message, ReplyHandler done) {
  std::string buffer;
  append_command(buffer, {"PUNSUBSCRIBE", k_unused_pattern});
  append_command(buffer, {"PING", k_ping_pattern});
  if (context_ == nullptr ||
      redisAsyncFormattedCommand(context_, nullptr, nullptr, buffer.data(), buffer.size()) != REDIS_OK) {
    fail_later(std::move(done), "connection lost: hiredis refused PING");
    return;
  }
  pings_.push_back({std::move(message), std::move(done)});
}

// ---- hiredis callbacks (run inside hiredis: no user code, no hiredis calls) --

void Connection::on_tcp_connect_thunk(const redisAsyncContext* ac, int status) {
  // A failure is reported when hiredis frees the context right after this.
  if (status == REDIS_OK) static_cast<Connection*>(ac->data)->tcp_connected_ = true;
}

void Connection::on_reply_thunk(redisAsyncContext* ac, void* reply, void*) {
  static_cast<Connection*>(ac->data)->on_regular_reply(ac, reply);
}

void Connection::on_pubsub_thunk(redisAsyncContext* ac, void* reply, void*) {
  static_cast<Connection*>(ac->data)->on_pubsub_reply(reply);
}

void Connection::on_regular_reply(const redisAsyncContext* ac, const void* reply) {
  // One entry per regular callback hiredis holds, in the same order.
  if (replies_.empty()) return;
  ReplyHandler done = std::move(replies_.front());
  replies_.pop_front();
  if (reply == nullptr) {  // hiredis is freeing the context
    fail_later(std::move(done), "connection lost: " + failure_reason(ac));
    return;
  }
  queue_event([done = std::move(done), r = from_hiredis(static_cast<const redisReply*>(reply))](Connection*) mutable {
    done(std::move(r));
  });
}

void Connection::on_pubsub_reply(const void* raw) {
  // A null reply: hiredis is freeing the context; on_context_freed() fails what is pending.
  const auto* reply = static_cast<const redisReply*>(raw);
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) return;
  const auto text = [reply](std::size_t i) {
    const redisReply* e = reply->element[i];
    return e->type == REDIS_REPLY_STRING ? std::string_view(e->str, e->len) : std::string_view();
  };
  const std::string_view kind = text(0);
  if (iequals(kind, "message")) {
    if (reply->elements < 3) return;
    // Also drops what hiredis hands over for a channel already unsubscribed.
    if (!channels_.contains(text(1))) return;
    queue_event([channel = std::string(text(1)), payload = std::string(text(2))](Connection* self) {
      if (self == nullptr || self->close_requested_ || !self->message_handler_) return;
      const auto handler = self->message_handler_;  // the handler may replace itself
      (*handler)(channel, payload);
    });
  } else if (iequals(kind, "subscribe")) {
    on_subscription_confirmed(true);
  } else if (iequals(kind, "unsubscribe")) {
    on_subscription_confirmed(false);
  } else if (iequals(kind, "pong")) {
    if (text(1) != k_ping_pattern || pings_.empty()) return;
    PingRequest ping = std::move(pings_.front());
    pings_.pop_front();
    queue_event([done = std::move(ping.done),
                 r = Reply::array_reply({Reply::string_reply("pong"), Reply::string_reply(std::move(ping.message))})](
                    Connection*) mutable { done(std::move(r)); });
  }
  // Anything else concerns our own patterns: "psubscribe" of k_ping_pattern,
  // "punsubscribe" of k_unused_pattern; "pmessage" cannot match them.
}

void Connection::on_subscription_confirmed(bool subscribe) {
  // Redis confirms each channel of each (UN)SUBSCRIBE, in the order sent.
  if (subscription_requests_.empty() || subscription_requests_.front().subscribe != subscribe) return;
  SubscriptionRequest& front = subscription_requests_.front();
  if (--front.unconfirmed != 0) return;
  queue_event([done = std::move(front.done)](Connection*) { done({}); });
  subscription_requests_.pop_front();
}

void Connection::on_context_freed() {
  // Inside hiredis, which is freeing the context (redisAsyncFree, a read or
  // write error, EOF, a failed connect): every regular callback has run; the
  // context's error is still readable.
  const std::string reason = failure_reason(context_);
  context_ = nullptr;
  fail_pending("connection lost: " + reason);
  channels_.clear();
  switch (state_) {
    case State::connecting:
      if (!tcp_connected_ && close_reason_.empty() && next_address_ < addresses_.size()) {
        // Try the host's next address; not from in here, hiredis is mid-free.
        last_connect_error_ = reason;
        boost::asio::post(executor_, [weak = weak_from_this()] {
          if (auto self = weak.lock()) self->connect_next_address();
        });
        return;
      }
      fail_connect("connect to " + url_.address() + " failed: " + reason);
      return;
    case State::connected:
      state_ = State::closed;
      disconnect_reason_ = reason;
      if (disconnect_handler_) {
        queue_event([handler = std::exchange(disconnect_handler_, nullptr), reason](Connection*) { handler(reason); });
      }
      return;
    case State::idle:
    case State::resolving:
    case State::closed:
      return;
  }
}

// ---- helpers ----------------------------------------------------------------

void Connection::free_context(std::string reason) {
  if (context_ == nullptr) return;
  close_reason_ = std::move(reason);
  // Never from inside a hiredis callback: user code only runs from run_events().
  assert((context_->c.flags & REDIS_IN_CALLBACK) == 0);
  // Runs the pending callbacks with null replies, then the adapter's cleanup,
  // which calls on_context_freed().
  redisAsyncFree(context_);
  context_ = nullptr;
}

void Connection::fail_pending(const std::string& reason) {
  for (auto& done : std::exchange(replies_, {})) fail_later(std::move(done), reason);
  for (auto& ping : std::exchange(pings_, {})) fail_later(std::move(ping.done), reason);
  for (auto& request : std::exchange(subscription_requests_, {})) fail_later(std::move(request.done), reason);
}

std::string Connection::failure_reason(const redisAsyncContext* ac) const {
  if (!close_reason_.empty()) return close_reason_;
  if (ac != nullptr && ac->c.err != 0) return ac->c.errstr;
  return "connection closed";
}

std::string Connection::not_connected_message() const {
  if (state_ == State::closed && !disconnect_reason_.empty()) return "connection lost: " + disconnect_reason_;
  return "not connected";
}

void Connection::fail_later(ReplyHandler done, std::string message) {
  queue_event([done = std::move(done), message = std::move(message)](Connection*) { done(core::unexpected(message)); });
}

void Connection::fail_later(DoneHandler done, std::string message) {
  queue_event([done = std::move(done), message = std::move(message)](Connection*) { done(core::unexpected(message)); });
}

void Connection::queue_event(Event event) {
  events_.push_back(std::move(event));
  if (destroying_ || events_posted_) return;
  events_posted_ = true;
  boost::asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->run_events();
  });
}

void Connection::run_events() {
  events_posted_ = false;
  auto events = std::exchange(events_, {});
  for (const auto& event : events) event(this);
}

}  // namespace wshub::redis
