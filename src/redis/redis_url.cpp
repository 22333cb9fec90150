#include "redis/redis_url.hpp"

#include <charconv>
#include <limits>

namespace wshub::redis {
namespace {

constexpr std::string_view k_scheme = "redis://";
constexpr std::string_view k_usage = "expected redis://[[user]:password@]host[:port][/db]";

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes %XX escapes; false on a truncated or non-hex escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) noexcept {
  // Hex digits, ':' and '.' (IPv4-mapped), and a zone after '%' such as fe80::1%eth0.
  return is_host_char(c) || c == ':' || c == '%';
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

core::Unexpected<std::string> bad(std::string why) { return core::unexpected("invalid Redis URL: " + std::move(why)); }

// Parses all of `text` as a decimal number in [min, max].
template <class T>
bool parse_number(std::string_view text, T min, T max, T& value) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && value >= min && value <= max;
}

}  // namespace

std::string RedisUrl::address() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

core::Expected<RedisUrl, std::string> parse_redis_url(std::string_view url) {
  if (starts_with_nocase(url, "rediss://")) return bad("rediss:// (TLS) is not supported; use redis://");
  if (starts_with_nocase(url, "unix://") || starts_with_nocase(url, "redis+unix://")) {
    return bad("unix sockets are not supported; use redis://host:port");
  }
  if (!starts_with_nocase(url, k_scheme)) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return bad(std::string(k_usage) + " (the redis:// scheme is missing)");
    return bad("unsupported scheme " + quoted(url.substr(0, sep)) + "; " + std::string(k_usage));
  }
  std::string_view rest = url.substr(k_scheme.size());

  RedisUrl out;
  // The last '@' ends the credentials, so an unescaped '@' in the password still works.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return bad("credentials must be user:password or :password (no ':' before '@')");
    }
    if (!percent_decode(userinfo.substr(0, colon), out.username)) return bad("bad %-escape in the user name");
    if (!percent_decode(userinfo.substr(colon + 1), out.password)) return bad("bad %-escape in the password");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("query strings and fragments are not supported");

  std::string_view after_host;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("'[' of an IPv6 host is not closed with ']'");
    const std::string_view host = rest.substr(1, close - 1);
    if (host.empty() || host.find(':') == std::string_view::npos) {
      return bad("invalid IPv6 host " + quoted(rest.substr(0, close + 1)));
    }
    for (char c : host) {
      if (!is_ipv6_char(c)) return bad("invalid IPv6 host " + quoted(rest.substr(0, close + 1)));
    }
    out.host = std::string(host);
    after_host = rest.substr(close + 1);
  } else {
    const auto end = rest.find_first_of(":/");
    const std::string_view host = rest.substr(0, end);
    if (host.empty()) return bad("the host is missing; " + std::string(k_usage));
    for (char c : host) {
      if (!is_host_char(c)) return bad("invalid host " + quoted(host));
    }
    out.host = std::string(host);
    after_host = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }

  if (!after_host.empty() && after_host.front() == ':') {
    const auto slash = after_host.find('/');
    const std::string_view port_text = after_host.substr(1, slash == std::string_view::npos ? slash : slash - 1);
    if (port_text.empty()) return bad("the port after ':' is empty");
    unsigned port = 0;
    if (!parse_number<unsigned>(port_text, 1, 65535, port)) {
      return bad("invalid port " + quoted(port_text) + " (must be 1 to 65535)");
    }
    out.port = static_cast<std::uint16_t>(port);
    after_host = slash == std::string_view::npos ? std::string_view{} : after_host.substr(slash);
  }

  if (!after_host.empty()) {
    if (after_host.front() != '/') return bad("unexpected " + quoted(after_host) + " after the host");
    const std::string_view db_text = after_host.substr(1);
    if (!db_text.empty() && !parse_number<int>(db_text, 0, std::numeric_limits<int>::max(), out.db)) {
      return bad("invalid database " + quoted(db_text) + " (must be a number such as /0)");
    }
  }
  return out;
}

}  // namespace wshub::redis
