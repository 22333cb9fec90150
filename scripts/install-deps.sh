#!/usr/bin/env bash
# Installs the Debian packages wshub needs to build, test and run.
# Idempotent and quick when everything is there: apt runs only for what is missing.
#   scripts/install-deps.sh          build and run (what scripts/dev.sh needs)
#   scripts/install-deps.sh --test   also the JS SDK and browser tests: Node.js and
#                                    npm, Debian's chromium and chromium-driver, and
#                                    `npm ci` in clients/js and tests/browser; and
#                                    the shell-script linter (Debian's shellcheck)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for a in "$@"; do
  case "$a" in
    --test) with_tests=1 ;;
    *) echo "usage: scripts/install-deps.sh [--test]" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang libclang-rt-14-dev ccache
  # libraries (DESIGN.md "Dependencies")
  libboost1.81-dev libboost-system1.81-dev libsimdjson-dev libhiredis-dev libssl-dev libjwt-dev liburing-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev libgoogle-perftools-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev redis-server python3 python3-pytest python3-websockets
  python3-jwt python3-cryptography
  curl procps
)

if [ "$with_tests" -eq 1 ]; then
  packages+=(chromium chromium-driver shellcheck)
  # Node.js may come from elsewhere (e.g. a newer nodejs that bundles npm): only
  # ask Debian for it when the commands are missing.
  if ! command -v node >/dev/null 2>&1; then packages+=(nodejs); fi
  if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
fi

# `npm ci` in each JS directory whose lock file changed since the last install.
npm_ci() {
  [ "$with_tests" -eq 1 ] || return 0
  local dir stamp want
  for dir in clients/js tests/browser; do
    stamp="$dir/node_modules/.wshub-lock-sha256"
    want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then continue; fi
    echo "install-deps: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  done
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  npm_ci
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package starts a system-wide redis-server; tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
npm_ci
