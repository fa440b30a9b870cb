#!/usr/bin/env bash
# Subscriber notification benchmark, against the release `vigie serve` and a
# local SMTP server (end2end's Node sink, `smtp-server`, accepting at once).
#
# A published page has SUBSCRIBERS confirmed email subscribers (default
# 10,000). An incident is opened (its notice warms everything up), then
# RUNS updates (default 3) are published through the REST API, one after
# the other finished. For each: the time the publishing request took (the
# transaction writes one notice, whatever the number of subscribers: the
# target is under 100 ms), the time from the request to the last email's
# arrival, and emails per second. The baseline, in the same command, is
# Python's smtplib sending as many messages of the same size to the same
# sink over as many connections as Vigie's SMTP pool (10): what the sink and
# the loopback allow without a database.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

subscribers=${SUBSCRIBERS:-10000}
runs=${RUNS:-3}
[ -d end2end/node_modules/smtp-server ] || { echo "run make e2e-tools first (the SMTP sink)" >&2; exit 1; }
source server/benches/scratch.sh

# The sink: one line per message, its arrival time in ms since the epoch.
node -e '
  const { SMTPServer } = require("./end2end/node_modules/smtp-server");
  const fs = require("fs");
  const out = fs.createWriteStream(process.argv[1]);
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["AUTH", "STARTTLS"], logger: false, maxClients: 1000,
    onData(stream, session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => { out.write(`${(performance.timeOrigin + performance.now()).toFixed(3)}\n`); callback(); });
    },
  });
  server.listen(0, "127.0.0.1", () => console.log(server.server.address().port));
' "$work/arrivals" >"$work/sink.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
sink=$(cat "$work/sink.port")
arrivals() { wc -l <"$work/arrivals"; }

DATABASE_URL=$url "$bin" migrate >/dev/null
echo "bench-password-0123" | DATABASE_URL=$url "$bin" user create --email bench@example.com --name Bench --role admin >/dev/null
token=$(DATABASE_URL=$url "$bin" token create --email bench@example.com --name bench | tail -1)
# A monitor no region probes, on a published page with its subscribers.
psql "$url" -qAt <<SQL >/dev/null
INSERT INTO monitors (id, name, kind, url, interval_seconds, timeout_seconds)
VALUES (1, 'API', 'http', 'http://127.0.0.1:9/', 60, 10);
INSERT INTO status_pages (id, slug, title, published) VALUES (1, 'acme', 'Acme', true);
INSERT INTO status_page_components (page_id, monitor_id, name, position) VALUES (1, 1, 'API', 0);
INSERT INTO subscribers (page_id, kind, address, state, created_at, confirmed_at)
SELECT 1, 'email', 'reader' || n || '@example.com', 'confirmed', now() - interval '1 hour', now() - interval '1 hour'
FROM generate_series(1, $subscribers) n;
SQL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url VIGIE_BIND=127.0.0.1:$port VIGIE_PUBLIC_URL=http://127.0.0.1:$port \
  VIGIE_SMTP_URL=smtp://127.0.0.1:$sink VIGIE_SMTP_FROM=status@example.com RUST_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
wait_for() { while [ "$(arrivals)" -lt "$1" ]; do sleep 0.05; done; }

echo "subscriber benchmark: $subscribers confirmed email subscribers, $runs updates"
incident=$(api -d '{"title":"Outage","impact":"major_outage","monitor_ids":[1]}' \
  "http://127.0.0.1:$port/api/v1/incidents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_for "$subscribers"
results=()
for run in $(seq "$runs"); do
  before=$(arrivals)
  start=$(python3 -c 'import time; print(time.time())')
  took=$(api -o /dev/null -w '%{time_total}' -d "{\"status\":\"identified\",\"body\":\"Update $run: we found the cause.\"}" \
    "http://127.0.0.1:$port/api/v1/incidents/$incident/updates")
  wait_for $((before + subscribers))
  last=$(tail -1 "$work/arrivals")
  results+=("$(python3 -c "print($took * 1000, $last / 1000 - $start)")")
  echo "update $run: published in $(python3 -c "print(round($took * 1000, 1))") ms, last email after $(python3 -c "print(round($last / 1000 - $start, 2))") s"
done
size=$(psql "$url" -qAt -c "SELECT length(content->>'text') + length(content->>'html') + 600 FROM subscriber_notices ORDER BY id DESC LIMIT 1")

# The baseline: the same number of messages of the same size, 10 connections.
base=$(python3 - "$sink" "$subscribers" "$size" <<'PY'
import smtplib, sys, threading, time
port, total, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
body = "x" * max(0, size - 200)
message = f"From: status@example.com\r\nTo: reader@example.com\r\nSubject: baseline\r\n\r\n{body}\r\n"
count, lock = [0], threading.Lock()
def work():
    smtp = smtplib.SMTP("127.0.0.1", port)
    while True:
        with lock:
            if count[0] >= total:
                break
            count[0] += 1
        smtp.sendmail("status@example.com", ["reader@example.com"], message)
    smtp.quit()
start = time.time()
threads = [threading.Thread(target=work) for _ in range(10)]
for t in threads: t.start()
for t in threads: t.join()
print(round(total / (time.time() - start), 1))
PY
)

python3 - "$subscribers" "$base" "${results[@]}" <<'PY'
import statistics, sys
subscribers, base = int(sys.argv[1]), float(sys.argv[2])
rows = [list(map(float, r.split())) for r in sys.argv[3:]]
publish = statistics.median(r[0] for r in rows)
last = statistics.median(r[1] for r in rows)
rate = subscribers / last
print()
print(f"publishing an update (median of {len(rows)}): {publish:.1f} ms")
print(f"last of {subscribers} emails after (median): {last:.2f} s, {rate:.0f} emails/s")
print(f"baseline, Python smtplib to the same sink:   {base:.0f} emails/s  (Vigie reaches {100 * rate / base:.0f} %)")
PY
