#include "api_publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clock.hpp"
#include "core/json_writer.hpp"
#include "payload.hpp"
#include "worker.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

ApiPublisher::ApiPublisher(Worker& worker, const PublishPlan& plan, std::size_t publisher, const Target& target,
                           const SourceAddresses& sources, std::size_t connection_index, std::string api_key,
                           std::chrono::steady_clock::duration timeout)
    : worker_(worker),
      plan_(plan),
      cursor_(plan, publisher),
      http_(worker.io(), target, sources, connection_index, std::move(api_key)),
      timer_(worker.io()),
      timeout_(timeout) {}

asio::awaitable<std::string> ApiPublisher::set_up() {
  auto error = co_await http_.connect(timeout_);
  if (error.empty()) {
    worker_.live().setups_ok.add();
  } else {
    worker_.live().setups_failed.add();
  }
  co_return error;
}

void ApiPublisher::start() {
  asio::co_spawn(worker_.io(), run(shared_from_this()), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

void ApiPublisher::stop() {
  stopped_ = true;
  timer_.cancel();
  http_.close_now();
}

asio::awaitable<void> ApiPublisher::run(std::shared_ptr<ApiPublisher> self) {
  (void)self;
  auto& live = worker_.live();
  std::string body;
  while (!stopped_) {
    const auto next = cursor_.peek();
    if (!next) break;
    const std::int64_t due = plan_.due_ns(next->k);
    std::int64_t now = steady_ns();
    if (now < due) {
      timer_.expires_at(steady_time_from_ns(due));
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (stopped_) break;
      now = steady_ns();
    }
    stats_.max_behind_ns = std::max(stats_.max_behind_ns, now - due);
    body.clear();
    body += R"({"channel":)";
    core::append_json_string(body, plan_.channel_name(next->channel));
    body += R"(,"data":)";
    append_payload(body, now, next->seq, plan_.payload_bytes());
    body.push_back('}');
    cursor_.advance();
    if (stats_.first_send_ns == 0) stats_.first_send_ns = now;
    stats_.last_send_ns = now;
    ++stats_.sent;
    live.published.add();
    const auto answer = co_await http_.request(boost::beast::http::verb::post, "/api/publish", body, timeout_);
    const std::int64_t answered = steady_ns();
    if (!answer.error.empty()) {
      ++stats_.unanswered;
      ++stats_.errors[answer.error];
      live.publish_errors.add();
      if (stopped_) break;
      continue;
    }
    if (answer.status == 200) {
      ++stats_.acked;
      stats_.ack_ns.record(answered - now);
      stats_.last_ack_ns = answered;
      plan_.count_acked(next->channel);
      live.acked.add();
    } else {
      ++stats_.failed;
      ++stats_.errors["HTTP " + std::to_string(answer.status)];
      live.publish_errors.add();
    }
  }
  // What the run's end cut off.
  while (cursor_.peek()) {
    ++stats_.unsent;
    cursor_.advance();
  }
  live.publishers_done.add();
}

}  // namespace wshub::bench
