#!/usr/bin/env bash
# From a fresh clone to a running server: installs what is missing, builds,
# and starts `wshub serve --dev` (embedded broker, no auth: local use only).
# Extra arguments go to `wshub serve`, e.g. scripts/dev.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/bin/wshub serve --dev --listen "${WSHUB_LISTEN:-127.0.0.1:8000}" "$@"
