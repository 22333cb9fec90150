#include "config/option_values.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace wshub::config {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char to_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

bool all_digits(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// "67108864 (64 MiB)" for byte counts that are whole KiB/MiB/GiB, so limits read well.
std::string number_with_unit(std::uint64_t n, std::string_view unit) {
  std::string out = std::to_string(n);
  if (unit == "bytes" && n >= 1024) {
    constexpr std::uint64_t k_gib = 1ull << 30, k_mib = 1ull << 20, k_kib = 1ull << 10;
    if (n % k_gib == 0) {
      out += " (" + std::to_string(n / k_gib) + " GiB)";
    } else if (n % k_mib == 0) {
      out += " (" + std::to_string(n / k_mib) + " MiB)";
    } else if (n % k_kib == 0) {
      out += " (" + std::to_string(n / k_kib) + " KiB)";
    }
  } else if (!unit.empty()) {
    out += ' ';
    out += (n == 1 && unit.back() == 's') ? unit.substr(0, unit.size() - 1) : unit;
  }
  return out;
}

// HOST[:PORT] where HOST is a name, an IPv4 address or a bracketed IPv6 address.
bool is_host_and_optional_port(std::string_view text) noexcept {
  std::string_view host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : text.substr(1, close - 1)) {
      if (!(is_digit(c) || is_alpha(c) || c == ':' || c == '.' || c == '%')) return false;
    }
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    if (host.empty()) return false;
    for (char c : host) {
      if (!(is_digit(c) || is_alpha(c) || c == '.' || c == '-' || c == '_')) return false;
    }
  }
  if (rest.empty()) return true;
  const auto port = rest.substr(1);
  return rest.front() == ':' && all_digits(port) && port.size() <= 5;
}

}  // namespace

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char k_hex[] = "0123456789abcdef";
      out += "\\x";
      out += k_hex[u >> 4];
      out += k_hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string format_decimal(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc{} ? std::string(buf, end) : std::to_string(value);
}

core::Expected<bool, std::string> parse_bool(std::string_view text) {
  const auto t = trim(text);
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (equals_ignoring_case(t, yes)) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (equals_ignoring_case(t, no)) return false;
  }
  return core::unexpected("expected true or false (also yes/no, on/off, 1/0), got " + quoted(text));
}

core::Expected<std::uint64_t, std::string> parse_whole_number(std::string_view text, std::string_view unit,
                                                              std::uint64_t min, std::uint64_t max) {
  const auto t = trim(text);
  const std::string what = unit.empty() ? std::string("a whole number") : "a whole number of " + std::string(unit);
  if (t.size() > 1 && t.front() == '-' && all_digits(t.substr(1))) {
    return core::unexpected("must not be negative, got " + std::string(t));
  }
  if (!all_digits(t)) return core::unexpected("expected " + what + ", got " + quoted(text));
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec == std::errc::result_out_of_range || end != t.data() + t.size()) {
    return core::unexpected("must be at most " + number_with_unit(max, unit) + ", got " + std::string(t));
  }
  if (value < min) {
    if (min == 1) return core::unexpected("must be greater than 0, got " + std::string(t));
    return core::unexpected("must be at least " + number_with_unit(min, unit) + ", got " + std::string(t));
  }
  if (value > max) {
    return core::unexpected("must be at most " + number_with_unit(max, unit) + ", got " + std::string(t));
  }
  return value;
}

core::Expected<double, std::string> parse_positive_decimal(std::string_view text) {
  const auto t = trim(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size()) {
    return core::unexpected("expected a number, got " + quoted(text));
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    return core::unexpected("expected a finite number, got " + std::string(t));
  }
  if (!(value > 0)) return core::unexpected("must be greater than 0, got " + std::string(t));
  return value;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = text.find(',');
    const auto entry = trim(text.substr(0, comma));
    if (!entry.empty()) out.emplace_back(entry);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

core::Expected<void, std::string> check_origin(std::string_view origin) {
  if (origin == "*") {
    // Origins are matched exactly (auth/origin_policy.hpp); "*" would match nothing.
    return core::unexpected(std::string("\"*\" is not an origin; leave allowed_origins empty to allow every origin"));
  }
  const auto sep = origin.find("://");
  bool ok = sep != std::string_view::npos && sep > 0 && is_alpha(origin.front());
  if (ok) {
    for (char c : origin.substr(0, sep)) {
      ok = ok && (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.');
    }
    ok = ok && is_host_and_optional_port(origin.substr(sep + 3));
  }
  if (!ok) {
    return core::unexpected(
        "expected origins like https://app.example or http://localhost:3000 (scheme, host, "
        "optional port, no path), got " +
        quoted(origin));
  }
  return {};
}

core::Expected<void, std::string> check_broker(std::string_view broker) {
  if (broker == "memory") return {};
  for (std::string_view scheme : {"redis://", "redis+cluster://"}) {
    if (broker.starts_with(scheme) && broker.size() > scheme.size()) return {};
  }
  return core::unexpected("expected memory, redis://HOST:PORT[/DB] or redis+cluster://HOST:PORT,..., got " +
                          quoted(broker));
}

}  // namespace wshub::config
