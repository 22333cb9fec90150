// Formats a point in time as ISO 8601 in UTC, "2026-11-30T02:41:42Z", as the
// server API and the cluster registry show times. Pure; thread-safe.
#pragma once

#include <ctime>
#include <string>

namespace wshub::core {

inline std::string iso8601_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace wshub::core
