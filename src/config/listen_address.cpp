#include "config/listen_address.hpp"

#include <charconv>

#include "config/option_values.hpp"

namespace wshub::config {
namespace {

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) noexcept {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

}  // namespace

core::Expected<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  const auto t = trim(text);
  const auto bad = [&text](std::string_view why) {
    return core::unexpected("expected HOST:PORT such as 0.0.0.0:8000 or [::1]:8000" + std::string(why) + ", got " +
                            quoted(text));
  };
  const auto colon = t.rfind(':');
  if (colon == std::string_view::npos) return bad(" (the port is missing)");
  std::string_view host = t.substr(0, colon);
  const std::string_view port_text = t.substr(colon + 1);

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.empty()) return bad("");
    for (char c : host) {
      if (!is_ipv6_char(c)) return bad("");
    }
  } else {
    if (host.empty()) return bad(" (the host is missing; 0.0.0.0 means every interface)");
    if (host.find(':') != std::string_view::npos) return bad(" (IPv6 addresses need brackets)");
    for (char c : host) {
      if (!is_name_char(c)) return bad("");
    }
  }

  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return bad(" (the port must be 0 to 65535)");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace wshub::config
