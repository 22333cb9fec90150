#!/usr/bin/env bash
# Smoke test of the load generator: runs every wshub-bench scenario with tiny
# numbers against a fresh `wshub serve --dev` and checks each JSON result (no
# loss, no duplicates, sane fields), so that the tool cannot rot unnoticed.
# Builds nothing. Takes about 30 seconds.
#
#   WSHUB_BIN        server binary        (default build/bin/wshub)
#   WSHUB_BENCH_BIN  load generator       (default build/bin/wshub-bench)
#   WSHUB_MICRO_BIN  microbenchmarks      (default build/bin/wshub-micro; skipped when not built)
#   WSHUB_SMOKE_KEEP=1 keeps the work directory (results, server logs)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/listening_port.sh
. scripts/lib/listening_port.sh

WSHUB_BIN="${WSHUB_BIN:-build/bin/wshub}"
WSHUB_BENCH_BIN="${WSHUB_BENCH_BIN:-build/bin/wshub-bench}"
for bin in "$WSHUB_BIN" "$WSHUB_BENCH_BIN"; do
  if [ ! -x "$bin" ]; then
    echo "smoke: $bin is not built (set WSHUB_BIN / WSHUB_BENCH_BIN, or build with scripts/build.sh)" >&2
    exit 2
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/wshub-bench-smoke.XXXXXX")"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  local rc=$?
  stop_server
  if [ "$rc" -ne 0 ] || [ "${WSHUB_SMOKE_KEEP:-0}" = 1 ]; then
    echo "smoke: results and server logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# start_server NAME [wshub serve flags...]: sets server_pid and port.
start_server() {
  local name="$1"
  shift
  stop_server
  # Without the caller's WSHUB_* variables: they would configure the server
  # (or draw warnings, like this script's own WSHUB_BIN).
  local unset_env=()
  for var in $(compgen -e | grep '^WSHUB_' || true); do unset_env+=(-u "$var"); done
  env "${unset_env[@]}" "$WSHUB_BIN" serve --dev --listen 127.0.0.1:0 --log-level warn "$@" \
    >"$work/$name.server.out" 2>"$work/$name.server.err" &
  server_pid=$!
  port=$(listening_port "$server_pid" "$work/$name.server.out")
  [ -n "$port" ] && return 0
  echo "smoke: wshub did not start (stdout: '$(head -c 200 "$work/$name.server.out")')" >&2
  cat "$work/$name.server.err" >&2
  exit 1
}

# run_bench NAME SCENARIO [flags...]: writes $work/NAME.json.
run_bench() {
  local name="$1"
  shift
  echo "smoke: $name: wshub-bench $*" >&2
  if ! "$WSHUB_BENCH_BIN" "$@" --target "127.0.0.1:$port" --server-pid "$server_pid" \
      --progress plain --out "$work/$name.json" 2>"$work/$name.err"; then
    echo "smoke: $name: wshub-bench failed" >&2
    cat "$work/$name.err" >&2
    exit 1
  fi
}

# check NAME: checks the result of run NAME (bench/check_result.py).
check() {
  if ! python3 bench/check_result.py "$work/$1.json"; then
    echo "smoke: $1: FAILED (result in $work/$1.json)" >&2
    exit 1
  fi
  echo "smoke: $1: ok" >&2
}

start_server main
run_bench fanout-api fanout --subscribers 50 --channels 5 --rate 200 --duration 2
check fanout-api
run_bench fanout-ws fanout --subscribers 50 --channels 5 --rate 200 --duration 2 --publish-via ws
check fanout-ws
run_bench idle idle --connections 100 --channels 10 --duration 1
check idle
run_bench storm storm --connections 200 --concurrency 20
check storm

# A small send queue (still above one message), enough data per channel
# (32 KB x 100/s) to get past the server's kernel send buffer (up to 4 MiB)
# within the run, and a close timeout long enough that the slow subscribers
# still find the close frame when they read again at the end.
start_server slow --send-queue-bytes 65536 --close-timeout 30
run_bench slow slow --subscribers 20 --channels 2 --slow-share 0.1 --rate 200 --duration 4 --payload 32000
check slow

WSHUB_MICRO_BIN="${WSHUB_MICRO_BIN:-build/bin/wshub-micro}"
if [ -x "$WSHUB_MICRO_BIN" ]; then
  echo "smoke: microbenchmarks: $WSHUB_MICRO_BIN" >&2
  if ! "$WSHUB_MICRO_BIN" --benchmark_min_time=0.01 >"$work/micro.out" 2>&1; then
    echo "smoke: microbenchmarks failed" >&2
    cat "$work/micro.out" >&2
    exit 1
  fi
  echo "smoke: microbenchmarks: ok" >&2
fi

echo "smoke: all scenarios ok" >&2
