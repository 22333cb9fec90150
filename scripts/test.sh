#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   0. shellcheck of every shell script in the repository,
#   1. unit tests (ctest) of the release build,
#   2. the integration suite (pytest) against the release binary, on the
#      embedded broker and again with every server on its own redis-server,
#      then the JS SDK tests (node --test) and the browser tests (chromium),
#   3. the soak of HARDENING.md against the release build (tests/soak/run.sh,
#      WSHUB_SOAK_SECONDS, default 600), in the background while the ASan+UBSan
#      and TSan builds compile (niced, so the soak keeps its CPU); the run
#      waits for it before the sanitizer tests,
#   4. the unit tests and the integration suite (on both brokers) against the
#      ASan+UBSan build, then a short soak of that build for LSan's leak check
#      at exit (WSHUB_ASAN_SOAK_SECONDS, default 90),
#   5. the shard and fan-out tests (on both brokers) against the TSan build,
#   6. each fuzz target for a bounded time.
# --quick runs 0 to 2 only.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
  esac
done

step() { printf '\n==== %s ====\n' "$*"; }
PYTEST=(/usr/bin/python3 -m pytest tests/integration -q -p no:cacheprovider)

scripts/install-deps.sh --test

step "shell scripts (shellcheck)"
git ls-files -z -- '*.sh' .ci/run | xargs -0 shellcheck -x
step "release build"
scripts/build.sh release
step "unit tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"
step "integration tests (release, memory broker)"
WSHUB_BIN="$PWD/build/bin/wshub" "${PYTEST[@]}"
step "integration tests (release, Redis broker)"
WSHUB_BIN="$PWD/build/bin/wshub" WSHUB_TEST_BROKER=redis "${PYTEST[@]}"
step "JS SDK and browser tests"
WSHUB_BIN="$PWD/build/bin/wshub" node --test clients/js/test/client.test.js
WSHUB_BIN="$PWD/build/bin/wshub" node --test tests/browser/demo.test.js

if [ "$quick" -eq 1 ]; then exit 0; fi

soak_seconds=${WSHUB_SOAK_SECONDS:-600}
soak_dir=$PWD/artifacts/soak
rm -rf "$soak_dir"
mkdir -p "$soak_dir"
step "soak (release, $soak_seconds s) started in the background; its output: $soak_dir/soak.log"
SOAK_DIR="$soak_dir" WSHUB_BIN="$PWD/build/bin/wshub" WSHUB_BENCH="$PWD/build/bin/wshub-bench" \
  tests/soak/run.sh "$soak_seconds" >"$soak_dir/soak.log" 2>&1 &
soak_pid=$!
# A failing step below must not leave the soak's servers running.
trap 'kill "$soak_pid" 2>/dev/null || true' EXIT

step "ASan+UBSan build"
nice -n 10 scripts/build.sh asan -DWSHUB_BUILD_TESTS=ON
step "TSan build"
nice -n 10 scripts/build.sh tsan -DWSHUB_BUILD_TESTS=OFF -DWSHUB_BUILD_LOADGEN=OFF
step "soak (release, $soak_seconds s): waiting for it"
soak_rc=0
wait "$soak_pid" || soak_rc=$?
trap - EXIT
cat "$soak_dir/soak.log"
if [ "$soak_rc" -ne 0 ]; then
  echo "soak failed (exit $soak_rc); samples and logs in $soak_dir" >&2
  exit 1
fi
step "unit tests (ASan+UBSan)"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
step "integration tests (ASan+UBSan, memory broker)"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  WSHUB_BIN="$PWD/build-asan/bin/wshub" WSHUB_SANITIZER=asan "${PYTEST[@]}" -m "not nosan"
step "integration tests (ASan+UBSan, Redis broker)"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  WSHUB_BIN="$PWD/build-asan/bin/wshub" WSHUB_SANITIZER=asan WSHUB_TEST_BROKER=redis "${PYTEST[@]}" -m "not nosan"
step "soak (ASan+UBSan, ${WSHUB_ASAN_SOAK_SECONDS:-90} s)"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  WSHUB_BIN="$PWD/build-asan/bin/wshub" WSHUB_BENCH="$PWD/build/bin/wshub-bench" \
  tests/soak/run.sh "${WSHUB_ASAN_SOAK_SECONDS:-90}"
step "shard and fan-out tests (TSan, memory broker)"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
  WSHUB_BIN="$PWD/build-tsan/bin/wshub" WSHUB_SANITIZER=tsan "${PYTEST[@]}" -m tsan
step "shard and fan-out tests (TSan, Redis broker)"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
  WSHUB_BIN="$PWD/build-tsan/bin/wshub" WSHUB_SANITIZER=tsan WSHUB_TEST_BROKER=redis "${PYTEST[@]}" -m tsan

if [ -x tests/fuzz/run.sh ]; then
  step "fuzz targets"
  tests/fuzz/run.sh "${WSHUB_FUZZ_SECONDS:-60}"
fi
step "all tests passed"
