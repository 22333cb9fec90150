// ProcSampler: CPU time and resident memory of a process (its CPU-time clock
// and /proc).
//
// CPU is the process's CPU-time clock (clock_getcpuclockid: every thread,
// including those that have exited, in nanoseconds), and utime + stime of
// /proc/PID/stat as well: the same total, but in clock ticks (10 ms at
// USER_HZ 100, which alone moves a 3-second run's per-1,000-deliveries figure
// by a few percent), used only when the clock cannot be read. RSS is VmRSS of
// /proc/PID/status. Used for the server under test (--server-pid) and for the
// tool itself, at the start and the end of a measured window.
// Thread-safety: stateless free functions; call from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace wshub::bench {

struct ProcSample {
  std::int64_t at_ns = 0;      // steady clock when taken
  std::uint64_t cpu_us = 0;    // utime + stime (clock-tick resolution)
  std::uint64_t cpu_ns = 0;    // the CPU-time clock; 0 when it cannot be read
  std::uint64_t rss_kb = 0;    // VmRSS
  std::uint64_t threads = 0;   // Threads
  std::uint64_t open_fds = 0;  // entries of /proc/PID/fd (0 when unreadable)
};

// Empty when the process does not exist or /proc cannot be read.
std::optional<ProcSample> sample_process(pid_t pid);

// CPU time used between two samples of one process, never negative, and how
// it was measured: "cpu-clock" (nanoseconds) or "ticks" (utime + stime).
struct CpuDelta {
  std::uint64_t us = 0;
  const char* clock = "ticks";
};
CpuDelta cpu_us_between(const ProcSample& start, const ProcSample& end);

// The process's command name (/proc/PID/comm: "wshub", "node", "redis-server"); empty when unreadable.
std::string process_name(pid_t pid);

// True when /proc/PID exists.
bool process_exists(pid_t pid);

}  // namespace wshub::bench
