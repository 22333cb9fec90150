// RedisUrl: where one Redis server is and how to log in, parsed from a URL.
//
//   redis://[[user]:password@]host[:port][/db]
//
// host is a name, an IPv4 address or a bracketed IPv6 address (`[::1]`,
// stored without the brackets). user and password are percent-decoded, so a
// password holding ':', '@' or '/' is written %3A, %40, %2F. The port defaults
// to 6379 and the database to 0. rediss:// (TLS), query strings and unix
// sockets are refused with a message that says so. Error messages name the
// part that is wrong and never repeat the password.
//
// Thread-safety: a plain value type and a pure function; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace wshub::redis {

struct RedisUrl {
  std::string host;
  std::uint16_t port = 6379;
  int db = 0;
  std::string username;  // empty: AUTH with the password only (the "default" user)
  std::string password;  // empty: no AUTH

  // "host:port", with brackets around an IPv6 host; for messages and logs.
  std::string address() const;

  bool operator==(const RedisUrl&) const = default;
};

core::Expected<RedisUrl, std::string> parse_redis_url(std::string_view url);

}  // namespace wshub::redis
