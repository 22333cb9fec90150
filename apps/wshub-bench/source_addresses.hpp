// SourceAddresses: the local addresses 127.0.0.1 .. 127.0.0.N that client
// connections are bound to before connecting, so that one run can open more
// connections to one server than the ephemeral port range allows from a single
// address (about 28,000 on Linux by default).
//
// Binding uses IP_BIND_ADDRESS_NO_PORT, so the port is still chosen at connect
// time per 4-tuple and does not use up the range for other destinations.
// Only loopback targets can be reached from loopback sources; for any other
// target the pool is empty and sockets are left to the kernel.
// Thread-safety: immutable after construction; bind() may run on any thread.
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>

namespace wshub::bench {

// Connections per source address the automatic choice plans for.
inline constexpr std::size_t k_connections_per_source_address = 20000;
inline constexpr std::size_t k_max_source_addresses = 254;

class SourceAddresses {
 public:
  SourceAddresses() = default;  // no binding
  // REQUIRES: count <= k_max_source_addresses.
  explicit SourceAddresses(std::size_t count) : count_(count) {}

  // ceil(connections / k_connections_per_source_address), at least 1.
  static std::size_t automatic_count(std::size_t connections);

  std::size_t size() const { return count_; }
  bool enabled() const { return count_ > 0; }

  // 127.0.0.(1 + index % size()). REQUIRES: enabled().
  boost::asio::ip::address_v4 address_for(std::size_t connection_index) const;

  // Opens `socket` (IPv4) if needed and, when enabled, binds it to the
  // address for `connection_index` with port 0 and IP_BIND_ADDRESS_NO_PORT.
  boost::system::error_code prepare(boost::asio::ip::tcp::socket& socket, std::size_t connection_index) const;

  std::string describe() const;  // "127.0.0.1-127.0.0.3" or "kernel default"

 private:
  std::size_t count_ = 0;
};

}  // namespace wshub::bench
