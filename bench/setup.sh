#!/usr/bin/env bash
# Installs what bench/run.sh needs beyond the main set-up (scripts/install-deps.sh):
# Debian's nodejs, npm and redis-server when missing, then the peers' npm
# packages from bench/package-lock.json (npm ci). Idempotent and quick when
# everything is there.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/setup.sh: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a system-wide redis-server; run.sh starts its own on a free port.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
fi

# npm ci only when package-lock.json changed since the last install here (a
# stamp in node_modules records its hash) or the bun binary is missing.
stamp=node_modules/.bench-setup-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/bun ]; then
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi
# bun's npm package installs the binary through an optional dependency
# (@oven/bun-linux-x64); check that it runs on this machine.
node_modules/.bin/bun --version >/dev/null
