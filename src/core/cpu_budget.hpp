// CPU budget: how many CPUs this process may use, worked out from what Linux
// says about it, and the default worker count that follows. The files are read
// by the caller (apps/wshub/cpu_budget_probe.cpp); this part only parses.
//
// A process may run on fewer CPUs than the machine has: its affinity mask
// (taskset, cpusets) and its cgroup's CPU bandwidth limit (a container's CPU
// limit, "cpu.max" in cgroup v2, cpu.cfs_quota_us / cpu.cfs_period_us in v1).
// One worker per CPU of the machine would then put many shard threads on a
// small share of it.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshub::core {

// The cgroup paths in /proc/self/cgroup: the unified (v2) hierarchy's
// ("0::<path>") and, with cgroup v1, the cpu controller's ("N:cpu,cpuacct:<path>").
struct CgroupPaths {
  std::optional<std::string> unified;
  std::optional<std::string> v1_cpu;
};
CgroupPaths parse_proc_self_cgroup(std::string_view text);

// cgroup v2 cpu.max ("<quota> <period>" or "max <period>"): the limit in CPUs,
// or nothing when there is none or the text is not understood.
std::optional<double> parse_cpu_max(std::string_view text);

// cgroup v1 cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us, as for parse_cpu_max.
std::optional<double> parse_cfs_quota(std::string_view quota_us, std::string_view period_us);

// One worker per CPU the process may use: the CPUs of its affinity mask,
// lowered to the cgroup limit rounded up (1.5 CPUs: 2 workers), within 1..max.
unsigned default_workers(unsigned affinity_cpus, std::optional<double> limit_cpus, unsigned max_workers);

}  // namespace wshub::core
