#!/usr/bin/env bash
# Scheduler benchmark: MONITORS monitors (default 10,000) checked every 30 s
# from the built-in region against a local HTTP target (Node's http module),
# served by the release `vigie serve`. After a warm-up, three windows of
# WINDOW seconds each are measured; the median of each figure is printed with
# the three values, and probes per second are compared with the demand
# (monitors / interval, the ceiling a scheduler that keeps up reaches).
#
# Figures: probes/s (from the checks written), rows/s, scheduling lag p50 /
# p99 / max (due time to claim, from /metrics over the last minute), the
# server's CPU (% of one core) and its resident memory (median and peak).
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

monitors=${MONITORS:-10000}
interval=${INTERVAL:-30}
warmup=${WARMUP:-45}
window=${WINDOW:-30}
source server/benches/scratch.sh

# The target: answers every request with 200 and a short body.
node -e '
  const server = require("http").createServer((req, res) => res.end("ok"));
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
' >"$work/target.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/target.port" ] && break; sleep 0.1; done
target_port=$(cat "$work/target.port")

DATABASE_URL=$url "$bin" migrate >/dev/null
psql "$url" -qAt <<SQL
INSERT INTO regions (name) VALUES ('local');
INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds)
SELECT 'm' || g, 'http', 'http://127.0.0.1:$target_port/health?m=' || g, $interval, 10
FROM generate_series(1, $monitors) g;
INSERT INTO monitor_regions (monitor_id, region_id) SELECT id, 1 FROM monitors;
-- Spread over the interval, as monitors created over time are.
INSERT INTO monitor_region_state (monitor_id, region_id, next_due_at)
SELECT id, 1, now() + random() * interval '$interval seconds' FROM monitors;
VACUUM ANALYZE;
SQL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url VIGIE_BIND=127.0.0.1:$port VIGIE_METRICS_TOKEN=bench-metrics-token RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

checks() { psql "$url" -qAt -c "SELECT count(*) FROM checks"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$server/status"; }
quantile() {
  curl -fs -H "Authorization: Bearer bench-metrics-token" "http://127.0.0.1:$port/metrics" |
    awk -v q="$1" '$1 == "vigie_scheduler_lag_seconds{quantile=\"" q "\"}" {printf "%.3f", $2}'
}
hz=$(getconf CLK_TCK)

echo "scheduler benchmark: $monitors monitors every $interval s ($(python3 -c "print(round($monitors / $interval, 1))") checks due per second)"
echo "warming up for $warmup s…"
sleep "$warmup"
results=()
for run in 1 2 3; do
  c0=$(checks); t0=$(date +%s.%N); u0=$(cpu_ticks)
  sleep "$window"
  c1=$(checks); t1=$(date +%s.%N); u1=$(cpu_ticks)
  line=$(python3 -c "
c0, c1, t0, t1, u0, u1, hz = $c0, $c1, $t0, $t1, $u0, $u1, $hz
secs = t1 - t0
print(round((c1 - c0) / secs, 1), round(100 * (u1 - u0) / hz / secs, 1))")
  line="$line $(quantile 0.5) $(quantile 0.99) $(quantile 1) $(rss_kib)"
  results+=("$line")
  echo "window $run: $line  (probes/s, cpu %, lag p50 s, lag p99 s, lag max s, rss KiB)"
done
peak=$(peak_kib)
python3 - "$monitors" "$interval" "$peak" "${results[@]}" <<'PY'
import statistics, sys
monitors, interval, peak = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rows = [list(map(float, r.split())) for r in sys.argv[4:]]
col = lambda i: statistics.median(r[i] for r in rows)
demand = monitors / interval
print()
print(f"checks due per second:      {demand:.1f}")
print(f"probes per second (median): {col(0):.1f}  ({100 * col(0) / demand:.1f} % of the demand)")
print(f"check rows written per s:   {col(0):.1f}  (one row per probe, batched per tick)")
print(f"scheduling lag p50 / p99 / max (median of windows): {col(2):.3f} / {col(3):.3f} / {col(4):.3f} s")
print(f"server CPU (median):        {col(1):.1f} % of one core")
print(f"server resident memory:     {col(5) / 1024:.0f} MiB (median), {peak / 1024:.0f} MiB (peak)")
PY
