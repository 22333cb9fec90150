#include "subscriber.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "clock.hpp"
#include "socketio.hpp"
#include "worker.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

namespace {

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wshub-bench: subscriber: %s\n", ex.what());
  }
}

}  // namespace

Subscriber::Subscriber(Worker& worker, SubscriberSpec spec)
    : worker_(worker), spec_(std::move(spec)), conn_(worker.io()), tracker_(spec_.sequence_limit) {}

asio::awaitable<bool> Subscriber::set_up() {
  auto& stats = worker_.stats();
  auto& live = worker_.live();
  live.setups_started.add();
  conn_.set_deadline(spec_.setup_timeout);
  SetupTimes times;
  std::string error = co_await conn_.open(spec_.connect, times);
  if (error.empty()) {
    stats.tcp_connect_ns.record(times.tcp_ns - times.start_ns);
    stats.upgrade_ns.record(times.upgrade_ns - times.start_ns);
    // Not a conditional expression: GCC 12 destroys a co_await's result twice there.
    if (spec_.socketio) {
      error = co_await handshake_socketio(times);
    } else {
      error = co_await handshake(times);
    }
  }
  if (!error.empty()) {
    ++stats.setup_errors[error];
    live.setups_failed.add();
    conn_.close_now();
    co_return false;
  }
  conn_.clear_deadline();
  live.setups_ok.add();
  live.open.add();
  open_ = true;
  co_return true;
}

// wshub's protocol: the welcome, our subscribe op, its reply.
asio::awaitable<std::string> Subscriber::handshake(const SetupTimes& times) {
  auto& stats = worker_.stats();
  // The welcome is the server's first frame; the subscribe reply follows our op.
  // Messages may share the reply's frame, so lines after it are handled as such.
  bool welcomed = false;
  std::string op;
  while (!subscribed_) {
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      co_return std::string(welcomed ? "subscribe: " : "welcome: ") + conn_.describe_end(ec);
    }
    const auto now = steady_ns();
    bool send_subscribe = false;
    std::string reply_error;
    for_each_line(frame, [&](std::string_view line) {
      if (subscribed_) {
        on_line(line, now);
        return;
      }
      const auto parsed = worker_.parser().parse(line);
      if (!welcomed) {
        if (parsed.kind != LineKind::welcome) {
          reply_error = "welcome: unexpected first line";
          return;
        }
        welcomed = true;
        stats.welcome_ns.record(now - times.start_ns);
        send_subscribe = true;
      } else if (parsed.kind == LineKind::reply && parsed.has_id && parsed.id == 1) {
        if (!parsed.ok) {
          reply_error = "subscribe: error " + std::to_string(parsed.error_code);
          return;
        }
        subscribed_ = true;
        stats.subscribed_ns.record(now - times.start_ns);
      }
    });
    if (!reply_error.empty()) co_return reply_error;
    if (send_subscribe) {
      op = R"({"op":"subscribe","id":1,"channel":")" + spec_.channel_name + "\"}";
      if (auto ec = co_await conn_.write(op)) co_return "subscribe: " + conn_.describe_end(ec);
    }
  }
  co_return std::string();
}

// Socket.IO: Engine.IO open, namespace connect (counted as the welcome), the
// "subscribe" event and its ack (counted as the subscribe reply).
asio::awaitable<std::string> Subscriber::handshake_socketio(const SetupTimes& times) {
  auto& stats = worker_.stats();
  bool welcomed = false;
  std::string out;
  while (!subscribed_) {
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      co_return std::string(welcomed ? "subscribe: " : "welcome: ") + conn_.describe_end(ec);
    }
    const auto now = steady_ns();
    const auto packet = socketio::decode(frame);
    out.clear();
    switch (packet.kind) {
      case socketio::Packet::open:
        out = socketio::k_connect;
        break;
      case socketio::Packet::connected:
        if (welcomed) break;
        welcomed = true;
        stats.welcome_ns.record(now - times.start_ns);
        out = socketio::subscribe_event(spec_.channel_name, 1);
        break;
      case socketio::Packet::connect_error:
        co_return "welcome: socket.io connect error";
      case socketio::Packet::ping:
        out = socketio::k_pong;
        break;
      case socketio::Packet::ack:
        if (packet.ack_id != 1) break;
        if (!packet.ack_ok) co_return "subscribe: error";
        subscribed_ = true;
        stats.subscribed_ns.record(now - times.start_ns);
        break;
      default:
        break;
    }
    if (!out.empty()) {
      if (auto ec = co_await conn_.write(out)) {
        co_return std::string(welcomed ? "subscribe: " : "welcome: ") + conn_.describe_end(ec);
      }
    }
  }
  co_return std::string();
}

