"""The load generator against the real server (issue #4): every wshub-bench
scenario with tiny numbers, each JSON result checked by bench/check_result.py
(no loss, no duplicates, no reordering, sane fields), and bench/report.py on
one of them, so the tools cannot rot.

Binary: $WSHUB_BENCH_BIN, else `wshub-bench` next to $WSHUB_BIN; the tests are
skipped when it is not built. bench/smoke.sh runs the same outside pytest.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wshub_harness import REPO, WSHUB_BIN, scaled

sys.path.insert(0, str(REPO / "bench"))
from check_result import problems  # noqa: E402

BENCH_BIN = os.environ.get("WSHUB_BENCH_BIN") or str(Path(WSHUB_BIN).with_name("wshub-bench"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(BENCH_BIN, os.X_OK),
                       reason=f"wshub-bench not built at {BENCH_BIN} (set WSHUB_BENCH_BIN, or build "
                              f"the wshub-bench target next to WSHUB_BIN)"),
]


def run_bench(srv, tmp_path, name, args, timeout=60):
    out = tmp_path / f"{name}.json"
    cmd = [BENCH_BIN, *args, "--target", f"127.0.0.1:{srv.port}", "--server-pid", str(srv.pid),
           "--progress", "plain", "--out", str(out)]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=scaled(timeout))
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}\n{stderr}"
    doc = json.loads(out.read_text())
    found = problems(doc)
    assert not found, f"{' '.join(cmd)}:\n  " + "\n  ".join(found) + f"\nstderr:\n{stderr}"
    return doc


@pytest.mark.parametrize("via", ["api", "ws"])
def test_bench_fanout(server_factory, tmp_path, via):
    srv = server_factory()
    doc = run_bench(srv, tmp_path, f"fanout-{via}",
                    ["fanout", "--subscribers", "50", "--channels", "5", "--rate", "200", "--duration", "2",
                     "--publish-via", via])
    d = doc["results"]["deliveries"]
    assert d["delivered"] == 50 * 400 // 5
    window = doc["servers"][0]
    assert window["pid"] == srv.pid
    # CPU from the process's nanosecond CPU-time clock, not 10 ms ticks.
    assert window["cpu_clock"] == "cpu-clock", window
    assert window["end"]["cpu_ns"] > window["start"]["cpu_ns"] > 0, window


def test_report_with_out_writes_there_and_leaves_the_published_page_alone(server_factory, tmp_path):
    """bench/report.py --out (what run.sh --quick uses) turns a results
    directory into a page, summary and plots under that directory, and does
    not touch docs/BENCHMARKS.md or bench/results/."""
    srv = server_factory()
    results = tmp_path / "results"
    results.mkdir()
    doc = run_bench(srv, results, "wshub-w1.fanout-n50-r100.rep1",
                    ["fanout", "--subscribers", "50", "--channels", "5", "--rate", "100", "--duration", "1"])
    (results / "meta.json").write_text(json.dumps({"command": "test", "reps": 1, "servers": ["wshub-w1"]}))
    published = [REPO / "docs" / "BENCHMARKS.md", REPO / "bench" / "results" / "summary.json"]
    before = [p.read_bytes() for p in published]
    plots_before = sorted(p.name for p in (REPO / "bench" / "results" / "plots").glob("*.svg"))
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "report.py"), "--out", str(out), str(results)],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=scaled(60))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    page = (out / "BENCHMARKS.md").read_text()
    assert "### 50 subscribers, 5 channels, 100/s" in page, page[:3000]
    assert "](plots/latency-fanout-n50-r100.svg)" in page
    assert (out / "plots" / "latency-fanout-n50-r100.svg").read_text().startswith("<svg")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["medians"]["wshub-w1"]["fanout-n50-r100"]["delivered_per_s"] == pytest.approx(
        doc["results"]["deliveries"]["delivered_per_second"])
    # Bad invocations end with a message and a non-zero status, writing nothing.
    for bad in (["--out"], ["--out", str(tmp_path / "bad"), str(tmp_path / "no-such-results")]):
        proc = subprocess.run([sys.executable, str(REPO / "bench" / "report.py"), *bad], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=scaled(60))
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode != 0 and "report.py: " in err and "Traceback" not in err, (bad, err)
        assert not (tmp_path / "bad").exists()
    assert [p.read_bytes() for p in published] == before
    assert sorted(p.name for p in (REPO / "bench" / "results" / "plots").glob("*.svg")) == plots_before


def test_bench_idle(server_factory, tmp_path):
    srv = server_factory()
    doc = run_bench(srv, tmp_path, "idle", ["idle", "--connections", "100", "--channels", "10", "--duration", "1"])
    assert doc["results"]["subscribed"] == 100


def test_bench_storm(server_factory, tmp_path):
    srv = server_factory()
    doc = run_bench(srv, tmp_path, "storm", ["storm", "--connections", "200", "--concurrency", "20"])
    assert doc["results"]["subscribed"] == 200


@pytest.mark.nosan  # needs the server to move ~60 MB/s to its fast subscribers while queues overflow
def test_bench_slow(server_factory, tmp_path):
    # A send queue above one message; 32 KB x 100/s per channel gets past the
    # server's kernel send buffer (up to 4 MiB) within the run; a long close
    # timeout so the slow subscribers still find the close frame at the end.
    srv = server_factory(args=["--send-queue-bytes", "65536", "--close-timeout", "30"])
    doc = run_bench(srv, tmp_path, "slow",
                    ["slow", "--subscribers", "20", "--channels", "2", "--slow-share", "0.1", "--rate", "200",
                     "--duration", "4", "--payload", "32000"])
    assert doc["results"]["slow"]["closed_4000"] == 2


def test_bench_cluster(tmp_path):
    """Two instances on one redis-server: every delivery, including those that
    cross instances, arrives."""
    from redis_harness import RedisServer
    from wshub_harness import Server
    redis = RedisServer(tmp_path / "redis").start()
    servers = []
    try:
        for i in range(2):
            srv = Server(args=["--broker", redis.url], workdir=tmp_path / f"w{i}")
            servers.append(srv)
            srv.start()
            srv.wait_ready(10)
        out = tmp_path / "cluster.json"
        cmd = [BENCH_BIN, "cluster", "--subscribers", "40", "--channels", "4", "--rate", "100", "--duration", "2",
               "--progress", "plain", "--out", str(out)]
        for srv in servers:
            cmd += ["--target", f"127.0.0.1:{srv.port}", "--server-pid", str(srv.pid)]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=scaled(60))
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}\n{stderr}"
        doc = json.loads(out.read_text())
        found = problems(doc)
        assert not found, "\n".join(found) + f"\nstderr:\n{stderr}"
        d = doc["results"]["deliveries"]
        assert d["lost"] == 0 and d["delivered"] == d["expected"] > 0, d
        assert doc["results"]["instances"]["count"] == 2
        assert doc["results"]["instances"]["cross_instance_delivered"] > 0
    finally:
        for srv in servers:
            srv.close()
        redis.close()


MICRO_BIN = os.environ.get("WSHUB_MICRO_BIN") or str(Path(WSHUB_BIN).with_name("wshub-micro"))


@pytest.mark.skipif(not os.access(MICRO_BIN, os.X_OK), reason=f"wshub-micro not built at {MICRO_BIN}")
def test_microbenchmarks_run():
    """Every Google Benchmark microbenchmark runs and reports a time."""
    proc = subprocess.run([MICRO_BIN, "--benchmark_min_time=0.01", "--benchmark_format=json"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=scaled(120))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    doc = json.loads(proc.stdout)
    names = {b["name"].split("/")[0] for b in doc["benchmarks"]}
    assert {"BM_decode_publish", "BM_make_publication", "BM_fanout", "BM_coalesce"} <= names
    assert all(b["real_time"] > 0 and "error_occurred" not in b for b in doc["benchmarks"])
