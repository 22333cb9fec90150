#include "hub/shard.hpp"

#include <random>
#include <spdlog/spdlog.h>

#include "core/client_id.hpp"

namespace wshub::hub {
namespace {
thread_local Shard* t_current = nullptr;

// The whole 64-bit client-id space needs more than one 32-bit word of seed: with a
// single word, two shards anywhere in a cluster share a whole id sequence with
// probability ~n^2 / 2^33.
std::mt19937_64 seeded_generator() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
  return std::mt19937_64(seed);
}
}  // namespace

Shard::Shard(std::size_t index) : index_(index), rng_(seeded_generator()) {}

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

std::string Shard::next_client_id() { return core::format_client_id(rng_()); }

bool Shard::channel_unused(std::string_view channel) const {
  if (subscribers.find(channel) != nullptr) return false;
  auto it = pending_joins.find(channel);
  return it == pending_joins.end() || it->second == 0;
}

}  // namespace wshub::hub
