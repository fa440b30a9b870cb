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
# A backup at start (the console's overview shows it to admins).
export VIGIE_BACKUP_DIR="$work/backups"
export E2E_VIGIE_BIN="$PWD/$bin"
# Mail goes to a local SMTP server that files each message for the tests.
smtp_port=${E2E_SMTP_PORT:-3196}
export E2E_MAIL_DIR="$work/mail"
export VIGIE_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export VIGIE_SMTP_FROM="Vigie <status@vigie.test>"
export VIGIE_PUBLIC_URL="$E2E_BASE_URL"
unset DATABASE_URL

for used in "$port" "$smtp_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$used") 2>/dev/null; then
    echo "port $used is already in use; set E2E_PORT or E2E_SMTP_PORT" >&2
    exit 1
  fi
done
node end2end/smtp-sink.mjs "$E2E_MAIL_DIR" "$smtp_port" &
sink=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break
  sleep 0.1
done

server=""
status=0
finish() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  kill -TERM "$sink" 2>/dev/null || true
  wait "$sink" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    mkdir -p end2end/test-results
    cp "$work/server.log" end2end/test-results/server.log
    echo "server log: end2end/test-results/server.log" >&2
  fi
  rm -rf "$work"
}
trap finish EXIT

echo "$E2E_ADMIN_PASSWORD" | "$bin" user create --email admin@example.com --name "Ada Admin" --role admin
"$bin" serve >"$work/server.log" 2>&1 &
server=$!

(cd end2end && npx playwright test "$@") || status=$?
exit "$status"
