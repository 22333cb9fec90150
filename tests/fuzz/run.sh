#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for
# SECONDS (default 30) on a scratch copy of its seed corpus, so the committed
# corpus stays small. Fails on any crash, leak, timeout or sanitizer report;
# the reproducer is left in build-fuzz/artifacts/<target>/.
#
# Targets run side by side, one per core (each fuzzer is one process on one
# core, so each still gets SECONDS of its own): on 2 cores the eight targets
# take four rounds of SECONDS, not eight.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default: every target)
# Environment: CXX (default clang++), JOBS for ninja (default 2), FUZZ_JOBS
# targets at once (default: the number of cores).
set -euo pipefail

seconds="${1:-30}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-fuzz"
targets=(fuzz_json_fields fuzz_channel_name fuzz_query_string fuzz_broker_wire fuzz_api_bodies fuzz_jwt
         fuzz_ws_frame_parser fuzz_ws_accept_read)

CXX="${CXX:-clang++}" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWSHUB_BUILD_FUZZ=ON -DWSHUB_BUILD_TESTS=OFF >/dev/null
if [ "$#" -gt 0 ]; then targets=("$@"); fi
ninja -C "$build" -j "${JOBS:-2}" "${targets[@]}"

parallel="${FUZZ_JOBS:-$(nproc)}"
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  rm -rf "$work" "$build/$t.rc"
  mkdir -p "$work" "$artifacts"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/"
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  echo "== $t: ${seconds}s"
  (
    rc=0
    "$build/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" >"$build/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$build/$t.rc"
  ) &
done
wait

status=0
for t in "${targets[@]}"; do
  artifacts="$build/artifacts/$t"
  if [ "$(cat "$build/$t.rc" 2>/dev/null)" = 0 ]; then
    echo "== $t:"
    grep -E '^stat::number_of_executed_units|^Done' "$build/$t.log" || true
  else
    echo "FAILED: $t (log: $build/$t.log, reproducer in $artifacts/)" >&2
    tail -n 40 "$build/$t.log" >&2
    status=1
  fi
done
exit "$status"
