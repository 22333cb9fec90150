// Descriptor limit: raises this process's RLIMIT_NOFILE soft limit to the hard
// limit and checks that a run fits in it, before any connection is opened.
// Thread-safety: call once at start-up, before threads exist.
#pragma once

#include <cstdint>
#include <string>

namespace wshub::bench {

struct FdLimit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// Descriptors the tool needs besides its connections (stdio, /proc reads,
// epoll, eventfds, metric probes).
inline constexpr std::uint64_t k_fd_reserve = 64;

// Raises the soft limit to the hard limit (best effort) and returns both.
FdLimit raise_fd_limit();

// Empty when `connections` + k_fd_reserve fit in limit.soft; otherwise a
// message that says how many are needed and how to get them.
std::string check_fd_limit(const FdLimit& limit, std::uint64_t connections);

}  // namespace wshub::bench
