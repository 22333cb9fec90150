#include "redis/managed_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace wshub::redis {

namespace {
constexpr std::int64_t k_backoff_min_ms = 100;
constexpr std::int64_t k_backoff_max_ms = 5000;
}  // namespace

ManagedConnection::ManagedConnection(boost::asio::any_io_executor ex, RedisUrl url, std::string client_name)
    : ex_(std::move(ex)), url_(std::move(url)), client_name_(std::move(client_name)), retry_(ex_) {}

void ManagedConnection::start() { connect(); }

void ManagedConnection::stop() {
  stopped_ = true;
  up_ = false;
  on_up_ = nullptr;  // they may hold their owner: no cycle outlives stop()
  on_message_ = nullptr;
  ++generation_;
  retry_.cancel();
  if (conn_) conn_->close();
  conn_.reset();
}

void ManagedConnection::connect() {
  if (stopped_) return;
  const unsigned generation = ++generation_;
  ConnectionOptions opts;
  opts.client_name = client_name_;
  conn_ = Connection::create(ex_, url_, opts);
  auto self = shared_from_this();
  conn_->on_disconnect([self, generation](std::string reason) { self->lost(generation, reason); });
  if (on_message_) conn_->on_message(on_message_);
  conn_->connect([self, generation](core::Expected<void, std::string> r) {
    if (self->stopped_ || generation != self->generation_) return;
    if (!r) {
      self->lost(generation, r.error());
      return;
    }
    if (self->ever_up_) ++self->reconnects_;
    self->ever_up_ = true;
    self->up_ = true;
    self->attempt_ = 0;
    if (self->on_up_) self->on_up_(*self->conn_);
  });
}

void ManagedConnection::lost(unsigned generation, const std::string& reason) {
  if (stopped_ || generation != generation_) return;
  if (up_ || attempt_ == 0) spdlog::warn("redis: {} connection lost or refused: {}", client_name_, reason);
  up_ = false;
  ++generation_;
  if (conn_) conn_->close();
  conn_.reset();
  const std::int64_t cap = std::min<std::int64_t>(k_backoff_max_ms, k_backoff_min_ms << std::min(attempt_, 16u));
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> dist(0, cap);
  retry_.expires_after(std::chrono::milliseconds(dist(rng_)));
  retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->connect();
  });
}

}  // namespace wshub::redis
