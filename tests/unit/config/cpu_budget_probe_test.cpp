// CpuBudgetProbe (apps/wshub): the cgroup CPU limit read from a directory tree
// laid out like /proc and /sys/fs/cgroup.
#include "cpu_budget_probe.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace wshub {
namespace {

namespace fs = std::filesystem;

class CpuBudgetProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("wshub-cpu-budget-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root() const { return root_.string(); }

  fs::path root_;
};

TEST_F(CpuBudgetProbeTest, NoCgroupFileMeansNoLimit) { EXPECT_FALSE(read_cgroup_cpu_limit(root()).has_value()); }

TEST_F(CpuBudgetProbeTest, UnifiedHierarchyWithoutALimit) {
  write("proc/self/cgroup", "0::/user.slice\n");
  write("sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  EXPECT_FALSE(read_cgroup_cpu_limit(root()).has_value());
}

// A container with its own cgroup namespace sees "0::/" and its limit at the root.
TEST_F(CpuBudgetProbeTest, UnifiedHierarchyContainerSeesItsLimitAtTheRoot) {
  write("proc/self/cgroup", "0::/\n");
  write("sys/fs/cgroup/cpu.max", "150000 100000\n");
  const auto limit = read_cgroup_cpu_limit(root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(limit->cpus, 1.5);
  EXPECT_EQ(limit->file, root() + "/sys/fs/cgroup/cpu.max");
}

// A parent's limit binds its children: the tightest on the way up wins.
TEST_F(CpuBudgetProbeTest, UnifiedHierarchyTakesTheTightestLimitUpTheTree) {
  write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "400000 100000\n");
  write("sys/fs/cgroup/kubepods/pod1/cpu.max", "200000 100000\n");
  write("sys/fs/cgroup/kubepods/cpu.max", "max 100000\n");
  const auto limit = read_cgroup_cpu_limit(root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(limit->cpus, 2.0);
  EXPECT_EQ(limit->file, root() + "/sys/fs/cgroup/kubepods/pod1/cpu.max");
}

// cgroup v1 in a container without a cgroup namespace: /proc names the host's
// path, the mount shows the container's own cgroup at its root.
TEST_F(CpuBudgetProbeTest, V1QuotaAtTheMountRoot) {
  write("proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n");
  write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
  write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  const auto limit = read_cgroup_cpu_limit(root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(limit->cpus, 0.5);
}

TEST_F(CpuBudgetProbeTest, V1WithoutAQuota) {
  write("proc/self/cgroup", "2:cpu:/\n");
  write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_FALSE(read_cgroup_cpu_limit(root()).has_value());
}

TEST_F(CpuBudgetProbeTest, ProbeCountsThisProcesssAffinity) {
  const CpuBudget b = probe_cpu_budget(root());
  EXPECT_GE(b.affinity_cpus, 1u);
  EXPECT_FALSE(b.limit.has_value());
}

}  // namespace
}  // namespace wshub
