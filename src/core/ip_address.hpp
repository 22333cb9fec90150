// IpAddress and IpNetwork: client addresses for the connection limits, parsed
// from text (the TCP peer, a trusted proxy header, the trusted_proxies option).
//
// IPv4 addresses are held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one
// 16-byte form compares, hashes and matches networks for both families, and a
// v4 peer seen on a dual-stack socket is the same client as on a v4 socket.
// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace wshub::core {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  bool is_v4() const noexcept;
  // Canonical text: "192.0.2.1", "2001:db8::1" (a mapped v4 shows as v4).
  std::string to_string() const;

  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1", "2001:db8::1", "[2001:db8::1]", "::ffff:192.0.2.1"; surrounding
// spaces ignored. nullopt for anything else (ports, zone ids, host names).
std::optional<IpAddress> parse_ip_address(std::string_view text);

struct IpNetwork {
  IpAddress base;         // with the bits past the prefix cleared
  unsigned prefix = 128;  // in the 128-bit form (a v4 /8 is stored as /104)

  bool contains(const IpAddress& ip) const noexcept;
  std::string to_string() const;  // "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"

  bool operator==(const IpNetwork&) const = default;
};

// The network of the first `prefix` bits (of the 128-bit form, at most 128)
// that holds `ip`: network_of(2001:db8::1:2:3:4, 64) is 2001:db8::/64.
IpNetwork network_of(const IpAddress& ip, unsigned prefix) noexcept;

// "10.0.0.0/8", "2001:db8::/32", or one address ("192.0.2.1" = /32, "::1" =
// /128). The error message follows "<option name>: ".
Expected<IpNetwork, std::string> parse_ip_network(std::string_view text);

// The right-most entry of a forwarding header such as X-Forwarded-For
// ("client, proxy1, proxy2" -> proxy2), which is the address the trusted
// proxy in front of us saw. nullopt when it is empty or not an address.
std::optional<IpAddress> rightmost_forwarded_address(std::string_view header_value);

}  // namespace wshub::core
