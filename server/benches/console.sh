#!/usr/bin/env bash
# Console benchmark, against the release `vigie serve` and Debian's Chromium
# (driven by end2end's Playwright): the monitor list and the overview with
# SIZES monitors (default "10000 50000"; statuses, kinds and tags mixed, in
# one region, none probed so that only the console costs).
#
# For each size, over RUNS fresh page loads (default 5), the medians of:
# the first contentful paint of /console/monitors and of /console (both
# rendered by the server with their data), and the time until the page is
# interactive (hydrated); beside them, as the baseline of the same run,
# /login, a page without data. Then the bytes of one refresh of the list
# (its 5-second call, on the wire and decoded), and the CPU the server and
# PostgreSQL spend over DURATION seconds (default 60) with one console open
# on the list, beside the same time with none open.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=${SIZES:-"10000 50000"}
[ -d end2end/node_modules/@playwright/test ] || { echo "run make e2e-tools first (Playwright)" >&2; exit 1; }
source server/benches/scratch.sh

DATABASE_URL=$url "$bin" migrate >/dev/null
password=bench-password-0123
echo "$password" | DATABASE_URL=$url "$bin" user create --email bench@example.com --name Bench --role admin >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url VIGIE_BIND=127.0.0.1:$port VIGIE_PUBLIC_URL=http://127.0.0.1:$port RUST_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# PostgreSQL's processes: its postmaster and every child (when readable).
postmaster=""
datadir=$(psql "$url" -qAt -c 'SHOW data_directory' 2>/dev/null || true)
if [ -n "$datadir" ] && [ -r "$datadir/postmaster.pid" ]; then postmaster=$(head -1 "$datadir/postmaster.pid"); fi

echo "console benchmark: sizes $sizes, $(nproc) cores"
have=0
for size in $sizes; do
  psql "$url" -qAt <<SQL >/dev/null
INSERT INTO monitors (name, kind, url, host, port, interval_seconds, timeout_seconds, status, paused, tags)
SELECT 'Monitor ' || lpad(g::text, 6, '0'),
       CASE WHEN g % 5 = 0 THEN 'tcp' ELSE 'http' END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'https://service-' || g || '.example.com/health' END,
       CASE WHEN g % 5 = 0 THEN 'db-' || g || '.internal' END,
       CASE WHEN g % 5 = 0 THEN 5432 END,
       60, 10,
       CASE WHEN g % 50 = 0 THEN 'down' WHEN g % 33 = 0 THEN 'degraded' ELSE 'up' END,
       g % 40 = 0,
       ARRAY['team-' || (g % 20), CASE WHEN g % 2 = 0 THEN 'prod' ELSE 'staging' END]
FROM generate_series($((have + 1)), $size) g;
INSERT INTO monitor_regions (monitor_id, region_id)
SELECT m.id, r.id FROM monitors m, regions r WHERE r.name = 'local' AND m.id > $have;
VACUUM ANALYZE monitors;
VACUUM ANALYZE monitor_regions;
SQL
  have=$size
  node server/benches/console.mjs "http://127.0.0.1:$port" bench@example.com "$password" "$size" \
    "$server" "$postmaster" "${RUNS:-5}" "${DURATION:-60}"
done
checks=$(psql "$url" -qAt -c 'SELECT count(*) FROM checks')
echo "checks stored during the run (none expected: no monitor is probed): $checks"
