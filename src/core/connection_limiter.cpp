#include "core/connection_limiter.hpp"

#include <algorithm>
#include <cstring>

namespace wshub::core {
namespace {

constexpr std::int64_t k_ns_per_s = 1'000'000'000;

struct IpHash {
  std::size_t operator()(const IpAddress& ip) const noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, ip.bytes.data(), 8);
    std::memcpy(&b, ip.bytes.data() + 8, 8);
    return std::hash<std::uint64_t>{}(a * 0x9e3779b97f4a7c15ull ^ b);
  }
};

}  // namespace

struct ConnectionLimiter::State {
  struct Entry {
    std::size_t connections = 0;
    TokenBucket handshakes;
    std::int64_t last_seen_ns = 0;
  };

  explicit State(const ConnectionLimits& l) : limits(l) {
    if (limits.handshake_rate_per_ip > 0) {
      const double refill_s = static_cast<double>(limits.handshake_burst_per_ip) / limits.handshake_rate_per_ip;
      idle_after_ns = static_cast<std::int64_t>(std::min(refill_s, 365.0 * 24 * 3600) * 1e9);
    }
  }

  bool tracks_ips() const noexcept { return limits.max_connections_per_ip != 0 || limits.handshake_rate_per_ip > 0; }

  // The table key of a client: its IPv4 address, or its IPv6 network.
  IpAddress key_of(const IpAddress& ip) const noexcept {
    return ip.is_v4() ? ip : network_of(ip, limits.ipv6_prefix_per_ip).base;
  }

  // An address without connections whose bucket is full again behaves like
  // an unknown one, so it can be forgotten.
  bool idle(const Entry& e, std::int64_t now_ns) const noexcept {
    return e.connections == 0 && now_ns - e.last_seen_ns >= idle_after_ns;
  }

  void expire(std::int64_t now_ns, bool all_idle) {  // REQUIRES: mutex held
    last_sweep_ns = now_ns;
    std::erase_if(table, [&](const auto& kv) {
      return kv.second.connections == 0 && (all_idle || idle(kv.second, now_ns));
    });
  }

  const ConnectionLimits limits;
  std::int64_t idle_after_ns = 0;

  mutable std::mutex mutex;
  std::size_t total = 0;                               // GUARDED_BY(mutex)
  std::unordered_map<IpAddress, Entry, IpHash> table;  // GUARDED_BY(mutex)
  std::int64_t last_sweep_ns = 0;                      // GUARDED_BY(mutex)
};

const char* refusal_reason(AdmissionRefusal refusal) noexcept {
  switch (refusal) {
    case AdmissionRefusal::none: return "none";
    case AdmissionRefusal::max_connections: return "max_connections";
    case AdmissionRefusal::max_connections_per_ip: return "max_connections_per_ip";
    case AdmissionRefusal::handshake_rate: return "handshake_rate";
  }
  return "unknown";
}

ConnectionLimiter::Ticket& ConnectionLimiter::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    ip_ = other.ip_;
  }
  return *this;
}

ConnectionLimiter::Ticket::~Ticket() { release(); }

void ConnectionLimiter::Ticket::release() noexcept {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    --state_->total;
    if (state_->tracks_ips()) {
      auto it = state_->table.find(ip_);
      if (it != state_->table.end() && it->second.connections > 0 && --it->second.connections == 0 &&
          state_->idle_after_ns == 0) {
        state_->table.erase(it);
      }
    }
  }
  state_.reset();
}

ConnectionLimiter::ConnectionLimiter(const ConnectionLimits& limits) : state_(std::make_shared<State>(limits)) {}

ConnectionLimiter::Admission ConnectionLimiter::admit(const IpAddress& client, std::int64_t now_ns) {
  State& s = *state_;
  const auto& limits = s.limits;
  const IpAddress ip = s.key_of(client);
  std::lock_guard lock(s.mutex);
  if (s.tracks_ips()) {
    if (now_ns - s.last_sweep_ns >= std::max<std::int64_t>(s.idle_after_ns, k_ns_per_s)) s.expire(now_ns, false);
    if (s.table.size() >= limits.max_tracked_ips && !s.table.contains(ip)) s.expire(now_ns, true);
    const auto it = s.table
                        .try_emplace(ip, State::Entry{0,
                                                      TokenBucket(limits.handshake_rate_per_ip,
                                                                  static_cast<double>(limits.handshake_burst_per_ip)),
                                                      now_ns})
                        .first;
    State::Entry& e = it->second;
    e.last_seen_ns = now_ns;
    if (limits.handshake_rate_per_ip > 0 && !e.handshakes.try_take(now_ns)) {
      return {AdmissionRefusal::handshake_rate, {}};
    }
    if (limits.max_connections_per_ip != 0 && e.connections >= limits.max_connections_per_ip) {
      return {AdmissionRefusal::max_connections_per_ip, {}};
    }
    if (limits.max_connections != 0 && s.total >= limits.max_connections) {
      // Without a rate to remember, an address without connections is not kept.
      if (e.connections == 0 && s.idle_after_ns == 0) s.table.erase(it);
      return {AdmissionRefusal::max_connections, {}};
    }
    ++e.connections;
  } else if (limits.max_connections != 0 && s.total >= limits.max_connections) {
    return {AdmissionRefusal::max_connections, {}};
  }
  ++s.total;
  return {AdmissionRefusal::none, Ticket(state_, ip)};
}

std::size_t ConnectionLimiter::connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->total;
}

std::size_t ConnectionLimiter::connections_of(const IpAddress& ip) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->table.find(state_->key_of(ip));
  return it == state_->table.end() ? 0 : it->second.connections;
}

std::size_t ConnectionLimiter::tracked_ips() const {
  std::lock_guard lock(state_->mutex);
  return state_->table.size();
}

}  // namespace wshub::core
