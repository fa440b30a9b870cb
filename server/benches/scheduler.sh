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
# MIX=1 makes the same number of monitors a mix of kinds: 70 % HTTP, 10 %
# TCP (the same target), 10 % DNS (an A record from a local responder over
# UDP), 5 % ping (one echo request to 127.0.0.1) and 5 % heartbeats (hourly,
# never late during the run: they cost the late-run sweep of every tick).
#
# The monitors start as a server that has been running leaves them: up,
# their region's verdict up after a check one interval before their due
# time, so the windows measure the steady state. FRESH=1 starts them new
# instead (pending, never checked): every first result then changes a
# status, and each window also prints how many monitors still wait for one.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

monitors=${MONITORS:-10000}
interval=${INTERVAL:-30}
warmup=${WARMUP:-45}
window=${WINDOW:-30}
mix=${MIX:-0}
fresh=${FRESH:-0}
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

# A DNS responder for the mix: every question gets one A record, 127.0.0.1.
python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    query, peer = s.recvfrom(512)
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    header = query[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
    answer = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([127, 0, 0, 1])
    s.sendto(header + question + answer, peer)
' >"$work/dns.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/dns.port" ] && break; sleep 0.1; done
dns_port=$(cat "$work/dns.port")

DATABASE_URL=$url "$bin" migrate >/dev/null
if [ "$mix" = 1 ]; then
  # g mod 20: 0-13 http, 14-15 tcp, 16-17 dns, 18 ping, 19 heartbeat.
  kinds="CASE WHEN g % 20 < 14 THEN 'http' WHEN g % 20 < 16 THEN 'tcp' WHEN g % 20 < 18 THEN 'dns'
              WHEN g % 20 = 18 THEN 'ping' ELSE 'heartbeat' END"
else
  kinds="'http'"
fi
psql "$url" -qAt <<SQL
-- The server's region, which vigie migrate makes already.
INSERT INTO regions (name) VALUES ('local') ON CONFLICT (name) DO NOTHING;
INSERT INTO monitors (name, kind, url, host, port, interval_seconds, timeout_seconds,
                      dns_record_type, dns_server, dns_protocol, expected_values, expected_match,
                      ping_count, max_loss_percent, ping_token_hash, period_seconds, grace_seconds)
SELECT 'm' || g, kind,
       'http://127.0.0.1:$target_port/health?m=' || g,
       CASE kind WHEN 'tcp' THEN '127.0.0.1' WHEN 'ping' THEN '127.0.0.1' WHEN 'dns' THEN 'm' || g || '.bench.test' END,
       CASE kind WHEN 'tcp' THEN $target_port END,
       $interval, 10,
       CASE kind WHEN 'dns' THEN 'a' END, CASE kind WHEN 'dns' THEN '127.0.0.1:$dns_port' END,
       CASE kind WHEN 'dns' THEN 'udp' END,
       CASE kind WHEN 'dns' THEN '["127.0.0.1"]'::jsonb ELSE '[]'::jsonb END, CASE kind WHEN 'dns' THEN 'any' END,
       CASE kind WHEN 'ping' THEN 1 END, CASE kind WHEN 'ping' THEN 0 END,
       CASE kind WHEN 'heartbeat' THEN decode(md5(g::text), 'hex') END,
       CASE kind WHEN 'heartbeat' THEN 3600 END, CASE kind WHEN 'heartbeat' THEN 3600 END
FROM generate_series(1, $monitors) g, LATERAL (SELECT $kinds AS kind) k;
INSERT INTO monitor_regions (monitor_id, region_id) SELECT id, 1 FROM monitors;
-- Spread over the interval, as monitors created over time are; heartbeats
-- are due (late) only an hour on.
INSERT INTO monitor_region_state (monitor_id, region_id, next_due_at)
SELECT id, 1, CASE kind WHEN 'heartbeat' THEN now() + interval '1 hour'
                        ELSE now() + random() * interval '$interval seconds' END FROM monitors;
SQL
if [ "$fresh" != 1 ]; then
  psql "$url" -qAt <<SQL
UPDATE monitor_region_state s SET verdict = 'up', consecutive_successes = 1, consecutive_fast = 1,
       last_result_at = s.next_due_at - interval '$interval seconds'
FROM monitors m WHERE m.id = s.monitor_id AND m.kind <> 'heartbeat';
UPDATE monitors SET status = 'up' WHERE kind <> 'heartbeat';
INSERT INTO monitor_status_changes (monitor_id, status, changed_at)
SELECT id, 'up', now() - interval '1 day' FROM monitors WHERE kind <> 'heartbeat';
SQL
fi
psql "$url" -qAt -c "VACUUM ANALYZE" >/dev/null

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

# Heartbeats are never probed: the demand is the probed monitors'.
probed=$(psql "$url" -qAt -c "SELECT count(*) FROM monitors WHERE kind <> 'heartbeat'")
[ "$mix" = 1 ] && psql "$url" -qAt -c "SELECT 'mix: ' || string_agg(kind || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT kind, count(*) n FROM monitors GROUP BY kind) k"
echo "scheduler benchmark: $monitors monitors every $interval s ($(python3 -c "print(round($probed / $interval, 1))") checks due per second)"
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
  if [ "$fresh" = 1 ]; then
    echo "  monitors still without a first result: $(psql "$url" -qAt -c \
      "SELECT count(*) FROM monitor_region_state s JOIN monitors m ON m.id = s.monitor_id
       WHERE s.last_result_at IS NULL AND m.kind <> 'heartbeat'")"
  fi
done
peak=$(peak_kib)
python3 - "$probed" "$interval" "$peak" "${results[@]}" <<'PY'
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
