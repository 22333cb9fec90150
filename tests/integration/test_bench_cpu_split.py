"""bench/cpu_split.py sorts perf samples into the right buckets (pure logic on
`perf script -F ip,sym` text; no perf needed)."""

import subprocess
import sys

from wshub_harness import REPO

sys.path.insert(0, str(REPO / "bench"))
import cpu_split  # noqa: E402

# Six samples in perf script's layout: frames from the leaf to the root, a
# blank line between samples.
PERF_SCRIPT = """
\tffffffff8209b6a1 tcp_rate_skb_sent
\tffffffff8206e58b tcp_sendmsg
\tffffffff81ba577d io_sendmsg
\tffffffff81b89cd2 io_submit_sqes
\tffffffff81b8a2ef __do_sys_io_uring_enter
\tffffffff8225a6c1 do_syscall_64
\tffffffff81000130 entry_SYSCALL_64_after_hwframe
\t            2b95 [unknown]

\tffffffff81e7e28b fget
\tffffffff81b89cd2 io_submit_sqes
\tffffffff81b8a2ef __do_sys_io_uring_enter
\tffffffff8225a6c1 do_syscall_64
\tffffffff81000130 entry_SYSCALL_64_after_hwframe

\t    55d21918e000 wshub::net::WebSocketSession::send
\t    55d21918e100 wshub::hub::ChannelRouter::deliver_local

\tffffffff8225fd19 pvm_irq_enable
\tffffffff81400000 ep_poll
\tffffffff81400100 __x64_sys_epoll_wait
\tffffffff8225a6c1 do_syscall_64
\tffffffff81000130 entry_SYSCALL_64_after_hwframe
\t    7f69bb45e004 epoll_wait

\tffffffff81500000 futex_wait
\tffffffff81500100 __x64_sys_futex
\tffffffff8225a6c1 do_syscall_64
\tffffffff81000130 entry_SYSCALL_64_after_hwframe

\tffffffff81600000 handle_mm_fault
\tffffffff81600100 asm_exc_page_fault
\t    55d21918e000 v8::internal::Heap::Scavenge
"""


def test_samples_land_in_the_bucket_of_their_system_call():
    counts, n = cpu_split.split(PERF_SCRIPT.splitlines())
    assert n == 6
    assert counts == {"socket writes": 2, "user space": 1, "event loop": 1, "other system calls": 1,
                      "kernel, no call": 1}


def test_the_command_line_scales_the_shares():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "cpu_split.py"), "-", "--scale", "600"],
                          input=PERF_SCRIPT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    rows = {line[:20].strip(): line[20:].split() for line in proc.stdout.splitlines()[1:]}
    assert rows["samples"] == ["6"]
    assert rows["socket writes"] == ["200", "33.3", "%"]  # 2 of 6 samples of 600
    assert rows["socket reads"] == ["0", "0.0", "%"]


def test_a_scale_per_profile_is_required():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "cpu_split.py"), "-", "-", "--scale", "1"],
                          input="", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "--scale given 1 times for 2 profiles" in proc.stderr
