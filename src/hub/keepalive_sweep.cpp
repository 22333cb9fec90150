#include "hub/keepalive_sweep.hpp"

#include <boost/asio/post.hpp>

#include "hub/client_session.hpp"

namespace wshub::hub {

KeepaliveSweep::KeepaliveSweep(Shard& shard, std::chrono::seconds ping_interval)
    : shard_(shard), interval_(ping_interval), timer_(shard.executor()) {}

void KeepaliveSweep::start() {
  boost::asio::post(timer_.get_executor(), [this] { schedule(); });
}

void KeepaliveSweep::stop() {
  boost::asio::post(timer_.get_executor(), [this] {
    stopped_ = true;  // a sweep already queued must not re-arm
    timer_.cancel();
  });
}

void KeepaliveSweep::schedule() {
  if (stopped_) return;
  const auto period = std::max<std::chrono::steady_clock::duration>(interval_ / 10, std::chrono::milliseconds(50));
  timer_.expires_after(period);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    sweep();
    schedule();
  });
}

void KeepaliveSweep::sweep() {
  const auto now = std::chrono::steady_clock::now();
  // keepalive() never removes a session synchronously, so iterating is safe.
  for (auto& [id, session] : shard_.sessions) session->keepalive(now, interval_);
}

}  // namespace wshub::hub
