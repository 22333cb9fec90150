#include "fd_limit.hpp"

#include <sys/resource.h>

namespace wshub::bench {

FdLimit raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  const auto as_u64 = [](rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(v); };
  return {as_u64(lim.rlim_cur), as_u64(lim.rlim_max)};
}

std::string check_fd_limit(const FdLimit& limit, std::uint64_t connections) {
  const std::uint64_t needed = connections + k_fd_reserve;
  if (needed <= limit.soft) return {};
  return "this run needs " + std::to_string(needed) + " file descriptors (" + std::to_string(connections) +
         " connections + " + std::to_string(k_fd_reserve) + " reserved) but the limit is " +
         std::to_string(limit.soft) + " (hard limit " + std::to_string(limit.hard) +
         "); use fewer connections, split the load over several wshub-bench processes, or raise the hard "
         "limit (ulimit -Hn, /etc/security/limits.conf, LimitNOFILE=) before starting";
}

}  // namespace wshub::bench
