# shellcheck shell=bash
# Sourced by the scripts that start servers on an ephemeral port (bench/run.sh,
# bench/smoke.sh, tests/soak/run.sh): wshub and the bench peers print
# "... listening on http://HOST:PORT" once they accept connections.
#
# listening_port PID FILE: waits up to 10 s for that line in FILE while process
# PID lives and prints PORT; prints nothing when the line never came (the
# server died or hung). Always returns 0, so `port=$(listening_port ...)` is
# safe under `set -e`; the caller checks for an empty result.
listening_port() {
  local pid=$1 file=$2 port="" _
  for _ in $(seq 100); do
    port=$(sed -n 's#.*listening on https\{0,1\}://[^ ]*:\([0-9][0-9]*\).*#\1#p' "$file" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$port"
}
