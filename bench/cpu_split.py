#!/usr/bin/env python3
"""Where a server's CPU goes: user space, or which kind of system call.

Reads `perf record -g` profiles (or `perf script -F ip,sym` text) and sorts
every sample into one of a few buckets by the system call it is under:

  user space            the leaf is a user-space address
  socket writes         sendmsg/sendto/write/writev/io_uring_enter; on
                        loopback this includes the TCP receive processing of
                        the reading side, which the kernel runs in the
                        writer's context
  socket reads          read/recvfrom/recvmsg and friends
  event loop            epoll_wait/epoll_ctl and friends
  other system calls    anything else under a system call (futex, accept,
                        the work done on the way back to user space)
  kernel, no call       interrupts and faults outside any system call

The point is comparing servers that do the same work: the socket-write share
is mostly work every server pays per delivery, so what a server can still
save is in the other buckets. `--scale` turns the shares into the same unit
as a benchmark figure (for example the run's server CPU microseconds per
1,000 deliveries).

  perf record -F 4999 -g -p "$PID" -o a.perf -- sleep 2   # during a run
  bench/cpu_split.py a.perf [b.perf ...] [--scale 11080 [--scale ...]]
"""

import argparse
import collections
import subprocess
import sys

BUCKETS = ["user space", "socket writes", "socket reads", "event loop", "other system calls", "kernel, no call"]

# Normalised system call names (see syscall_name) to buckets.
CALLS = {
    "sendmsg": "socket writes", "sendto": "socket writes", "sendmmsg": "socket writes",
    "write": "socket writes", "writev": "socket writes", "io_uring_enter": "socket writes",
    "read": "socket reads", "readv": "socket reads", "recvfrom": "socket reads",
    "recvmsg": "socket reads", "recvmmsg": "socket reads",
    "epoll_wait": "event loop", "epoll_pwait": "event loop", "epoll_pwait2": "event loop",
    "epoll_ctl": "event loop",
}
PREFIXES = ("__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", "ksys_", "__sys_", "do_")
ENTRY = ("do_syscall_64", "entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe")


def syscall_name(sym):
    for p in PREFIXES:
        if sym.startswith(p):
            return sym[len(p):]
    return sym


def is_kernel(ip):
    try:
        return int(ip, 16) >= 0xFFFF800000000000
    except ValueError:
        return False


def bucket(frames):
    """frames: [(ip, symbol)] from the leaf to the root, as perf script prints them."""
    if not frames or not is_kernel(frames[0][0]):
        return "user space"
    syms = [s for _, s in frames]
    entry = next((i for i, s in enumerate(syms) if s in ENTRY), None)
    if entry is None:
        return "kernel, no call"
    # From the entry towards the leaf: the first frame that names a known call.
    for s in reversed(syms[:entry]):
        b = CALLS.get(syscall_name(s))
        if b:
            return b
    return "other system calls"


def samples(lines):
    """Yields each sample's frames from `perf script -F ip,sym` output."""
    frames = []
    for line in lines:
        parts = line.split(None, 1)
        if not parts:
            if frames:
                yield frames
            frames = []
            continue
        if not line[0].isspace():
            continue  # a header line (when more fields were asked for)
        frames.append((parts[0], parts[1].strip() if len(parts) > 1 else "?"))
    if frames:
        yield frames


def split(lines):
    counts = collections.Counter(bucket(f) for f in samples(lines))
    return counts, sum(counts.values())


def perf_script(path):
    if path == "-":
        return sys.stdin.read().splitlines()
    try:
        out = subprocess.run(["perf", "script", "-F", "ip,sym", "-i", path], capture_output=True, text=True,
                             check=True)
    except FileNotFoundError:
        sys.exit("cpu_split.py: perf is not installed (Debian package linux-perf)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"cpu_split.py: perf script -i {path} failed: {e.stderr.strip()}")
    return out.stdout.splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Buckets and an example: see the top of this file.")
    ap.add_argument("profiles", nargs="+", help="perf.data files recorded with -g, or - for perf script text")
    ap.add_argument("--scale", type=float, action="append", default=[],
                    help="a figure per profile (in order) to split in proportion, e.g. CPU us per 1k deliveries")
    args = ap.parse_args()
    if args.scale and len(args.scale) != len(args.profiles):
        ap.error(f"--scale given {len(args.scale)} times for {len(args.profiles)} profiles")

    results = [split(perf_script(p)) for p in args.profiles]
    for p, (_, n) in zip(args.profiles, results):
        if n == 0:
            sys.exit(f"cpu_split.py: {p} has no samples")
    width = max(len(b) for b in BUCKETS)
    print(f"{'':{width}}  " + "  ".join(f"{p[-24:]:>24}" for p in args.profiles))
    print(f"{'samples':{width}}  " + "  ".join(f"{n:>24,}" for _, n in results))
    for b in BUCKETS:
        cells = []
        for i, (counts, n) in enumerate(results):
            share = counts[b] / n
            cell = f"{100 * share:5.1f} %"
            if args.scale:
                cell = f"{share * args.scale[i]:,.0f}  " + cell
            cells.append(f"{cell:>24}")
        print(f"{b:{width}}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
