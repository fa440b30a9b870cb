#!/usr/bin/env bash
# Installs the Debian package as an administrator would (apt-get, which
# runs dpkg and installs the PostgreSQL it depends on), checks what it put
# in place, runs the unit's command as the vigie user with the unit's
# settings, signs in, then removes the package and checks that the data
# stayed. It installs a package on this machine: it needs root (or sudo),
# and refuses to run where Vigie is installed or /var/lib/vigie holds data
# it did not make (VIGIE_DEB_TEST=skip skips it there, saying so).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${VIGIE_DEB_TEST:-}" = skip ]; then
  echo "deb test: skipped (VIGIE_DEB_TEST=skip)"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
deb=$(ls -t target/debian/vigie_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "deb test: no package in target/debian (make deb)" >&2; exit 1; }
marker=/var/lib/vigie/.made-by-the-deb-test
if dpkg -s vigie >/dev/null 2>&1 && [ ! -e "$marker" ]; then
  echo "deb test: vigie is installed on this machine; not touching it (VIGIE_DEB_TEST=skip to skip)" >&2
  exit 1
fi
if [ -e /var/lib/vigie ] && [ ! -e "$marker" ]; then
  echo "deb test: /var/lib/vigie holds data this test did not make; not touching it" >&2
  exit 1
fi
# What an earlier run left (the package is removed, its data kept on purpose).
$SUDO dpkg --purge vigie >/dev/null 2>&1 || true
$SUDO rm -rf /var/lib/vigie

port=${DEB_TEST_PORT:-3195}
server=""
finish() {
  status=$?
  if [ -n "$server" ]; then
    stop_server 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
    mkdir -p end2end/test-results && cp "$work/server.log" end2end/test-results/deb-server.log
    echo "deb test: server log in end2end/test-results/deb-server.log" >&2
  fi
  $SUDO dpkg --purge vigie >/dev/null 2>&1 || true
  $SUDO rm -rf /var/lib/vigie
  rm -rf "$work"
  exit "$status"
}
work=$(mktemp -d)
chmod 755 "$work"
trap finish EXIT
fail() { echo "deb test: $*" >&2; exit 1; }

echo "deb test: installing $deb"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
$SUDO touch "$marker"

# What the package put in place.
[ "$(/usr/bin/vigie --version)" = "$(target/release/vigie --version)" ] || fail "/usr/bin/vigie is not this build"
id vigie >/dev/null || fail "no vigie user"
[ "$(stat -c '%U %a' /var/lib/vigie)" = "vigie 750" ] || fail "/var/lib/vigie: $(stat -c '%U %a' /var/lib/vigie)"
[ "$(stat -c '%U %G %a' /etc/vigie/vigie.env)" = "root vigie 640" ] || fail "/etc/vigie/vigie.env: $(stat -c '%U %G %a' /etc/vigie/vigie.env)"
unit=$(systemctl show -P FragmentPath vigie 2>/dev/null || true)
[ -f "$unit" ] || unit=$(dpkg -L vigie | grep -E '/vigie\.service$' | head -1)
[ -f "$unit" ] || fail "no systemd unit installed"
grep -qx 'User=vigie' "$unit" || fail "the unit does not run as vigie"

# The unit's command, as its user, with its settings (the address moved
# to a free port).
command=$(sed -n 's/^ExecStart=//p' "$unit")
settings=$(sed -n 's/^Environment=//p' "$unit")
directory=$(sed -n 's/^WorkingDirectory=//p' "$unit")
mapfile -t from_file < <(grep -Ev '^\s*(#|$)' /etc/vigie/vigie.env)
as_vigie() {
  $SUDO runuser -u vigie -- env -C "$directory" "${from_file[@]}" $settings "VIGIE_BIND=127.0.0.1:$port" "$@"
}
# SIGTERM to the server itself, as systemd sends it (runuser sits between).
stop_server() {
  $SUDO pkill -TERM -u vigie -f "^$command" || true
  wait "$server"
}
as_vigie $command > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || fail "the server stopped: $(tail -5 "$work/server.log")"
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"database":"ok"' || fail "not healthy"
[ -f /var/lib/vigie/postgres/PG_VERSION ] || fail "no private PostgreSQL under /var/lib/vigie"
[ "$(stat -c %U /var/lib/vigie/postgres)" = vigie ] || fail "the database does not belong to vigie"

# Sign in with a member made from the command line.
password="correct horse battery staple"
echo "$password" | as_vigie /usr/bin/vigie user create --email admin@example.com --name Admin --role admin >/dev/null
base="http://127.0.0.1:$port"
curl -sf -c "$work/cookies" -H "Origin: $base" --data-urlencode email=admin@example.com \
  --data-urlencode "password=$password" "$base/rpc/sign_in" >/dev/null || fail "sign-in refused"
grep -q vigie_session "$work/cookies" || fail "no session cookie"
curl -sf -b "$work/cookies" "$base/console" | grep -q "Overview" || fail "the console did not open"
curl -sf "$base/login" | grep -Eq '/pkg/vigie\.[0-9a-f]{16}\.css' || fail "the page names no hashed stylesheet"

stop_server || fail "the server did not stop cleanly"
server=""
for _ in $(seq 50); do
  pgrep -u vigie >/dev/null || break
  sleep 0.2
done
left=$(pgrep -u vigie -a || true)
[ -z "$left" ] || fail "processes of vigie are left: $left"

# Removed: the program goes, the data stays.
$SUDO dpkg -r vigie >/dev/null
[ ! -e /usr/bin/vigie ] || fail "/usr/bin/vigie is still there"
[ -f /var/lib/vigie/postgres/PG_VERSION ] || fail "removing the package removed the data"
echo "deb test: installed, served as vigie, signed in, removed with the data kept"
