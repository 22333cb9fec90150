#include "hub/drain.hpp"

#include "hub/client_session.hpp"

namespace wshub::hub {

Drain::Drain(ShardSet& shards, boost::asio::any_io_executor control) : shards_(shards), timer_(control) {}

void Drain::run(std::chrono::steady_clock::duration deadline, std::function<void(bool)> done) {
  deadline_ = std::chrono::steady_clock::now() + deadline;
  done_ = std::move(done);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    shards_.post(i, [this, i] {
      for (auto& [id, session] : shards_.at(i).sessions) session->disconnect(1001, "server shutting down", true);
    });
  }
  poll();
}

std::size_t Drain::connections() const {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i) n += shards_.at(i).counters.connections.get();
  return static_cast<std::size_t>(std::max<std::int64_t>(n, 0));
}

void Drain::poll() {
  if (connections() == 0) {
    done_(true);
    return;
  }
  if (std::chrono::steady_clock::now() >= deadline_) {
    done_(false);
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(20));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

}  // namespace wshub::hub
