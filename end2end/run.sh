#!/usr/bin/env bash
# Runs the Playwright suite against the release build: a fresh server on its
# own port with its own private PostgreSQL, stopped (and its data removed)
# afterwards. The server log is kept in end2end/test-results/ on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/vigie
port=${E2E_PORT:-3197}
work=$(mktemp -d "${TMPDIR:-/tmp}/vigie-e2e.XXXXXX")
# PostgreSQL runs as the `postgres` user when we are root: let it in.
chmod 755 "$work"
export VIGIE_DATA_DIR="$work/data"
export VIGIE_BIND="127.0.0.1:$port"
export E2E_BASE_URL="http://127.0.0.1:$port"
export E2E_ADMIN_PASSWORD="correct horse battery"
export XDG_CACHE_HOME="$work/cache"
export XDG_CONFIG_HOME="$work/config"
export RUST_LOG="${RUST_LOG:-info}"
# Monitors checked every second, so state changes show within the tests' waits.
export VIGIE_MIN_INTERVAL_SECONDS=1
export E2E_VIGIE_BIN="$PWD/$bin"
unset DATABASE_URL

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port is already in use; set E2E_PORT" >&2
  exit 1
fi

echo "$E2E_ADMIN_PASSWORD" | "$bin" user create --email admin@example.com --name "Ada Admin" --role admin
"$bin" serve >"$work/server.log" 2>&1 &
server=$!

status=0
finish() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    mkdir -p end2end/test-results
    cp "$work/server.log" end2end/test-results/server.log
    echo "server log: end2end/test-results/server.log" >&2
  fi
  rm -rf "$work"
}
trap finish EXIT

(cd end2end && npx playwright test "$@") || status=$?
exit "$status"
