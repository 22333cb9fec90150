#include "ws_publisher.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clock.hpp"
#include "core/json_writer.hpp"
#include "payload.hpp"
#include "worker.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

namespace {

// Under wshub's default max_message_size (64 KiB), with room for one more op.
constexpr std::size_t k_frame_soft_limit = 48 * 1024;

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace

WsPublisher::WsPublisher(Worker& worker, const PublishPlan& plan, std::size_t publisher, ConnectPlan connect,
                         std::size_t window, std::chrono::steady_clock::duration timeout)
    : worker_(worker),
      plan_(plan),
      cursor_(plan, publisher),
      connect_(connect),
      conn_(worker.io()),
      window_(window),
      timeout_(timeout),
      timer_(worker.io()) {}

asio::awaitable<std::string> WsPublisher::set_up() {
  auto& live = worker_.live();
  conn_.set_deadline(timeout_);
  SetupTimes times;
  std::string error = co_await conn_.open(connect_, times);
  bool welcomed = false;
  while (error.empty() && !welcomed) {
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      error = "welcome: " + conn_.describe_end(ec);
      break;
    }
    for_each_line(frame, [&](std::string_view line) {
      if (worker_.parser().parse(line).kind == LineKind::welcome) welcomed = true;
    });
  }
  if (!error.empty()) {
    live.setups_failed.add();
    conn_.close_now();
    co_return error;
  }
  conn_.clear_deadline();
  live.setups_ok.add();
  co_return std::string();
}

void WsPublisher::start() {
  asio::co_spawn(worker_.io(), read_loop(shared_from_this()), rethrow);
  asio::co_spawn(worker_.io(), write_loop(shared_from_this()), rethrow);
}

void WsPublisher::stop() {
  stopped_ = true;
  timer_.cancel();
  conn_.close_now();
}

asio::awaitable<void> WsPublisher::write_loop(std::shared_ptr<WsPublisher> self) {
  (void)self;
  auto& live = worker_.live();
  std::string frame;
  while (!stopped_) {
    auto next = cursor_.peek();
    if (!next) break;
    if (in_flight_.size() >= window_) {
      waiting_for_room_ = true;
      timer_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      waiting_for_room_ = false;
      continue;
    }
    std::int64_t now = steady_ns();
    const std::int64_t due = plan_.due_ns(next->k);
    if (now < due) {
      timer_.expires_at(steady_time_from_ns(due));
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    stats_.max_behind_ns = std::max(stats_.max_behind_ns, now - due);
    frame.clear();
    while (next && plan_.due_ns(next->k) <= now && in_flight_.size() < window_ && frame.size() < k_frame_soft_limit) {
      if (!frame.empty()) frame.push_back('\n');
      frame += R"({"op":"publish","id":)";
      core::append_uint(frame, next->k);
      frame += R"(,"channel":)";
      core::append_json_string(frame, plan_.channel_name(next->channel));
      frame += R"(,"data":)";
      append_payload(frame, now, next->seq, plan_.payload_bytes());
      frame.push_back('}');
      in_flight_.push_back({next->k, next->channel, now});
      ++stats_.sent;
      live.published.add();
      cursor_.advance();
      next = cursor_.peek();
    }
    if (stats_.first_send_ns == 0) stats_.first_send_ns = now;
    stats_.last_send_ns = now;
    if (auto ec = co_await conn_.write(frame)) {
      if (!stopped_) ++stats_.errors["write: " + conn_.describe_end(ec)];
      break;
    }
  }
  writer_done_ = true;
  if (in_flight_.empty() || stopped_) finish();
}

asio::awaitable<void> WsPublisher::read_loop(std::shared_ptr<WsPublisher> self) {
  (void)self;
  for (;;) {
    std::string_view frame;
    if (auto ec = co_await conn_.read(frame)) {
      if (!stopped_) ++stats_.errors["read: " + conn_.describe_end(ec)];
      break;
    }
    const std::int64_t now = steady_ns();
    for_each_line(frame, [&](std::string_view line) {
      const auto parsed = worker_.parser().parse(line);
      if (parsed.kind == LineKind::reply && parsed.has_id) on_reply(parsed.id, parsed.ok, parsed.error_code, now);
    });
    if (writer_done_ && in_flight_.empty()) break;
  }
  // Connection gone or everything answered: stop the writer if it still waits.
  if (!writer_done_) {
    stopped_ = true;
    timer_.cancel();
  }
  finish();
}

void WsPublisher::on_reply(std::int64_t id, bool ok, std::int64_t code, std::int64_t now) {
  auto& live = worker_.live();
  auto it = in_flight_.begin();
  if (it == in_flight_.end() || static_cast<std::int64_t>(it->k) != id) {
    it = std::find_if(in_flight_.begin(), in_flight_.end(),
                      [id](const InFlight& f) { return static_cast<std::int64_t>(f.k) == id; });
    if (it == in_flight_.end()) {
      ++stats_.errors["reply with an unknown id"];
      return;
    }
    ++stats_.errors["reply out of request order"];
  }
  if (ok) {
    ++stats_.acked;
    stats_.ack_ns.record(now - it->sent_ns);
    stats_.last_ack_ns = now;
    plan_.count_acked(it->channel);
    live.acked.add();
  } else {
    ++stats_.failed;
    ++stats_.errors["error " + std::to_string(code)];
    live.publish_errors.add();
  }
  in_flight_.erase(it);
  if (waiting_for_room_) timer_.cancel();
}

void WsPublisher::finish() {
  if (finished_) return;
  finished_ = true;
  stats_.unanswered += in_flight_.size();
  in_flight_.clear();
  while (cursor_.peek()) {
    ++stats_.unsent;
    cursor_.advance();
  }
  worker_.live().publishers_done.add();
}

}  // namespace wshub::bench