void Subscriber::start() {
  if (!subscribed_ || spec_.slow) return;
  asio::co_spawn(worker_.io(), read_loop(shared_from_this()), log_exception);
}

asio::awaitable<void> Subscriber::read_loop(std::shared_ptr<Subscriber> self) {
  (void)self;  // keeps this subscriber alive while the loop runs
  auto& stats = worker_.stats();
  for (;;) {
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      if (!closing_) on_closed_by_peer(conn_.describe_end(ec));
      break;
    }
    ++stats.frames;
    const auto now = steady_ns();
    if (spec_.socketio) {
      const auto packet = socketio::decode(frame);
      if (packet.kind == socketio::Packet::message) {
        on_line(packet.body, now);
      } else if (packet.kind == socketio::Packet::ping) {
        if (auto wec = co_await conn_.write(socketio::k_pong)) {
          if (!closing_) on_closed_by_peer(conn_.describe_end(wec));
          break;
        }
      } else {
        ++stats.other_lines;
      }
      continue;
    }
    for_each_line(frame, [&](std::string_view line) { on_line(line, now); });
  }
  if (open_) {
    open_ = false;
    worker_.live().open.sub();
  }
}

void Subscriber::on_line(std::string_view line, std::int64_t now_ns) {
  auto& stats = worker_.stats();
  ++stats.lines;
  const auto parsed = worker_.parser().parse(line);
  if (parsed.kind != LineKind::message) {
    ++stats.other_lines;
    return;
  }
  if (parsed.channel != spec_.channel_name) {
    ++stats.wrong_channel;
    return;
  }
  if (!parsed.has_payload) {
    ++stats.foreign_payload;
    return;
  }
  const auto outcome = tracker_.on_sequence(parsed.seq);
  if (outcome == DeliveryTracker::Outcome::unique || outcome == DeliveryTracker::Outcome::out_of_order) {
    stats.latency_ns.record(now_ns - parsed.t_ns);
    if (stats.first_delivery_ns == 0) stats.first_delivery_ns = now_ns;
    stats.last_delivery_ns = now_ns;
    worker_.live().delivered.add();
  }
}

void Subscriber::on_closed_by_peer(const std::string& reason) {
  ++worker_.stats().close_reasons[reason];
  worker_.live().closed_by_peer.add();
}

void Subscriber::resume_slow(std::chrono::steady_clock::duration silence) {
  if (!subscribed_ || !spec_.slow) return;
  asio::co_spawn(worker_.io(), slow_check(shared_from_this(), silence), log_exception);
}

asio::awaitable<void> Subscriber::slow_check(std::shared_ptr<Subscriber> self,
                                             std::chrono::steady_clock::duration silence) {
  (void)self;
  auto& stats = worker_.stats();
  std::string outcome;
  for (;;) {
    conn_.set_deadline(silence);
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      const auto end = conn_.describe_end(ec);
      if (end == "timeout") {
        outcome = "open";
      } else if (!end.empty() && end[0] >= '0' && end[0] <= '9') {
        outcome = "closed " + end;
      } else {
        outcome = "dropped (" + end + ")";
      }
      break;
    }
    for_each_line(frame, [&](std::string_view) { ++stats.slow_lines; });
  }
  // After "open", the check's deadline has closed the socket: the server sees an abrupt close.
  ++stats.slow_outcomes[outcome];
  worker_.live().slow_checked.add();
  if (open_) {
    open_ = false;
    worker_.live().open.sub();
  }
}

void Subscriber::close() {
  if (!open_ || closing_) return;
  closing_ = true;
  asio::co_spawn(worker_.io(), close_gracefully(shared_from_this()), log_exception);
}

asio::awaitable<void> Subscriber::close_gracefully(std::shared_ptr<Subscriber> self) {
  (void)self;
  co_await conn_.close();
}

void Subscriber::close_now() {
  closing_ = true;
  conn_.close_now();
}

}  // namespace wshub::bench
