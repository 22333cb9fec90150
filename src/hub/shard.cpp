#include "hub/shard.hpp"

#include <cstdio>
#include <spdlog/spdlog.h>

namespace wshub::hub {
namespace {
thread_local Shard* t_current = nullptr;
}

Shard::Shard(std::size_t index) : index_(index), rng_(std::random_device{}()) {}

Shard::~Shard() {
  // Sessions own sockets of io_: release them while io_ is still alive.
  sessions_by_user.clear();
  sessions.clear();
}

Shard* Shard::current() noexcept { return t_current; }

void Shard::start_thread() {
  work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      io_.get_executor());
  thread_ = std::thread([this] {
    t_current = this;
    try {
      io_.run();
    } catch (const std::exception& e) {
      spdlog::critical("shard {} stopped by an exception: {}", index_, e.what());
      std::abort();
    }
    t_current = nullptr;
  });
}

void Shard::stop() {
  work_.reset();
  io_.stop();
}

void Shard::join() {
  if (thread_.joinable()) thread_.join();
}

std::string Shard::next_client_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c-%016llx%08x", static_cast<unsigned long long>(rng_()),
                static_cast<unsigned>(rng_() & 0xffffffffu));
  return buf;
}

bool Shard::channel_unused(std::string_view channel) const {
  if (subscribers.find(channel) != nullptr) return false;
  auto it = pending_joins.find(channel);
  return it == pending_joins.end() || it->second == 0;
}

}  // namespace wshub::hub
