#!/usr/bin/env bash
# Status page under a rush: requests per second and latency p50 / p99 at
# CONNECTIONS concurrent connections (default 1,000) for a page of 50
# components with 90 days of history and an incident with updates, served
# by the release `vigie serve`, side by side in one run with nginx serving a
# saved copy of the same page (gzip_static: the practical ceiling). Three
# rounds of DURATION seconds each (default 15), alternating; medians
# printed. wrk sends `Accept-Encoding: gzip`, as browsers do.
#
# Needs nginx and wrk (installed from Debian's packages when missing).
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

connections=${CONNECTIONS:-1000}
duration=${DURATION:-15}
components=50

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light wrk >/dev/null
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
source server/benches/scratch.sh

DATABASE_URL=$url "$bin" migrate >/dev/null
psql "$url" -qAt <<SQL
INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds, status)
SELECT 'internal-' || g, 'http', 'http://127.0.0.1:9/' || g, 60, 10, 'up' FROM generate_series(1, $components) g;
INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds)
SELECT m.id, current_date - d, 1440, (random() < 0.05)::int * (random() * 30)::int, 0
FROM monitors m, generate_series(1, 89) d;
INSERT INTO status_pages (slug, title, description, published)
VALUES ('acme', 'Acme status', 'Live status of every Acme service.', true);
INSERT INTO status_page_components (page_id, position, monitor_id, name, group_name)
SELECT 1, id - 1, id, 'Service ' || id, 'Group ' || ((id - 1) / 10 + 1) FROM monitors;
INSERT INTO incidents (kind, title, impact, state, started_at)
VALUES ('manual', 'Elevated error rates', 'partial_outage', 'ongoing', now() - interval '20 minutes');
INSERT INTO incident_monitors (incident_id, monitor_id) VALUES (1, 1), (1, 2), (1, 3);
INSERT INTO incident_updates (incident_id, status, body, body_html, published_at)
SELECT 1, s, 'Update ' || n, '<p>Update ' || n || ': we are on it.</p>', now() - (n || ' minutes')::interval
FROM (VALUES (1, 'investigating'), (2, 'identified'), (3, 'monitoring')) AS u(n, s);
VACUUM ANALYZE;
SQL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url VIGIE_BIND=127.0.0.1:$port VIGIE_METRICS_TOKEN=bench-metrics-token RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
vigie_url="http://127.0.0.1:$port/status/acme"

# nginx serves the same bytes, saved from Vigie, with a precompressed copy.
mkdir -p "$work/www/status" "$work/nginx"
curl -fs "$vigie_url" -o "$work/www/status/acme"
gzip -k -9 "$work/www/status/acme"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    gzip_static on;
    location /status/ { default_type "text/html; charset=utf-8"; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
nginx_url="http://127.0.0.1:$nginx_port/status/acme"
for _ in $(seq 50); do curl -fs "$nginx_url" >/dev/null 2>&1 && break; sleep 0.1; done

plain=$(wc -c <"$work/www/status/acme")
zipped=$(wc -c <"$work/www/status/acme.gz")
echo "status page benchmark: $components components, $connections connections, $duration s per run"
echo "page: $plain bytes, $zipped gzipped"

# `wrk --latency` prints the distribution; requests/s and p50/p99 in ms.
measure() {
  wrk -t2 -c"$connections" -d"${duration}s" --latency -H 'Accept-Encoding: gzip' "$1" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(rps, ms("50"), ms("99"), int(errors.group(1)) if errors else 0)'
}

vigie=()
nginx=()
for run in 1 2 3; do
  v=$(measure "$vigie_url"); n=$(measure "$nginx_url")
  vigie+=("$v"); nginx+=("$n")
  echo "run $run: vigie $v | nginx $n  (req/s, p50 ms, p99 ms, errors)"
done
renders=$(curl -fs -H "Authorization: Bearer bench-metrics-token" "http://127.0.0.1:$port/metrics" | awk '/^vigie_status_renders_total/ {print $2}')
python3 - "$renders" "${vigie[@]}" "${nginx[@]}" <<'PY'
import statistics, sys
renders = sys.argv[1]
rows = [list(map(float, r.split())) for r in sys.argv[2:]]
vigie, nginx = rows[:3], rows[3:]
med = lambda rs, i: statistics.median(r[i] for r in rs)
print()
print(f"vigie: {med(vigie, 0):.0f} req/s, p50 {med(vigie, 1):.1f} ms, p99 {med(vigie, 2):.1f} ms, errors {sum(r[3] for r in vigie):.0f}")
print(f"nginx: {med(nginx, 0):.0f} req/s, p50 {med(nginx, 1):.1f} ms, p99 {med(nginx, 2):.1f} ms, errors {sum(r[3] for r in nginx):.0f}")
print(f"vigie / nginx throughput: {100 * med(vigie, 0) / med(nginx, 0):.0f} %  (target: at least 50 %, p99 under 50 ms)")
print(f"page renders during the run: {renders} (the rest came from the cache)")
PY
