#!/usr/bin/env bash
# Configures (once) and builds wshub.
#   scripts/build.sh                 release build in build/
#   scripts/build.sh asan            ASan+UBSan build in build-asan/
#   scripts/build.sh tsan            TSan build in build-tsan/
# Extra arguments after the flavour go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
shift || true
case "$flavour" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSHUB_BUILD_BENCH=ON -DWSHUB_MALLOC=tcmalloc) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DWSHUB_SANITIZE=address) ;;
  tsan) dir=build-tsan; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSHUB_SANITIZE=thread) ;;
  *) echo "usage: scripts/build.sh [release|asan|tsan] [cmake args...]" >&2; exit 2 ;;
esac

jobs="${WSHUB_BUILD_JOBS:-$(nproc)}"
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
fi
ninja -C "$dir" -j "$jobs"
