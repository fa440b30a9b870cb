#!/usr/bin/env bash
# Fuzzes the REST API from its OpenAPI document with schemathesis, against the
# release build: a fresh server with its own private PostgreSQL, in a network
# namespace that holds only a loopback interface, so the monitors the fuzzer
# creates can never probe anything outside this machine. Fails on any 5xx,
# on an operation that answers without its token, or on a panic in the log.
#   FUZZ_SECONDS  time budget of the fuzzing (default 90)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-90}
venv=${FUZZ_VENV:-$PWD/target/tools/fuzz-venv}
results=end2end/test-results/fuzz

if [ "${VIGIE_FUZZ_INSIDE:-}" != 1 ]; then
  # Re-run this script in a network namespace of its own (root is needed to
  # make one; sudo is asked for otherwise, as for installing packages).
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo --preserve-env"
  exec $sudo env VIGIE_FUZZ_INSIDE=1 unshare --net -- "$0" "$@"
fi

ip link set lo up
bin=target/release/vigie
port=3198
work=$(mktemp -d "${TMPDIR:-/tmp}/vigie-fuzz.XXXXXX")
chmod 755 "$work"
export VIGIE_DATA_DIR="$work/data"
export VIGIE_BIND="127.0.0.1:$port"
export RUST_LOG="${RUST_LOG:-warn}"
unset DATABASE_URL
mkdir -p "$results"

# The fuzzer tries small ids (0, 1, 2…) on every route, revoking tokens and
# demoting members: its own user and token get ids it will not guess.
database=$("$bin" postgres start | tail -n 1)
"$bin" migrate >/dev/null
psql "$database" -qAt -c "SELECT setval('users_id_seq', 7000000000 + floor(random() * 1e9)::bigint),
                                 setval('api_tokens_id_seq', 8000000000 + floor(random() * 1e9)::bigint)" >/dev/null
echo "fuzz-admin-password" | "$bin" user create --email fuzz@example.com --name Fuzz --role admin >/dev/null
token=$("$bin" token create --email fuzz@example.com --name fuzz | tail -n 1)
"$bin" serve >"$work/server.log" 2>&1 &
server=$!

status=0
finish() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  cp "$work/server.log" "$results/server.log"
  rm -rf "$work"
}
trap finish EXIT

# not_a_server_error: no 5xx, ever. ignored_auth: every operation that
# declares the bearer token refuses a request without it (or with a bad one).
# One worker: with two, schemathesis 4.32.5 once crashed on its own (a
# KeyError in Hypothesis describing a filter), and one makes as many cases
# per second on these two cores.
fuzz() {
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --wait-for-schema 60 \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,ignored_auth \
    --phases examples,coverage,fuzzing \
    --workers 1 \
    --request-timeout 10 \
    --warnings off \
    --report junit,ndjson --report-dir "$results" "$@" || status=$?
}
# The fuzzer reads ids from answers, so it soon revokes its own token or
# demotes its own admin: the operations that can are fuzzed last, apart.
own_access='^/api/v1/(tokens|users)/\{id\}$'
fuzz --max-time $((seconds * 9 / 10)) --exclude-path-regex "$own_access"
fuzz --max-time $((seconds / 10 + 1)) --include-path-regex "$own_access"

if grep -n "panicked" "$work/server.log"; then
  echo "the server panicked while fuzzed (log: $results/server.log)" >&2
  status=1
fi
exit "$status"
