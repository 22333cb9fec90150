#include "proc_sampler.hpp"

#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "clock.hpp"

namespace wshub::bench {
namespace {

// utime and stime are fields 14 and 15 of /proc/PID/stat; the command name
// (field 2) is in parentheses and may contain spaces, so count after the last ')'.
std::optional<std::uint64_t> read_cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  // After ')': field 3 (state) is the first token; utime is field 14.
  for (int index = 3; index <= 15 && (fields >> field); ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  return utime + stime;
}

// The process's CPU-time clock (all its threads, live and exited); 0 when the
// clock cannot be had (the process is gone, or the kernel refuses).
std::uint64_t read_cpu_clock_ns(pid_t pid) {
  clockid_t clock{};
  timespec ts{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t status_value_kb(const std::string& status, std::string_view key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return std::stoull(line.substr(key.size()));
  }
  return 0;
}

std::uint64_t count_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
  std::uint64_t n = 0;
  for (; !ec && it != end; it.increment(ec)) ++n;
  return ec ? 0 : n;
}

}  // namespace

CpuDelta cpu_us_between(const ProcSample& start, const ProcSample& end) {
  if (start.cpu_ns != 0 && end.cpu_ns >= start.cpu_ns) {
    return CpuDelta{(end.cpu_ns - start.cpu_ns) / 1000, "cpu-clock"};
  }
  return CpuDelta{end.cpu_us >= start.cpu_us ? end.cpu_us - start.cpu_us : 0, "ticks"};
}

std::string process_name(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

bool process_exists(pid_t pid) {
  std::error_code ec;
  return pid > 0 && std::filesystem::exists("/proc/" + std::to_string(pid), ec);
}

std::optional<ProcSample> sample_process(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  ProcSample s;
  s.at_ns = steady_ns();
  try {
    const auto ticks = read_cpu_ticks(pid);
    if (!ticks) return std::nullopt;
    const long hz = sysconf(_SC_CLK_TCK);
    s.cpu_us = *ticks * 1'000'000 / static_cast<std::uint64_t>(hz > 0 ? hz : 100);
    s.cpu_ns = read_cpu_clock_ns(pid);
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string status = buffer.str();
    s.rss_kb = status_value_kb(status, "VmRSS:");
    s.threads = status_value_kb(status, "Threads:");
  } catch (const std::exception&) {  // stoull on a malformed file: treat as unreadable
    return std::nullopt;
  }
  s.open_fds = count_fds(pid);
  return s;
}

}  // namespace wshub::bench
