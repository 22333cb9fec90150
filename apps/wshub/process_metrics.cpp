#include "apps/wshub/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "apps/wshub/allocator.hpp"

namespace wshub::app {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help, double value) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name, help, name, type, name,
                              value);
  if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// /proc/self/stat fields 14-15 (utime, stime in clock ticks), 22 (start time
// in ticks since boot), 23 (vsize bytes), 24 (rss pages). The command name
// (field 2) may hold spaces and parentheses: parse after its last ')'.
struct Stat {
  double cpu_seconds = 0;
  double start_seconds_after_boot = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

std::optional<Stat> read_stat() {
  const auto text = read_file("/proc/self/stat");
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(text->substr(close + 1));
  std::string field;
  Stat s;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // The stream starts at field 3 (state).
  for (int i = 3; in >> field; ++i) {
    if (i == 14 || i == 15) s.cpu_seconds += std::stod(field) / tick;
    if (i == 22) s.start_seconds_after_boot = std::stod(field) / tick;
    if (i == 23) s.virtual_bytes = std::stod(field);
    if (i == 24) {
      s.resident_bytes = std::stod(field) * page;
      return s;
    }
  }
  return std::nullopt;
}

// Seconds since the epoch at boot, from /proc/stat's btime.
std::optional<double> boot_time() {
  const auto text = read_file("/proc/stat");
  if (!text) return std::nullopt;
  const auto at = text->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text->substr(at + 7));
}

}  // namespace

void render_process_metrics(std::string& out) {
  if (const auto s = read_stat()) {
    family(out, "process_cpu_seconds_total", "counter", "User and system CPU time of the process in seconds.",
           s->cpu_seconds);
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory (RSS) in bytes.", s->resident_bytes);
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", s->virtual_bytes);
    if (const auto boot = boot_time()) {
      family(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.",
             *boot + s->start_seconds_after_boot);
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  // The directory iterator's own descriptor is one of them.
  if (!ec && fds > 0) family(out, "process_open_fds", "gauge", "Open file descriptors.", static_cast<double>(fds - 1));
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors (the soft limit).",
           static_cast<double>(nofile.rlim_cur));
  }

  const HeapStats h = heap_stats();
  out +=
      "# HELP wshub_heap_bytes Heap memory by state, as the allocator accounts it: in_use by the server, free "
      "(kept by the allocator for reuse, still resident), unmapped (returned to the kernel).\n"
      "# TYPE wshub_heap_bytes gauge\n";
  out += "wshub_heap_bytes{state=\"in_use\"} " + std::to_string(h.in_use) + "\n";
  out += "wshub_heap_bytes{state=\"free\"} " + std::to_string(h.free) + "\n";
  out += "wshub_heap_bytes{state=\"unmapped\"} " + std::to_string(h.unmapped) + "\n";
}

}  // namespace wshub::app
