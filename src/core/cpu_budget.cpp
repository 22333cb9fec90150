#include "core/cpu_budget.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace wshub::core {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::optional<std::int64_t> to_i64(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ratio(std::int64_t quota, std::int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  return static_cast<double>(quota) / static_cast<double>(period);
}

bool lists_controller(std::string_view controllers, std::string_view name) {
  while (!controllers.empty()) {
    const auto comma = controllers.find(',');
    if (controllers.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

CgroupPaths parse_proc_self_cgroup(std::string_view text) {
  CgroupPaths out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    // "hierarchy-id:controllers:path"; the path may itself hold ':'.
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, c1);
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string path(trim(line.substr(c2 + 1)));
    if (path.empty() || path.front() != '/') continue;
    if (id == "0" && controllers.empty()) {
      out.unified = path;
    } else if (lists_controller(controllers, "cpu")) {
      out.v1_cpu = path;
    }
  }
  return out;
}

std::optional<double> parse_cpu_max(std::string_view text) {
  text = trim(text);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view quota = text.substr(0, space);
  if (quota == "max") return std::nullopt;
  const auto q = to_i64(quota);
  const auto p = to_i64(text.substr(space + 1));
  if (!q || !p) return std::nullopt;
  return ratio(*q, *p);
}

std::optional<double> parse_cfs_quota(std::string_view quota_us, std::string_view period_us) {
  const auto q = to_i64(quota_us);
  const auto p = to_i64(period_us);
  if (!q || !p) return std::nullopt;
  return ratio(*q, *p);
}

unsigned default_workers(unsigned affinity_cpus, std::optional<double> limit_cpus, unsigned max_workers) {
  unsigned n = std::max(affinity_cpus, 1u);
  if (limit_cpus && *limit_cpus > 0) {
    // 1.5 CPUs: 2 workers; a limit just above a whole number (1.0001) is taken as that number.
    const double rounded = std::ceil(*limit_cpus - 1e-3);
    n = std::min(n, static_cast<unsigned>(std::max(rounded, 1.0)));
  }
  return std::clamp(n, 1u, std::max(max_workers, 1u));
}

}  // namespace wshub::core
