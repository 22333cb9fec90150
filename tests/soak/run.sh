#!/usr/bin/env bash
# Soak: one wshub (default workers, memory broker) under steady fan-out plus
# connection churn for a while, then the soak criteria of HARDENING.md:
#   - nothing lost, duplicated or out of order (wshub-bench fanout: 2,000
#     subscribers on 100 channels, 200 publications/s of 100 bytes),
#   - every churn round went through (wshub-bench storm: 300 connections
#     opened, subscribed and closed every 5 s),
#   - descriptors back to where they were once the load is gone,
#   - the server exits 0 on SIGTERM (under ASan that includes LSan's leak check),
#   - memory growth in %/hour while the load lasts, after a warm-up, from the
#     medians of the first and the last third of the samples:
#       heap in use (wshub_heap_bytes{state="in_use"}: what the server holds;
#       a leak shows here whatever the allocator does) under SOAK_HEAP_LIMIT
#       (default 5) after the first fifth of the run, judged from 10 minutes on;
#       RSS under SOAK_RSS_LIMIT (default 5) after the first quarter of an
#       hour (or fifth of the run, if longer), judged from SOAK_RSS_MIN_SECONDS
#       (default 1800) on; shorter runs report it. With a flat heap, the
#       allocator's caches and fragmentation still add to RSS through the first
#       quarter of an hour (tcmalloc and glibc alike; measurements in
#       docs/OPERATIONS.md, "Memory"), which a 10-minute run cannot tell from
#       a leak. Judge RSS on a release build: ASan's quarantine keeps freed
#       memory (up to 256 MiB), so an ASan server's RSS climbs for that alone.
# RSS, heap and descriptors are sampled every 5 s; a line a minute shows progress.
#
# usage: tests/soak/run.sh [SECONDS]   (default 600; hours by hand)
# env:   WSHUB_BIN (default build/bin/wshub), WSHUB_BENCH (build/bin/wshub-bench),
#        SOAK_HEAP_LIMIT, SOAK_RSS_LIMIT, SOAK_RSS_MIN_SECONDS,
#        SOAK_DIR (keep the samples and results there)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/listening_port.sh
. scripts/lib/listening_port.sh

DUR=${1:-600}
BIN=${WSHUB_BIN:-$PWD/build/bin/wshub}
BENCH=${WSHUB_BENCH:-$PWD/build/bin/wshub-bench}
RSS_LIMIT=${SOAK_RSS_LIMIT:-5}
RSS_MIN_SECONDS=${SOAK_RSS_MIN_SECONDS:-1800}
HEAP_LIMIT=${SOAK_HEAP_LIMIT:-5}
DIR=${SOAK_DIR:-$(mktemp -d /tmp/wshub-soak.XXXXXX)}
mkdir -p "$DIR"
case "$DUR" in '' | *[!0-9]*) echo "soak: SECONDS must be a whole number, got '$DUR'" >&2; exit 2 ;; esac
[ "$DUR" -ge 30 ] || { echo "soak: run at least 30 s" >&2; exit 2; }
for f in "$BIN" "$BENCH"; do
  [ -x "$f" ] || { echo "soak: $f not found; build first (scripts/build.sh)" >&2; exit 2; }
done

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# A TERM or INT (a CI run cut short) exits through the EXIT trap, so nothing
# started here outlives the script; the waits below are where it lands.
trap 'exit 143' TERM
trap 'exit 130' INT

