#include "cpu_budget_probe.hpp"

#include <sched.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/cpu_budget.hpp"

namespace wshub {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Keeps in `found` the tighter of it and `cpus` (read from `file`).
void keep_tighter(std::optional<CgroupCpuLimit>& found, std::optional<double> cpus, const fs::path& file) {
  if (cpus && (!found || *cpus < found->cpus)) found = CgroupCpuLimit{*cpus, file.string()};
}

// From `mount`/`path` up to `mount` itself: a limit anywhere on the way binds.
// Directories that are not there (a container sees its own cgroup at the
// mount's root, under a path named after the host's) are skipped.
template <class ReadLimit>
void walk_up(const fs::path& mount, const std::string& path, std::optional<CgroupCpuLimit>& found,
             ReadLimit read_limit) {
  std::vector<fs::path> dirs{mount};
  for (const auto& part : fs::path(path).relative_path()) {
    if (part.empty() || part == "." || part == "..") continue;
    dirs.push_back(dirs.back() / part);
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) read_limit(*it, found);
}

}  // namespace

std::optional<CgroupCpuLimit> read_cgroup_cpu_limit(const std::string& root) {
  const auto text = read_text(fs::path(root + "/proc/self/cgroup"));
  if (!text) return std::nullopt;
  const core::CgroupPaths paths = core::parse_proc_self_cgroup(*text);
  std::optional<CgroupCpuLimit> found;
  const fs::path cgroup_root(root + "/sys/fs/cgroup");
  if (paths.unified) {
    walk_up(cgroup_root, *paths.unified, found, [](const fs::path& dir, std::optional<CgroupCpuLimit>& f) {
      const fs::path file = dir / "cpu.max";
      if (const auto t = read_text(file)) keep_tighter(f, core::parse_cpu_max(*t), file);
    });
  }
  if (paths.v1_cpu) {
    for (const char* mount : {"cpu,cpuacct", "cpu"}) {
      const fs::path m = cgroup_root / mount;
      std::error_code ec;
      if (!fs::is_directory(m, ec)) continue;
      walk_up(m, *paths.v1_cpu, found, [](const fs::path& dir, std::optional<CgroupCpuLimit>& f) {
        const fs::path quota = dir / "cpu.cfs_quota_us";
        const auto q = read_text(quota);
        const auto p = read_text(dir / "cpu.cfs_period_us");
        if (q && p) keep_tighter(f, core::parse_cfs_quota(*q, *p), quota);
      });
      break;  // "cpu" is often a link to "cpu,cpuacct": one is enough
    }
  }
  return found;
}

CpuBudget probe_cpu_budget(const std::string& root) {
  CpuBudget b;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    b.affinity_cpus = static_cast<unsigned>(CPU_COUNT(&set));
  } else {
    b.affinity_cpus = std::thread::hardware_concurrency();
  }
  if (b.affinity_cpus == 0) b.affinity_cpus = 1;
  b.limit = read_cgroup_cpu_limit(root);
  return b;
}

}  // namespace wshub
