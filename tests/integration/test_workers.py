"""The default worker count (`workers = 0`) follows the CPUs the process may
use: its affinity mask (taskset) and its cgroup's CPU limit (a container's),
not the machine's CPU count."""
import os
import signal
import uuid
from pathlib import Path

import pytest

from wshub_harness import wait_until


def shards(srv):
    return srv.metric("wshub_shards")


def test_default_workers_follow_the_affinity_mask(server_factory):
    cpus = sorted(os.sched_getaffinity(0))
    srv = server_factory(prefix=["taskset", "-c", str(cpus[0])])
    assert shards(srv) == 1
    log = srv.stderr_path.read_text()
    assert "workers: 1 (one per CPU this process may use: 1 in its affinity mask" in log, log[-2000:]


def test_workers_flag_wins_over_the_affinity_mask(server_factory):
    cpus = sorted(os.sched_getaffinity(0))
    srv = server_factory(args=["--workers", "3"], prefix=["taskset", "-c", str(cpus[0])])
    assert shards(srv) == 3


def test_default_workers_without_limits_are_one_per_cpu(server_factory):
    srv = server_factory()
    log = srv.stderr_path.read_text()
    if "cgroup CPU limit: none" not in log:
        pytest.skip("this machine runs tests under a cgroup CPU limit")
    assert shards(srv) == min(len(os.sched_getaffinity(0)), 64)


def cpu_cgroup():
    """A fresh cgroup with a CPU quota this test may move a process into:
    (directory, how to write the limit) or None where cgroups are not
    writable here (no root, no cpu controller, read-only /sys)."""
    name = f"wshub-test-{uuid.uuid4().hex[:8]}"
    v1 = Path("/sys/fs/cgroup/cpu")
    if (v1 / "cpu.cfs_quota_us").exists():
        d = v1 / name
        try:
            d.mkdir()
            (d / "cpu.cfs_period_us").write_text("100000")
            (d / "cpu.cfs_quota_us").write_text("50000")  # half a CPU
            return d
        except OSError:
            return None
    v2 = Path("/sys/fs/cgroup")
    try:
        if "cpu" not in (v2 / "cgroup.subtree_control").read_text().split():
            return None
        d = v2 / name
        d.mkdir()
        (d / "cpu.max").write_text("50000 100000")
        return d
    except OSError:
        return None


def test_default_workers_follow_the_cgroup_cpu_limit(server_factory):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: a limit of half a CPU changes nothing")
    d = cpu_cgroup()
    if d is None:
        pytest.skip("no writable cpu cgroup here")
    try:
        srv = server_factory(prefix=["sh", "-c", f'echo $$ > {d}/cgroup.procs && exec "$0" "$@"'])
        assert shards(srv) == 1
        log = srv.stderr_path.read_text()
        assert "cgroup CPU limit: 0.5 CPUs in" in log, log[-2000:]
    finally:
        # Only the server was moved in; the cgroup goes once it has exited.
        for pid in (d / "cgroup.procs").read_text().split():
            os.kill(int(pid), signal.SIGKILL)
        wait_until(lambda: not (d / "cgroup.procs").read_text().strip(), 10, what="the cgroup to empty")
        d.rmdir()