"$BIN" serve --dev --listen 127.0.0.1:0 --log-level warn >"$DIR/server.out" 2>"$DIR/server.log" &
SERVER=$!
PIDS+=("$SERVER")
PORT=$(listening_port "$SERVER" "$DIR/server.out")
[ -n "$PORT" ] || { echo "soak: wshub did not start; see $DIR/server.log" >&2; cat "$DIR/server.log" >&2; exit 1; }
fds() { find "/proc/$SERVER/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
# The server's own account of the heap it uses, in kB (/metrics, plain bash:
# no HTTP client needed); "-" when it could not be read.
heap() {
  local v=""
  if exec 3<>"/dev/tcp/127.0.0.1/$PORT"; then
    printf 'GET /metrics HTTP/1.0\r\nHost: soak\r\n\r\n' >&3
    v=$(awk '/^wshub_heap_bytes\{state="in_use"\}/ {printf "%d", $2 / 1024}' <&3)
    exec 3<&-
  fi
  echo "${v:--}"
}
FDS_BEFORE=$(fds)
echo "soak: wshub pid $SERVER on port $PORT, $DUR s; results in $DIR"

START=$(date +%s)
(
  while kill -0 "$SERVER" 2>/dev/null; do
    echo "$(($(date +%s) - START)) $(rss) $(fds) $(heap)"
    sleep 5
  done
) >"$DIR/samples.txt" 2>/dev/null &
PIDS+=($!)
(
  end=$((START + DUR - 5))
  while [ "$(date +%s)" -lt "$end" ]; do
    rc=0
    "$BENCH" storm --target "127.0.0.1:$PORT" --connections 300 --concurrency 50 --channels 10 \
      --progress off --out /dev/null >/dev/null 2>>"$DIR/storm.log" || rc=$?
    echo "$rc" >>"$DIR/storms.txt"
    sleep 5
  done
) &
CHURN=$!
PIDS+=("$CHURN")
(
  while sleep 60; do
    kill -0 "$SERVER" 2>/dev/null || exit 0
    echo "soak: $((($(date +%s) - START) / 60))/$(((DUR + 59) / 60)) min: rss $(rss) kB, heap in use $(heap) kB," \
      "$(fds) descriptors"
  done
) &
PIDS+=($!)

"$BENCH" fanout --target "127.0.0.1:$PORT" --subscribers 2000 --channels 100 --rate 200 --duration "$DUR" \
  --payload 100 --progress off --out "$DIR/fanout.json" >"$DIR/fanout.log" 2>&1 &
FANOUT=$!
PIDS+=("$FANOUT")
FANOUT_RC=0
wait "$FANOUT" || FANOUT_RC=$?
wait "$CHURN" || true
# Every client is gone: the descriptors must be back (keep-alive sweeps need no time).
sleep 1
FDS_AFTER=$(fds)
kill -TERM "$SERVER"
SERVER_RC=0
wait "$SERVER" || SERVER_RC=$?

python3 - "$DIR" "$DUR" "$RSS_LIMIT" "$RSS_MIN_SECONDS" "$HEAP_LIMIT" "$FANOUT_RC" "$SERVER_RC" "$FDS_BEFORE" \
  "$FDS_AFTER" <<'PY'
import json, sys
d, dur, rss_limit, rss_min, heap_limit, fanout_rc, server_rc, fds_before, fds_after = sys.argv[1:]
dur, rss_limit, rss_min, heap_limit = int(dur), float(rss_limit), int(rss_min), float(heap_limit)
problems = []
if int(fanout_rc) != 0:
    problems.append(f"wshub-bench fanout exited {fanout_rc} (see {d}/fanout.log)")
try:
    r = json.load(open(f"{d}/fanout.json"))["results"]["deliveries"]
    print(f"soak: delivered {r['delivered']:,} of {r['expected']:,}; lost {r['lost']}, "
          f"duplicated {r['duplicated']}, out of order {r['out_of_order']}")
    if r["expected"] == 0 or r["lost"] or r["duplicated"] or r["out_of_order"]:
        problems.append("deliveries were lost, duplicated or out of order")
except (OSError, KeyError, ValueError) as e:
    problems.append(f"no fan-out result: {e}")
storms = [int(x) for x in open(f"{d}/storms.txt").read().split()] if dur > 5 else []
failed = [x for x in storms if x != 0]
print(f"soak: {len(storms)} churn rounds of 300 connections, {len(failed)} failed")
if not storms or failed:
    problems.append(f"churn rounds: {len(storms)}, failed {len(failed)} (see {d}/storm.log)")
print(f"soak: descriptors {fds_before} before the load, {fds_after} after it")
if int(fds_after) > int(fds_before) + 2:
    problems.append(f"descriptors leaked: {fds_before} before, {fds_after} after")
if int(server_rc) != 0:
    problems.append(f"wshub exited {server_rc} on SIGTERM (see {d}/server.log)")
samples = []  # (seconds, RSS kB, heap in use kB or None)
for line in open(f"{d}/samples.txt"):
    p = line.split()
    if len(p) >= 3 and p[1].isdigit():
        samples.append((int(p[0]), int(p[1]), int(p[3]) if len(p) > 3 and p[3].isdigit() else None))


def growth(points):
    """Growth of (seconds, kB) in % per hour, from the medians of the first and
    the last third of the points: a moment when the send queues were full (a
    client held off the CPU) moves one sample, not the medians."""
    if len(points) < 6 or points[-1][0] == points[0][0]:
        return None
    third = len(points) // 3
    median = lambda xs: sorted(xs)[len(xs) // 2]
    head, tail = points[:third], points[-third:]
    t0, v0 = median([t for t, _ in head]), median([v for _, v in head])
    t1, v1 = median([t for t, _ in tail]), median([v for _, v in tail])
    return (v1 - v0) * 100.0 / v0 * 3600.0 / (t1 - t0)


# While the load lasts (the fan-out publishes for `dur` seconds once its
# subscribers are up; the samples after it see them leave), after warm-up.
heap = [(t, h) for t, _, h in samples if dur // 5 <= t <= dur and h is not None]
rss = [(t, r) for t, r, _ in samples if (max(dur // 5, 900) if dur >= rss_min else dur // 5) <= t <= dur]
rss_growth, heap_growth = growth(rss), growth(heap)
if rss_growth is None:
    problems.append("too few RSS samples")
else:
    print(f"soak: RSS {rss[0][1]:,} -> {rss[-1][1]:,} kB from {rss[0][0]} s to {rss[-1][0]} s: "
          f"{rss_growth:+.1f} %/hour")
    if dur >= rss_min and rss_growth > rss_limit:
        problems.append(f"RSS grew {rss_growth:.1f} %/hour after warm-up (limit {rss_limit})")
    elif dur < rss_min:
        print(f"soak: (a run under {rss_min} s reports RSS growth and does not judge it: the allocator's"
              " caches still settle through the first quarter of an hour)")
if heap_growth is None:
    if dur >= 600:
        problems.append("too few heap samples (wshub_heap_bytes in /metrics)")
else:
    print(f"soak: heap in use {heap[0][1]:,} -> {heap[-1][1]:,} kB from {heap[0][0]} s to {heap[-1][0]} s: "
          f"{heap_growth:+.1f} %/hour")
    if dur >= 600 and heap_growth > heap_limit:
        problems.append(f"heap in use grew {heap_growth:.1f} %/hour after warm-up (limit {heap_limit})")
for p in problems:
    print(f"soak: FAIL: {p}")
print("soak: " + ("passed" if not problems else "failed") + f"; details in {d}")
sys.exit(1 if problems else 0)
PY
