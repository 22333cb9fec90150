#!/usr/bin/env python3
"""Turns one bench/run.sh results directory into docs/BENCHMARKS.md.

    python3 bench/report.py [--out DIR] [bench/results/<stamp> ...]     (default: the newest)

Several directories are merged (e.g. a full run of the single-instance section
and one of `run.sh --sections cluster`); the first one's meta.json describes
the page, the others are named next to it.

Reads <stamp>/meta.json and every <server>.<point>.rep<N>.json (wshub-bench
result documents), takes the median of each figure over the repetitions, and
writes:
  bench/results/summary.json      the medians (committed; the raw files are not)
  bench/results/plots/*.svg       plots drawn here (no plotting library)
  docs/BENCHMARKS.md              tables of wshub next to each peer, ratios, plots
or, with --out DIR, DIR/summary.json, DIR/plots/*.svg and DIR/BENCHMARKS.md
(bench/run.sh --quick does that, so a development run leaves the published
page alone).
Python 3 standard library only.
"""
import argparse
import glob
import html
import json
import math
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
PLOTS = os.path.join(RESULTS, "plots")  # the published page's; --out puts them elsewhere
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")

WSHUBS = ["wshub-w1", "wshub"]
LABELS = {
    "wshub-w1": "wshub (--workers 1)",
    "wshub": "wshub (default workers)",
    "bun": "Bun pub/sub",
    "node-ws": "Node ws + Redis",
    "socketio": "Socket.IO + Redis adapter",
}
COLORS = {
    "wshub-w1": "#d62728",
    "wshub": "#ff7f0e",
    "bun": "#1f77b4",
    "node-ws": "#2ca02c",
    "socketio": "#9467bd",
}
REDIS_BACKED = {"node-ws", "socketio"}


# ---------------------------------------------------------------- loading

