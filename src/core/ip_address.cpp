#include "core/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace wshub::core {
namespace {

constexpr std::array<std::uint8_t, 12> k_v4_mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view trim_spaces(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool IpAddress::is_v4() const noexcept {
  return std::memcmp(bytes.data(), k_v4_mapped_prefix.data(), k_v4_mapped_prefix.size()) == 0;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  text = trim_spaces(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data() + 12) == 1) {
    std::memcpy(ip.bytes.data(), k_v4_mapped_prefix.data(), k_v4_mapped_prefix.size());
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

bool IpNetwork::contains(const IpAddress& ip) const noexcept {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((ip.bytes[i] & mask) != base.bytes[i]) return false;
    bits -= take;
  }
  return true;
}

std::string IpNetwork::to_string() const {
  const bool v4 = base.is_v4() && prefix >= 96;
  const unsigned shown = v4 ? prefix - 96 : prefix;
  if (shown == (v4 ? 32u : 128u)) return base.to_string();
  return base.to_string() + "/" + std::to_string(shown);
}

Expected<IpNetwork, std::string> parse_ip_network(std::string_view text) {
  text = trim_spaces(text);
  const auto refuse = [&] {
    return unexpected("expected an IP address or network such as 10.0.0.0/8 or 2001:db8::/32, got \"" +
                      std::string(text) + "\"");
  };
  const auto slash = text.find('/');
  auto ip = parse_ip_address(text.substr(0, slash));
  if (!ip) return refuse();
  const unsigned family_bits = ip->is_v4() ? 32 : 128;
  unsigned bits = family_bits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || bits > family_bits) {
      return refuse();
    }
  }
  return network_of(*ip, ip->is_v4() ? bits + 96 : bits);
}

IpNetwork network_of(const IpAddress& ip, unsigned prefix) noexcept {
  IpNetwork net;
  net.prefix = prefix < 128 ? prefix : 128;
  net.base = ip;
  unsigned keep = net.prefix;
  for (auto& byte : net.base.bytes) {
    const unsigned take = keep >= 8 ? 8 : keep;
    byte = static_cast<std::uint8_t>(byte & (take == 0 ? 0 : (0xff << (8 - take))));
    keep -= take;
  }
  return net;
}

std::optional<IpAddress> rightmost_forwarded_address(std::string_view header_value) {
  const auto comma = header_value.rfind(',');
  const auto last = comma == std::string_view::npos ? header_value : header_value.substr(comma + 1);
  return parse_ip_address(last);
}

}  // namespace wshub::core
