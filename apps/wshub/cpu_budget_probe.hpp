// CpuBudgetProbe: reads how many CPUs this process may use, its affinity mask
// and its cgroup's CPU bandwidth limit, for the default worker count
// (core/cpu_budget.hpp parses what it reads).
//
// Thread-safety: free functions with no shared state; called at start-up.
#pragma once

#include <optional>
#include <string>

namespace wshub {

struct CgroupCpuLimit {
  double cpus = 0;   // the tightest limit from the process's cgroup up to the root
  std::string file;  // where it was read, for the log
};

struct CpuBudget {
  unsigned affinity_cpus = 1;  // CPUs in this process's affinity mask
  std::optional<CgroupCpuLimit> limit;
};

// `root` prefixes /proc and /sys/fs/cgroup (tests pass a directory tree).
std::optional<CgroupCpuLimit> read_cgroup_cpu_limit(const std::string& root = "");

// This process's affinity and the cgroup limit under `root`.
CpuBudget probe_cpu_budget(const std::string& root = "");

}  // namespace wshub
