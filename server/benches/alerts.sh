#!/usr/bin/env bash
# Alert delivery benchmark, against the release `vigie serve` and a local
# webhook receiver (Node's http module, answering 200 at once).
#
# 1. Latency: EVENTS incidents (default 200) are opened through the REST
#    API, one every 50 ms, each firing one rule to a signed webhook. For each
#    the receiver notes when the request arrived; the latency is that minus
#    the event's `occurred_at` (written in the event's transaction): commit,
#    NOTIFY, claim, signing, sending. p50 / p99 / max are printed.
# 2. Throughput: BURST notifications (default 5,000) are written to the
#    outbox at once; deliveries per second is BURST over the time from the
#    write to the last arrival. Three runs, median printed. The baseline, in
#    the same command, is Node posting the same bodies to the same receiver
#    with the same concurrency (16): the ceiling of the receiver and the
#    loopback, so the ratio says how much the outbox costs.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

events=${EVENTS:-200}
burst=${BURST:-5000}
source server/benches/scratch.sh

# The receiver: notes each arrival (ms since the epoch, sub-millisecond) with
# the body's occurred_at, answers 200.
node -e '
  const fs = require("fs");
  const out = fs.createWriteStream(process.argv[1]);
  const server = require("http").createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const at = performance.timeOrigin + performance.now();
      let occurred = "";
      try { occurred = JSON.parse(body).occurred_at || ""; } catch (_) {}
      out.write(`${at.toFixed(3)} ${occurred}\n`);
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
' "$work/arrivals" >"$work/receiver.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
hook="http://127.0.0.1:$(cat "$work/receiver.port")/hook"

DATABASE_URL=$url "$bin" migrate >/dev/null
echo "bench-password-0123" | DATABASE_URL=$url "$bin" user create --email bench@example.com --name Bench --role admin >/dev/null
token=$(DATABASE_URL=$url "$bin" token create --email bench@example.com --name bench | tail -1)
# A monitor no region probes: incidents name it, nothing else happens.
monitor=$(psql "$url" -qAt -c "INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds) VALUES ('API', 'http', 'http://127.0.0.1:9/', 60, 10) RETURNING id")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url VIGIE_BIND=127.0.0.1:$port RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
channel=$(api -d "{\"kind\":\"webhook\",\"name\":\"bench\",\"url\":\"$hook\",\"secret\":\"bench-secret-0123456789\"}" \
  "http://127.0.0.1:$port/api/v1/channels" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api -d "{\"name\":\"all\",\"events\":[\"incident_created\"],\"channel_id\":$channel}" \
  "http://127.0.0.1:$port/api/v1/alert-rules" >/dev/null
arrivals() { wc -l <"$work/arrivals"; }

echo "alert benchmark: $events events one every 50 ms, then bursts of $burst notifications"
for n in $(seq "$events"); do
  api -d "{\"title\":\"bench $n\",\"monitor_ids\":[$monitor]}" "http://127.0.0.1:$port/api/v1/incidents" >/dev/null
  sleep 0.05
done
for _ in $(seq 100); do [ "$(arrivals)" -ge "$events" ] && break; sleep 0.1; done
cp "$work/arrivals" "$work/latency"

# Bursts: rows written straight to the outbox, as many events at once would.
results=()
for run in 1 2 3; do
  before=$(arrivals)
  start=$(python3 -c 'import time; print(time.time())')
  psql "$url" -qAt <<SQL >/dev/null
INSERT INTO notifications (delivery_id, rule_name, channel_id, event, payload, state, next_attempt_at, created_at)
SELECT 'dlv_bench_${run}_' || g, 'all', $channel, 'incident_created',
       jsonb_build_object('event', 'incident_created', 'occurred_at', now(), 'monitors', '[]'::jsonb),
       'pending', now(), now()
FROM generate_series(1, $burst) g;
NOTIFY vigie_alerts;
SQL
  while [ "$(arrivals)" -lt $((before + burst)) ]; do sleep 0.05; done
  last=$(tail -1 "$work/arrivals" | cut -d' ' -f1)
  rate=$(python3 -c "print(round($burst / ($last / 1000 - $start), 1))")
  # The baseline: Node sends as many bodies of the same size, 16 at a time.
  body_size=$(psql "$url" -qAt -c "SELECT length(payload::text) + 60 FROM notifications ORDER BY id DESC LIMIT 1")
  base=$(node -e '
    const http = require("http");
    const [url, total, size] = [new URL(process.argv[1]), +process.argv[2], +process.argv[3]];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({ event: "incident_created", pad: "x".repeat(Math.max(0, size - 40)) });
    let sent = 0, done = 0;
    const start = performance.now();
    const next = () => {
      if (sent >= total) return;
      sent++;
      const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => { if (++done === total) { console.log((total / ((performance.now() - start) / 1000)).toFixed(1)); agent.destroy(); } else next(); });
      });
      req.end(body);
    };
    for (let i = 0; i < 16; i++) next();
  ' "$hook" "$burst" "$body_size")
  results+=("$rate $base")
  echo "burst $run: $rate deliveries/s (baseline: Node posting the same, $base requests/s)"
done

python3 - "$work/latency" "${results[@]}" <<'PY'
import datetime, statistics, sys
latencies = []
for line in open(sys.argv[1]):
    at, occurred = line.split()
    when = datetime.datetime.fromisoformat(occurred.replace("Z", "+00:00")).timestamp() * 1000
    latencies.append(float(at) - when)
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
rows = [list(map(float, r.split())) for r in sys.argv[2:]]
rate = statistics.median(r[0] for r in rows)
base = statistics.median(r[1] for r in rows)
print()
print(f"event -> first attempt, {len(latencies)} events: p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
print(f"deliveries per second (median of 3 bursts): {rate:.1f}")
print(f"baseline, Node to the same receiver:        {base:.1f}  (Vigie reaches {100 * rate / base:.0f} %)")
PY
