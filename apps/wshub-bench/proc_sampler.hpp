// ProcSampler: CPU time and resident memory of a process, read from /proc.
//
// CPU is utime + stime of /proc/PID/stat (all threads), RSS is VmRSS of
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
  std::uint64_t cpu_us = 0;    // utime + stime
  std::uint64_t rss_kb = 0;    // VmRSS
  std::uint64_t threads = 0;   // Threads
  std::uint64_t open_fds = 0;  // entries of /proc/PID/fd (0 when unreadable)
};

// Empty when the process does not exist or /proc cannot be read.
std::optional<ProcSample> sample_process(pid_t pid);

// The process's command name (/proc/PID/comm: "wshub", "node", "redis-server"); empty when unreadable.
std::string process_name(pid_t pid);

// True when /proc/PID exists.
bool process_exists(pid_t pid);

}  // namespace wshub::bench
