// ConnectionLimiter: admission of WebSocket upgrades by client address: the
// instance-wide connection limit, the per-IP connection limit and the per-IP
// handshake rate (a token bucket per address).
//
// admit() is called once per upgrade request, after the client address is
// known (the TCP peer, or the trusted proxy header). An admitted connection
// holds a Ticket; destroying the Ticket (when the connection closes, however
// it closes) gives the slot back.
//
// "Per IP" means per IPv4 address, and per IPv6 network of
// ipv6_prefix_per_ip bits (a /64 by default); "address" below means either.
// The per-IP table is bounded: an address without connections is forgotten
// once its bucket would be full again (burst / rate seconds idle), checked at
// most once a second; and when the table reaches max_tracked_ips, every
// address without connections is forgotten at once (their handshake budget
// starts afresh). Addresses with connections are bounded by the connections.
//
// Time is passed in (nanoseconds of a monotonic clock), so it is tested
// without clocks.
// Thread-safety: thread-safe. One mutex guards the table; it is taken only at
// an upgrade and at a connection's end, never on the message path, and never
// held across I/O. (The client address is known only on the shard that parsed
// the request, and the answer is needed synchronously there; see
// docs/ARCHITECTURE.md "Connection limits".) Tickets may be destroyed on any
// thread, also after the limiter.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/ip_address.hpp"
#include "core/token_bucket.hpp"

namespace wshub::core {

struct ConnectionLimits {
  std::size_t max_connections = 0;         // 0: no limit
  std::size_t max_connections_per_ip = 0;  // 0: no limit
  double handshake_rate_per_ip = 0;        // upgrades per second per address; 0: no limit
  std::size_t handshake_burst_per_ip = 10;
  std::size_t max_tracked_ips = 100000;
  // An IPv6 client is counted by the network of this many leading bits, not
  // by its address: a subscriber line is usually given a whole /64, so one
  // client can connect from as many addresses as it likes within it. 128:
  // per address. IPv4 clients are always counted per address.
  unsigned ipv6_prefix_per_ip = 64;
};

enum class AdmissionRefusal {
  none,
  max_connections,         // 503
  max_connections_per_ip,  // 429
  handshake_rate,          // 429
};

// "max_connections", "max_connections_per_ip", "handshake_rate" (metric labels).
const char* refusal_reason(AdmissionRefusal refusal) noexcept;

class ConnectionLimiter {
  struct State;

 public:
  // Gives its connection slot back when destroyed. Empty when default-made or
  // moved from.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept = default;
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();
    explicit operator bool() const noexcept { return state_ != nullptr; }

   private:
    friend class ConnectionLimiter;
    Ticket(std::shared_ptr<State> state, const IpAddress& ip) : state_(std::move(state)), ip_(ip) {}
    void release() noexcept;
    std::shared_ptr<State> state_;
    IpAddress ip_;
  };

  struct Admission {
    AdmissionRefusal refusal = AdmissionRefusal::none;
    Ticket ticket;  // set when admitted
  };

  explicit ConnectionLimiter(const ConnectionLimits& limits);

  // Counts one upgrade attempt from `client` against its handshake rate and,
  // when every limit allows it, takes a connection slot. The per-IP limits
  // apply to an IPv6 client's network of ipv6_prefix_per_ip bits.
  Admission admit(const IpAddress& client, std::int64_t now_ns);

  std::size_t connections() const;
  // Connections counted against `ip`'s per-IP limit (its IPv6 network's).
  std::size_t connections_of(const IpAddress& ip) const;
  // Addresses (IPv6 networks) in the per-IP table.
  std::size_t tracked_ips() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace wshub::core
