// CPU budget: parsing what Linux says about the CPUs a process may use, and
// the default worker count.
#include "core/cpu_budget.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

TEST(CpuBudget, ProcSelfCgroupOfAUnifiedHierarchy) {
  const auto p = parse_proc_self_cgroup("0::/kubepods.slice/pod1/cri-containerd-abc.scope\n");
  EXPECT_EQ(p.unified, "/kubepods.slice/pod1/cri-containerd-abc.scope");
  EXPECT_FALSE(p.v1_cpu.has_value());
}

TEST(CpuBudget, ProcSelfCgroupOfV1FindsTheCpuController) {
  const auto p = parse_proc_self_cgroup(
      "12:memory:/docker/abc\n"
      "4:cpu,cpuacct:/docker/abc\n"
      "3:cpuset:/docker/abc\n"
      "1:name=systemd:/docker/abc\n"
      "0::/system.slice/docker.service\n");
  EXPECT_EQ(p.v1_cpu, "/docker/abc");
  EXPECT_EQ(p.unified, "/system.slice/docker.service");
}

TEST(CpuBudget, ProcSelfCgroupIgnoresControllersThatOnlyStartWithCpu) {
  const auto p = parse_proc_self_cgroup("3:cpuset:/a\n2:cpuacct:/b\nnonsense\n5:cpu:relative\n");
  EXPECT_FALSE(p.v1_cpu.has_value());
  EXPECT_FALSE(p.unified.has_value());
}

TEST(CpuBudget, CpuMax) {
  EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(*parse_cpu_max("150000 100000\n"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_cpu_max("50000 100000"), 0.5);
  EXPECT_EQ(parse_cpu_max(""), std::nullopt);
  EXPECT_EQ(parse_cpu_max("100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("x 100000"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("100000 0"), std::nullopt);
}

TEST(CpuBudget, CfsQuota) {
  EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(*parse_cfs_quota("200000\n", "100000\n"), 2.0);
  EXPECT_EQ(parse_cfs_quota("", "100000"), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("100000", "0"), std::nullopt);
}

TEST(CpuBudget, DefaultWorkersFollowTheSmallerOfAffinityAndLimit) {
  EXPECT_EQ(default_workers(8, std::nullopt, 64), 8u);
  EXPECT_EQ(default_workers(8, 1.5, 64), 2u);
  EXPECT_EQ(default_workers(8, 2.0, 64), 2u);
  EXPECT_EQ(default_workers(8, 2.0004, 64), 2u) << "rounding noise of a whole limit";
  EXPECT_EQ(default_workers(8, 0.25, 64), 1u);
  EXPECT_EQ(default_workers(2, 16.0, 64), 2u);
  EXPECT_EQ(default_workers(128, std::nullopt, 64), 64u);
  EXPECT_EQ(default_workers(0, std::nullopt, 64), 1u);
}

}  // namespace
}  // namespace wshub::core