def load(directory):
    if not os.path.isfile(os.path.join(directory, "meta.json")):
        sys.exit(f"report.py: {directory} is not a bench/run.sh results directory (no meta.json)")
    meta = json.load(open(os.path.join(directory, "meta.json")))
    runs = {}  # (server, point) -> [doc]
    for path in sorted(glob.glob(os.path.join(directory, "*.rep*.json"))):
        m = re.match(r"(.+?)\.(.+)\.rep(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        try:
            doc = json.load(open(path))
        except (OSError, ValueError):
            continue
        doc["_repetition"] = (os.path.basename(directory), int(m.group(3)))  # pairs servers measured side by side
        runs.setdefault((m.group(1), m.group(2)), []).append(doc)
    return meta, runs


def paired_ratios(runs, a, b, point, key):
    """a / b of `key` in each repetition where both were measured (same run, same repetition)."""
    def by_rep(server):
        return {d["_repetition"]: figures(point, d).get(key) for d in runs.get((server, point), [])}
    ra, rb = by_rep(a), by_rep(b)
    return sorted(ra[k] / rb[k] for k in ra if k in rb and ra[k] is not None and rb[k])


def dig(doc, *keys):
    for k in keys:
        if not isinstance(doc, dict) or k not in doc:
            return None
        doc = doc[k]
    return doc


def figures(point, doc):
    """The figures of one result document (None where it has none)."""
    f = {"ok": bool(doc.get("ok"))}
    servers = doc.get("servers") or []
    cpu_all = sum(s.get("cpu_us") or 0 for s in servers) if servers else None
    cpu_main = servers[0].get("cpu_us") if servers else None
    if point.startswith("saturation"):
        f.update({
            "loss_free_rate": doc.get("loss_free_rate"),
            "delivered_per_s": doc.get("delivered_per_second"),
            "cpu_us_per_1k": doc.get("cpu_us_per_1000_deliveries"),
            "p99_ms": ms(doc.get("p99_us")),
        })
        return f
    if point.startswith(("fanout", "cluster", "halfsat")) or point == "slow":
        d = dig(doc, "results", "deliveries") or {}
        lat = dig(doc, "results", "latency") or {}
        delivered = d.get("delivered") or 0
        f.update({
            "expected": d.get("expected"),
            "delivered": delivered,
            "lost": d.get("lost"),
            "duplicated": d.get("duplicated"),
            "out_of_order": d.get("out_of_order"),
            "delivered_per_s": d.get("delivered_per_second"),
            "p50_ms": ms(lat.get("p50_us")),
            "p90_ms": ms(lat.get("p90_us")),
            "p99_ms": ms(lat.get("p99_us")),
            "p999_ms": ms(lat.get("p999_us")),
            "max_ms": ms(lat.get("max_us")),
            "cpu_us_per_1k": cpu_all * 1000 / delivered if cpu_all is not None and delivered else None,
            "redis_cpu_us_per_1k": (cpu_all - cpu_main) * 1000 / delivered
            if cpu_all is not None and delivered and len(servers) > 1 else None,
            "server_cpu_percent": sum(s.get("cpu_percent") or 0 for s in servers) if servers else None,
            "client_cpu_percent": dig(doc, "client", "cpu_percent"),
            "achieved_rate": dig(doc, "results", "publications", "achieved_rate"),
            "planned_rate": dig(doc, "params", "rate"),
        })
        if point.startswith("cluster"):
            # Both instances and redis-server; the tool splits off the redis-server share.
            inst = dig(doc, "results", "instances") or {}
            f.update({
                "instances": inst.get("count"),
                "cross_expected": inst.get("cross_instance_expected"),
                "cross_lost": inst.get("cross_instance_lost"),
                "redis_cpu_us_per_1k": doc.get("redis_cpu_us_per_1000_deliveries"),
                "instances_cpu_us_per_1k": doc.get("instances_cpu_us_per_1000_deliveries"),
            })
        if point == "slow":
            slow = dig(doc, "results", "slow") or {}
            outcomes = slow.get("outcomes") or {}
            f["slow_subscribers"] = sum(outcomes.values()) if outcomes else None
            f["slow_closed_by_server"] = sum(v for k, v in outcomes.items() if k != "open") if outcomes else None
            f["slow_closed_4000"] = outcomes.get("closed 4000", 0) if outcomes else None
    elif point.startswith("idle"):
        f.update({
            "subscribed": dig(doc, "results", "subscribed") or dig(doc, "results", "connections", "subscribed"),
            "rss_per_conn_bytes": doc.get("server_rss_per_connection_bytes"),
            "idle_cpu_percent": servers[0].get("cpu_percent") if servers else None,
        })
    elif point.startswith("storm"):
        r = doc.get("results") or {}
        f.update({
            "subscribed": r.get("subscribed"),
            "failed": r.get("failed"),
            "conn_per_s": r.get("connections_per_second"),
            "cpu_us_per_conn": cpu_all / r["subscribed"] if cpu_all is not None and r.get("subscribed") else None,
            "setup_p50_ms": ms(dig(r, "setup", "subscribed", "p50_us")),
            "setup_p99_ms": ms(dig(r, "setup", "subscribed", "p99_us")),
        })
    return f


def ms(us):
    return None if us is None else us / 1000.0


def medians(runs):
    """(server, point) -> {figure: median over the repetitions}, plus 'reps'."""
    out = {}
    for (server, point), docs in runs.items():
        per = [figures(point, d) for d in docs]
        m = {"reps": len(per), "ok_reps": sum(1 for p in per if p["ok"])}
        for key in per[0]:
            if key == "ok":
                continue
            vals = [p[key] for p in per if isinstance(p.get(key), (int, float)) and not isinstance(p.get(key), bool)]
            m[key] = statistics.median(vals) if vals else None
        out.setdefault(server, {})[point] = m
    return out


# ---------------------------------------------------------------- formatting

def fmt(v, digits=None):
    if v is None:
        return "–"
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def point_key(p):
    m = re.match(r"(?:fanout|cluster)-n(\d+)-r(\d+)", p)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# ---------------------------------------------------------------- SVG

def svg_chart(title, xlabel, ylabel, xs, series, logy=False, categorical=False, width=640, height=380):
    """A line chart: xs (numbers, or labels when categorical), series {name: [y or None]}."""
    left, right, top, bottom = 78, 180, 36, 52
    pw, ph = width - left - right, height - top - bottom
    ys = [y for vals in series.values() for y in vals if y is not None and (y > 0 or not logy)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left + pw / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    if not ys:
        out.append(f'<text x="{left}" y="{top + 20}">no data</text></svg>')
        return "\n".join(out)
    if logy:
        lo = 10 ** math.floor(math.log10(min(ys)))
        hi = 10 ** math.ceil(math.log10(max(ys)))
        if hi <= lo:
            hi = lo * 10
        ty = lambda y: top + ph - (math.log10(y) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * ph
        ticks = []
        t = lo
        while t <= hi * 1.0001:
            ticks.append(t)
            t *= 10
    else:
        lo, hi = 0.0, nice_ceiling(max(ys))
        ty = lambda y: top + ph - (y - lo) / (hi - lo) * ph
        ticks = [hi * i / 5 for i in range(6)]
    if categorical:
        n = len(xs)
        tx = lambda i: left + (i + 0.5) * pw / n
        xpos = [tx(i) for i in range(n)]
        xticks = list(zip(xpos, [str(x) for x in xs]))
    else:
        xmin, xmax = min(xs), max(xs)
        span = (xmax - xmin) or 1
        tx = lambda x: left + 20 + (x - xmin) / span * (pw - 40)
        xpos = [tx(x) for x in xs]
        xticks = [(tx(x), f"{x:,}") for x in xs]
    # grid and axes
    for t in ticks:
        y = ty(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_label(t)}</text>')
    for x, label in xticks:
        out.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 5}" stroke="#333"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{html.escape(label)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 12}" text-anchor="middle">{html.escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16 {top + ph / 2}) rotate(-90)" text-anchor="middle">'
               f'{html.escape(ylabel)}</text>')
    # series
    for i, (name, vals) in enumerate(series.items()):
        color = COLORS.get(name, "#555")
        pts = [(xpos[j], ty(v)) for j, v in enumerate(vals) if v is not None and (v > 0 or not logy)]
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
        ly = top + 10 + i * 20
        out.append(f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="3"/>')
        out.append(f'<text x="{left + pw + 38}" y="{ly + 4}">{html.escape(LABELS.get(name, name))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def nice_ceiling(v):
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def tick_label(t):
    if t >= 1e6:
        return f"{t / 1e6:g}M"
    if t >= 1e3:
        return f"{t / 1e3:g}k"
    return f"{t:g}"


# ---------------------------------------------------------------- the document

PEERS_TEXT = """\
## The servers and how each is configured

Every server runs alone on the machine with the load generator, one process,
started fresh for each repetition and warmed up with a short unrecorded fan-out
(so the JavaScript peers' JIT is warm). All speak the part of
[PROTOCOL.md](PROTOCOL.md) that `wshub-bench` uses: WebSocket at `/ws`, a
`welcome` frame, the `subscribe` op and its reply, `message` envelopes
`{"type","channel","data","offset","epoch"}`, and `POST /api/publish` over
keep-alive HTTP answering `{"offset","epoch"}`. Publications go through
`POST /api/publish` in every scenario.

- **wshub** (`build/bin/wshub serve --dev --listen 127.0.0.1:0 --log-level warn
  --close-timeout 60`, release build): measured twice, with `--workers 1` (one
  I/O thread, the fair comparison with the single-threaded peers) and with the
  default workers (one per core, here 2). Embedded in-memory broker; its
  default namespace configuration keeps history (100 messages, 300 s) and
  presence for every channel, work the peers do not do. Each shard sends the
  writes of a fan-out in one `io_uring` system call (the default `io_uring =
  true`; docs/ARCHITECTURE.md "Batched writes"). The release binary allocates
  with tcmalloc (docs/ARCHITECTURE.md "Memory allocator"; Bun brings its own
  mimalloc, the Node peers V8's heap and glibc). Its listeners set
  `TCP_DEFER_ACCEPT` (the default `tcp_defer_accept = 1`), as uWebSockets
  does in Bun (`strace -e setsockopt`): a connection is reported once its
  request is in, so accept and request share one wake-up. `--close-timeout 60`
  only matters to the `slow` scenario (the close frame must still be there to
  read at the end).
- **Bun pub/sub** (`bench/peers/bun_pubsub.js`, run with the `bun` binary from
  the npm package): `Bun.serve` with Bun's built-in WebSocket pub/sub,
  uWebSockets inside: `ws.subscribe(channel)` and `server.publish(channel,
  envelope)`, which encodes the frame once and copies it to every subscriber in
  native code. This is what Bun's documentation recommends for fan-out and the
  speed anchor. No compression (`perMessageDeflate: false`), `sendPings`
  with `idleTimeout: 60`, `backpressureLimit` 1 MiB with
  `closeOnBackpressureLimit: true` (slow consumers are closed, as wshub does
  at its 1 MiB `send_queue_bytes`). Offsets are a per-channel counter in the
  process; `data` is re-serialised with `JSON.stringify` (identical bytes for
  the benchmark's payload). Single instance, no broker.
- **Node ws + Redis** (`bench/peers/node_ws_hub.js`, Node.js from Debian with
  `ws` 8 and its native `bufferutil`, node-redis 4): the hand-rolled hub most
  teams write. One process keeps `channel -> Set(socket)` for its own sockets
  and one Redis subscriber connection on which it `SUBSCRIBE`s a channel while
  it has a local subscriber to it (reply to the client after Redis confirmed).
  A publication is one Lua script on Redis (`INCR` of the channel's offset and
  `PUBLISH` of the finished envelope: one round trip, cluster-wide offsets); the
  subscriber receives Buffers (node-redis buffer mode) and hands the same
  Buffer to every socket, so nothing is decoded or re-encoded per subscriber.
  `perMessageDeflate: false`, `clientTracking: false`, ping every 25 s as in
  `ws`'s README, sockets with more than 1 MiB buffered are closed with 4000.
  Runs as several instances on one Redis unchanged (two in the cluster section).
  Its server CPU includes redis-server's (shown separately as "of which
  Redis").
- **Socket.IO + Redis adapter** (`bench/peers/socketio_hub.js`, Socket.IO 4
  with `@socket.io/redis-adapter` 8 on node-redis 4): rooms are channels; a
  `subscribe` event with an acknowledgement joins the room, a publication is a
  Redis `INCR` for the offset and `io.to(channel).emit("message", envelope)`,
  which the adapter also sends through Redis Pub/Sub to other instances.
  `transports: ["websocket"]` (no long-polling: every client upgrades at
  once), `perMessageDeflate: false`, `httpCompression: false`, `serveClient:
  false`, default ping interval. Its server CPU includes redis-server's.
  `wshub-bench --protocol socketio` speaks Engine.IO v4 / Socket.IO v4 over
  WebSocket to it (`/socket.io/?EIO=4&transport=websocket`, the `0{...}` open
  packet, `40` to join the default namespace, `2` pings answered `3`, the
  `subscribe` event with ack id 1, `42["message",{envelope}]` events): a real
  Socket.IO client on the wire rather than a thin translating mode in the
  peer, so the peer runs exactly as an application would run it. Its
  "welcome" stage is the namespace connect (`40{"sid":...}`).
"""


def main():
    parser = argparse.ArgumentParser(description="Turns bench/run.sh results directories into a benchmark page.")
    parser.add_argument("--out", metavar="DIR",
                        help="write BENCHMARKS.md, summary.json and plots/ under DIR instead of the published "
                             "docs/BENCHMARKS.md, bench/results/summary.json and bench/results/plots/")
    parser.add_argument("dirs", nargs="*", metavar="RESULTS_DIR",
                        help="results directories, merged; the first one's meta.json describes the page "
                             "(default: the newest in bench/results/)")
    opts = parser.parse_args()
    plots, doc_path, summary_path = PLOTS, DOC, os.path.join(RESULTS, "summary.json")
    if opts.out:
        out = os.path.abspath(opts.out)
        plots, doc_path, summary_path = (os.path.join(out, "plots"), os.path.join(out, "BENCHMARKS.md"),
                                         os.path.join(out, "summary.json"))
    extra = []
    if opts.dirs:
        directory = os.path.abspath(opts.dirs[0])
        extra = [os.path.abspath(d) for d in opts.dirs[1:]]
    else:
        dirs = sorted(d for d in glob.glob(os.path.join(RESULTS, "*")) if os.path.isfile(os.path.join(d, "meta.json")))
        if not dirs:
            sys.exit("report.py: no results in bench/results/; run bench/run.sh first")
        directory = dirs[-1]
    meta, runs = load(directory)
    extra_meta = []
    for d in extra:
        m, r = load(d)
        extra_meta.append((os.path.relpath(d, ROOT), m))
        for key, docs in r.items():
            runs.setdefault(key, []).extend(docs)
        meta["servers"] = meta.get("servers", []) + [s for s in m.get("servers", []) if s not in meta.get("servers", [])]
    med = medians(runs)
    servers = [s for s in meta.get("servers", []) if s in med] + sorted(s for s in med if s not in meta.get("servers", []))
    peers = [s for s in servers if s not in WSHUBS]
    wshubs = [s for s in WSHUBS if s in med]
    points = sorted({p for s in med.values() for p in s})
    fanout_points = sorted((p for p in points if p.startswith("fanout")), key=point_key)
    rel_dir = os.path.relpath(directory, ROOT)

    os.makedirs(plots, exist_ok=True)
    for old in glob.glob(os.path.join(plots, "*.svg")):  # plots of an earlier run's points
        os.remove(old)
    summary = {"meta": meta, "results_dir": rel_dir, "medians": med}
    if extra_meta:
        summary["more_results"] = [{"results_dir": d, "meta": m} for d, m in extra_meta]
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)

    get = lambda s, p, k: (med.get(s, {}).get(p) or {}).get(k)
    doc = []
    w = doc.append
    w("# Benchmarks: wshub next to the alternatives\n")
    w("<!-- Generated by bench/report.py from bench/run.sh results; edit report.py, not this file. -->\n")
    load_s = " / ".join(meta.get("loadavg_start") or [])
    load_e = " / ".join(meta.get("loadavg_end") or [])
    v = meta.get("versions") or {}
    w(f"Measured with `{meta.get('command')}` on {meta.get('started_at')}, {meta.get('reps')} repetition(s) "
      f"per figure (the tables give medians), in {fmt(meta.get('wall_s'), 0)} s; raw results in "
      f"`{rel_dir}/` (not committed), medians in `{os.path.relpath(summary_path, ROOT)}`. "
      f"Tree: `{meta.get('git')}`.\n")
    w(f"Machine: {meta.get('nproc')} cores ({meta.get('cpu')}); the load generator "
      "(`build/bin/wshub-bench`, one client thread, two in the saturation section) and the server share "
      f"them. **Load average** (1/5/15 min) at the start: {load_s}; at the end: {load_e}. This is a shared "
      "VM where a system call costs about 1 µs, so absolute figures are noisy; the servers were measured "
      "back to back, interleaved in every repetition (in an order rotated by one server per repetition), so "
      "the ratios are the figures to read.\n")
    w(f"Versions: {v.get('wshub')}; Bun {v.get('bun')}; Node.js {v.get('node')}; "
      f"{(v.get('redis') or '').split(' sha=')[0]}; npm packages pinned in `bench/package-lock.json`.\n")
    windows = [s.get("cpu_clock") for docs in runs.values() for d in docs for s in (d.get("servers") or [])]
    ticks = sum(1 for c in windows if c != "cpu-clock")
    w("Server CPU is the server process's CPU time over the measured window (`--server-pid`), plus "
      "redis-server's for the Redis-backed peers, read from the process's CPU-time clock "
      "(`clock_getcpuclockid`, all threads, nanoseconds) or, where that cannot be read, from utime+stime "
      f"of /proc/PID/stat in 10 ms ticks ({ticks} of the {len(windows)} process windows here). "
      "Latency is end to end "
      "(publisher's send to the subscriber's receipt, through the server), as the client sees it.\n")
    for d, m in extra_meta:
        w(f"Merged with `{m.get('command')}` on {m.get('started_at')}, {m.get('reps')} repetition(s), in "
          f"{fmt(m.get('wall_s'), 0)} s (raw results in `{d}/`; load average at the start: "
          f"{' / '.join(m.get('loadavg_start') or [])}, at the end: {' / '.join(m.get('loadavg_end') or [])}; "
          f"tree `{m.get('git')}`).\n")
    w("Reproduce: `bench/setup.sh && bench/run.sh` (full, under 20 minutes) or `bench/run.sh --quick` "
      "(about 2 minutes, report in its results directory); `python3 bench/report.py [bench/results/STAMP]` "
      "redraws this page.\n")
    w(PEERS_TEXT)

    # ---- fan-out
    w("## Fan-out\n")
    w("N subscribers over C channels (subscriber i on channel i % C), publications at R/s round-robin over "
      "the channels through `POST /api/publish`, 100-byte payloads; deliveries are checked for loss, "
      "duplicates and order. \"CPU / 1k\" is server CPU µs per 1,000 deliveries (lower is better). "
      "\"publications/s\" is the rate the publishers achieved: each API publisher keeps one request in "
      "flight, so when a server answers slowly the publishers fall behind the planned rate, and "
      "delivered/s is then that server's throughput in this closed loop, with latency that includes "
      "the queueing.\n")
    for p in fanout_points:
        n, r = point_key(p)
        sample = runs.get((servers[0], p), [{}])[0]
        params = sample.get("params") or {}
        w(f"### {n:,} subscribers, {params.get('channels', '?')} channels, {r}/s "
          f"({params.get('duration_s', '?')} s, {fmt(n * r / (params.get('channels') or 1), 0)} deliveries/s planned)\n")
        rows = []
        for s in servers:
            rows.append([LABELS.get(s, s), fmt(get(s, p, "achieved_rate"), 0), fmt(get(s, p, "delivered_per_s"), 0),
                         fmt(get(s, p, "lost"), 0) + " / " + fmt(get(s, p, "expected"), 0),
                         fmt(get(s, p, "cpu_us_per_1k"), 0),
                         fmt(get(s, p, "redis_cpu_us_per_1k"), 0) if s in REDIS_BACKED else "",
                         fmt(get(s, p, "p50_ms")), fmt(get(s, p, "p90_ms")), fmt(get(s, p, "p99_ms")),
                         fmt(get(s, p, "p999_ms")), fmt(get(s, p, "server_cpu_percent"), 0),
                         fmt(get(s, p, "client_cpu_percent"), 0)])
        w(table(["server", "publications/s", "delivered/s", "lost / expected", "CPU / 1k", "of which Redis", "p50 ms", "p90 ms",
                 "p99 ms", "p99.9 ms", "server CPU %", "client CPU %"], rows) + "\n")
        rows = []
        for ws in wshubs:
            for peer in peers:
                rows.append([f"{LABELS[ws]} / {LABELS.get(peer, peer)}",
                             ratio(get(ws, p, "cpu_us_per_1k"), get(peer, p, "cpu_us_per_1k")),
                             ratio(get(ws, p, "delivered_per_s"), get(peer, p, "delivered_per_s")),
                             ratio(get(ws, p, "p50_ms"), get(peer, p, "p50_ms")),
                             ratio(get(ws, p, "p99_ms"), get(peer, p, "p99_ms"))])
        if rows:
            w("Ratios wshub / peer (below 1 is better for wshub in CPU and latency, above 1 in delivered/s):\n")
            w(table(["ratio", "CPU / 1k", "delivered/s", "p50", "p99"], rows) + "\n")
        name = f"latency-{p}.svg"
        pct = ["p50", "p90", "p99", "p99.9", "max"]
        keys = ["p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"]
        with open(os.path.join(plots, name), "w") as f:
            f.write(svg_chart(f"End-to-end latency, {n:,} subscribers, {r}/s", "percentile", "latency (ms, log)",
                              pct, {s: [get(s, p, k) for k in keys] for s in servers}, logy=True, categorical=True))
        w(f"![latency percentiles]({os.path.relpath(os.path.join(plots, name), os.path.dirname(doc_path))})\n")

    # against connection count, at the rate with the most connection counts
    by_rate = {}
    for p in fanout_points:
        n, r = point_key(p)
        by_rate.setdefault(r, []).append((n, p))
    if by_rate:
        r, pts = max(by_rate.items(), key=lambda kv: (len(kv[1]), kv[0]))
        pts.sort()
        if len(pts) > 1:
            xs = [n for n, _ in pts]
            w(f"### Against connection count ({r} publications/s)\n")
            for fname, title, key, ylabel in (
                    ("delivered-vs-connections.svg", f"Delivered/s against subscribers ({r} publications/s)",
                     "delivered_per_s", "deliveries per second"),
                    ("cpu-vs-connections.svg", f"Server CPU per 1,000 deliveries ({r} publications/s)",
                     "cpu_us_per_1k", "CPU µs per 1,000 deliveries")):
                with open(os.path.join(plots, fname), "w") as f:
                    f.write(svg_chart(title, "subscriber connections", ylabel, xs,
                                      {s: [get(s, p, key) for _, p in pts] for s in servers}))
                w(f"![{title}]({os.path.relpath(os.path.join(plots, fname), os.path.dirname(doc_path))})\n")

    # ---- idle
    for p in [p for p in points if p.startswith("idle")]:
        n = p.split("-n")[-1]
        w(f"## Idle: {int(n):,} subscribed connections held\n")
        w("Server RSS growth from before the first connection to the end of the hold, per connection; "
          "idle CPU is the server's over the hold (keepalive only).\n")
        rows = [[LABELS.get(s, s), fmt(get(s, p, "subscribed"), 0), fmt(get(s, p, "rss_per_conn_bytes"), 0),
                 fmt(get(s, p, "idle_cpu_percent"), 1)] for s in servers]
        w(table(["server", "subscribed", "RSS bytes / connection", "idle CPU %"], rows) + "\n")
        rows = [[f"{LABELS[ws]} / {LABELS.get(peer, peer)}",
                 ratio(get(ws, p, "rss_per_conn_bytes"), get(peer, p, "rss_per_conn_bytes"))]
                for ws in wshubs for peer in peers]
        if rows:
            w(table(["ratio", "RSS / connection"], rows) + "\n")

    # ---- storm
    for p in [p for p in points if p.startswith("storm")]:
        n = p.split("-n")[-1]
        w(f"## Storm: {int(n):,} connections, 100 set-ups in flight\n")
        w("TCP connect, upgrade, welcome and subscribe for each; \"CPU / connection\" is server CPU µs per "
          "accepted and subscribed connection. Set-up latency is measured from the TCP connect to the "
          "subscribe reply.\n")
        rows = [[LABELS.get(s, s), fmt(get(s, p, "subscribed"), 0), fmt(get(s, p, "conn_per_s"), 0),
                 fmt(get(s, p, "cpu_us_per_conn"), 0), fmt(get(s, p, "setup_p50_ms")), fmt(get(s, p, "setup_p99_ms"))]
                for s in servers]
        w(table(["server", "subscribed", "connections/s", "CPU µs / connection", "set-up p50 ms",
                 "set-up p99 ms"], rows) + "\n")
        rows = [[f"{LABELS[ws]} / {LABELS.get(peer, peer)}",
                 ratio(get(ws, p, "cpu_us_per_conn"), get(peer, p, "cpu_us_per_conn")),
                 ratio(get(ws, p, "conn_per_s"), get(peer, p, "conn_per_s"))]
                for ws in wshubs for peer in peers]
        if rows:
            w(table(["ratio", "CPU / connection", "connections/s"], rows) + "\n")

    # ---- slow
    if "slow" in points:
        sample = runs.get((servers[0], "slow"), [{}])[0]
        pr = sample.get("params") or {}
        w(f"## Slow consumers: {pr.get('subscribers', '?')} subscribers, {pr.get('slow_subscribers', '?')} of them "
          f"not reading, {pr.get('channels', '?')} channels, {pr.get('rate', '?')}/s of "
          f"{pr.get('payload_bytes', '?')}-byte payloads for {pr.get('duration_s', '?')} s\n")
        w("Latency and loss are the reading subscribers'; a slow consumer must not hurt them. \"closed\" "
          "counts the slow subscribers the server had closed or dropped by the end, of which 4000 is "
          "the protocol's slow-consumer close code (Bun's `closeOnBackpressureLimit` drops the socket "
          "without a close frame; Socket.IO has no per-socket send limit and keeps buffering). The kernel's "
          "socket buffers take the first few MiB of each slow subscriber's backlog, so in short runs "
          "(`--quick`) no server may reach its limit.\n")
        rows = [[LABELS.get(s, s), fmt(get(s, "slow", "lost"), 0) + " / " + fmt(get(s, "slow", "expected"), 0),
                 fmt(get(s, "slow", "p50_ms")), fmt(get(s, "slow", "p99_ms")), fmt(get(s, "slow", "max_ms")),
                 fmt(get(s, "slow", "slow_closed_by_server"), 0) + " / " + fmt(get(s, "slow", "slow_subscribers"), 0),
                 fmt(get(s, "slow", "slow_closed_4000"), 0)] for s in servers]
        w(table(["server", "lost / expected (readers)", "p50 ms", "p99 ms", "max ms", "slow closed", "of which 4000"],
                rows) + "\n")

    # ---- cluster
    cluster_points = sorted((p for p in points if p.startswith("cluster")), key=point_key)
    cluster_servers = [s for s in servers if any(p in med[s] for p in cluster_points)]
    for p in cluster_points:
        n, r = point_key(p)
        sample = runs.get((cluster_servers[0], p), [{}])[0]
        params = sample.get("params") or {}
        w(f"## Cluster: two instances on one redis-server, {n:,} subscribers, {params.get('channels', '?')} "
          f"channels, {r}/s ({params.get('duration_s', '?')} s)\n")
        w("`wshub-bench cluster`: two instances of each server on one `redis-server` (wshub with "
          "`--broker redis://...`, once with `--workers 1`, one thread per instance like the Node peers, and "
          "once with default workers, a shard per core in each instance; the Node ws hub and Socket.IO with its Redis adapter "
          "unchanged; Bun pub/sub has no broker and is not in this section). Subscriber k of each channel "
          "is on instance k % 2, so every channel has subscribers on both; channel c is published through "
          "`POST /api/publish` of instance (c % P) % 2, so both instances' APIs publish and half of the "
          "deliveries cross instances (\"cross-instance lost\" counts those). \"CPU / 1k\" is the CPU of both "
          "instances plus redis-server per 1,000 deliveries; \"of which Redis\" is redis-server's share. "
          "wshub also keeps every channel's history in Redis Streams (its default namespace), which the "
          "peers do not. Redis is flushed before each server's instances start.\n")
        rows = []
        for s in cluster_servers:
            rows.append([LABELS.get(s, s), fmt(get(s, p, "achieved_rate"), 0), fmt(get(s, p, "delivered_per_s"), 0),
                         fmt(get(s, p, "lost"), 0) + " / " + fmt(get(s, p, "expected"), 0),
                         fmt(get(s, p, "cross_lost"), 0) + " / " + fmt(get(s, p, "cross_expected"), 0),
                         fmt(get(s, p, "cpu_us_per_1k"), 0), fmt(get(s, p, "instances_cpu_us_per_1k"), 0),
                         fmt(get(s, p, "redis_cpu_us_per_1k"), 0),
                         fmt(get(s, p, "p50_ms")), fmt(get(s, p, "p99_ms")), fmt(get(s, p, "server_cpu_percent"), 0),
                         fmt(get(s, p, "client_cpu_percent"), 0)])
        w(table(["server", "publications/s", "delivered/s", "lost / expected", "cross-instance lost / expected",
                 "CPU / 1k", "of which instances", "of which Redis", "p50 ms", "p99 ms", "server CPU %",
                 "client CPU %"], rows) + "\n")
        targets = {"socketio": 1 / 3, "node-ws": 1 / 2}
        rows = []
        for ws in [s for s in WSHUBS if s in cluster_servers]:
            for peer in [s for s in cluster_servers if s not in WSHUBS]:
                a, b = get(ws, p, "cpu_us_per_1k"), get(peer, p, "cpu_us_per_1k")
                goal = targets.get(peer)
                met = "–" if a is None or not b or goal is None else ("yes" if a / b <= goal else "no")
                per_rep = paired_ratios(runs, ws, peer, p, "cpu_us_per_1k")
                spread = (f"{per_rep[0]:.2f} / {statistics.median(per_rep):.2f} / {per_rep[-1]:.2f} "
                          f"({len(per_rep)}; {sum(1 for x in per_rep if goal and x <= goal)} met)"
                          if per_rep else "–")
                rows.append([f"{LABELS[ws]} / {LABELS.get(peer, peer)}", ratio(a, b), spread,
                             f"≤ {goal:.2f}" if goal else "–", met,
                             ratio(get(ws, p, "delivered_per_s"), get(peer, p, "delivered_per_s")),
                             ratio(get(ws, p, "p99_ms"), get(peer, p, "p99_ms"))])
        if rows:
            w("Ratios wshub / peer; issue #4's cross-instance target is server CPU per delivery, Redis included, "
              "at most 1/3 of Socket.IO's and at most 1/2 of the Node ws hub's. \"CPU / 1k\" is the ratio of the "
              "medians; \"per repetition\" pairs the two servers' figures of each repetition (measured minutes "
              "apart in the same run) and gives the lowest, median and highest of those ratios, how many "
              "repetitions there are and in how many the target was met, which shows how far this machine's "
              "noise reaches:\n")
            w(table(["ratio", "CPU / 1k (Redis included)", "per repetition: min / median / max (n; met)", "target",
                     "met", "delivered/s", "p99"], rows) + "\n")

    # ---- saturation
    sat = next((p for p in points if p.startswith("saturation")), None)
    half = next((p for p in points if p.startswith("halfsat-n")), None)
    # The same load for every server: half the lowest loss-free rate of the run (bench/run.sh).
    common = next((p for p in points if p.startswith("halfsat-common")), None)
    sat_servers = [s for s in servers if sat and sat in med[s]]
    if sat_servers:
        n = int(sat.split("-n")[-1])
        w(f"## Saturation: the highest loss-free rate at {n:,} subscribers\n")
        w(f"Fan-out probes at {n:,} subscribers over the same channels and payloads as above, the rate doubled "
          "until a probe fails and then bisected (`bench/saturation.py`): a probe passes when nothing is lost, "
          "duplicated or reordered, no subscriber is evicted, and the publishers keep up with the planned "
          "rate. The last column is the median p99 of "
          f"{max(len(runs.get((s, half), [])) for s in sat_servers) if half else 0} separate run(s) at half "
          "the loss-free rate. "
          + ("One search per server. " if max(len(runs.get((s, sat), [])) for s in sat_servers) == 1 else
             "Several searches per server (one per merged run, their probes separated by \";\"): the "
             "medians are given. ")
          + "The load generator runs two client threads here (`--threads 2`) and reads every delivery, so "
          "client and server share the machine's cores: the loss-free rate is the whole machine's, and a "
          "server that needs less CPU per delivery leaves more of it to the client. When every server's "
          "search ends near the same rate, that rate is the client's limit, and the CPU per delivery is "
          "the figure to compare."
          + (" A server that carries more before it saturates is measured under more load at its own half, "
             "so the latency is also compared at one rate for all: half the lowest loss-free rate of the "
             "run (\"p99 ms at the common rate\"; with merged runs, each run's own common rate, the median "
             "given). The p99 target below is judged there." if common else "") + "\n")
        rows = []
        for s in sat_servers:
            probes = " ; ".join(", ".join(f"{p['rate']}{'' if p['pass'] else ' ✗'}" for p in d.get("probes", []))
                                for d in runs.get((s, sat), []))
            rows.append([LABELS.get(s, s), fmt(get(s, sat, "loss_free_rate"), 0), fmt(get(s, sat, "delivered_per_s"), 0),
                         fmt(get(s, sat, "cpu_us_per_1k"), 0), fmt(get(s, sat, "p99_ms")),
                         fmt(get(s, half, "p99_ms")) if half else "–"]
                        + ([f"{fmt(get(s, common, 'p99_ms'))} ({fmt(get(s, common, 'planned_rate'), 0)}/s)"
                            if get(s, common, "p99_ms") is not None else "–"] if common else [])
                        + [probes])
        w(table(["server", "loss-free publications/s", "delivered/s there", "CPU / 1k there", "p99 ms there",
                 "p99 ms at half"] + (["p99 ms at the common rate"] if common else []) + ["probes (✗ failed)"],
                rows) + "\n")

    # ---- targets
    if "bun" in med and (fanout_points or sat_servers):
        idle = next((p for p in points if p.startswith("idle")), None)
        storm = next((p for p in points if p.startswith("storm")), None)
        use_sat = "bun" in sat_servers
        top = sat if use_sat else max(fanout_points, key=point_key)
        w("## Issue #4 targets against Bun (single instance)\n")
        common_p99 = use_sat and common and get("bun", common, "p99_ms") is not None
        if use_sat:
            w("Fan-out CPU and delivered/s at each server's own highest loss-free rate, p99 "
              + ("at the same load for both, half the lower loss-free rate (the saturation section). "
                 if common_p99 else "at half of it (the saturation section). ")
              + "A ratio at most 1 meets the target (at least 1 for delivered/s).\n")
        else:
            w(f"From the tables above; fan-out at the largest point measured here ({top}): this run has no "
              "saturation section. A ratio at most 1 meets the target (at least 1 for delivered/s).\n")
        p99_point = common if common_p99 else half if use_sat and half else top
        rows = []
        for ws in wshubs:
            rows.append([LABELS[ws], ratio(get(ws, top, "cpu_us_per_1k"), get("bun", top, "cpu_us_per_1k")),
                         ratio(get(ws, top, "delivered_per_s"), get("bun", top, "delivered_per_s")),
                         ratio(get(ws, p99_point, "p99_ms"), get("bun", p99_point, "p99_ms")),
                         ratio(get(ws, idle, "rss_per_conn_bytes"), get("bun", idle, "rss_per_conn_bytes")) if idle else "–",
                         ratio(get(ws, storm, "cpu_us_per_conn"), get("bun", storm, "cpu_us_per_conn")) if storm else "–"])
        p99_label = " at the common half-saturation rate" if common_p99 else " at half saturation" if use_sat else ""
        w(table(["wshub / Bun", "fan-out CPU / 1k", "delivered/s", "p99" + p99_label,
                 "idle RSS / conn", "storm CPU / conn"], rows) + "\n")
        w("The cross-instance target is in the cluster section" + (" above." if cluster_points else
          " (not run here: `bench/run.sh --sections cluster`).") + "\n")

    # ---- health of the run
    bad = [f"{s} {p}: {m['ok_reps']}/{m['reps']} ok" for s in servers for p, m in sorted(med[s].items())
           if m["ok_reps"] != m["reps"]]
    if bad:
        w("## Runs that did not complete\n")
        w("\n".join(f"- {b}" for b in bad) + "\n")

    with open(doc_path, "w") as f:
        f.write("\n".join(doc))
    print(f"report.py: wrote {os.path.relpath(doc_path, ROOT)}, {os.path.relpath(summary_path, ROOT)} and "
          f"{len(os.listdir(plots))} plots from {rel_dir}")


if __name__ == "__main__":
    main()
