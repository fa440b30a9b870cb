#!/usr/bin/env bash
# Measures what a monitor's page reads from its checks, before and after
# checks were packed: 30 days of checks at a 30-second interval for 20
# monitors (86,400 checks each, 0.1 % failed), with a two-hour maintenance
# window each. "before": the former plain table and the former queries (as
# of migration 000031); "after": the same checks packed by `vigie upkeep`,
# read by the current queries (`db::schedule`). Each query runs 7 times for
# each of 5 monitors in one psql session; prints the median milliseconds
# (server-side, from EXPLAIN ANALYZE's execution time) and the ratio.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

source server/benches/scratch.sh

DATABASE_URL=$url "$bin" migrate >/dev/null
psql "$url" -qAt -v ON_ERROR_STOP=1 <<'SQL'
-- The server's region, which vigie migrate makes already.
INSERT INTO regions (name) VALUES ('local') ON CONFLICT (name) DO NOTHING;
INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds)
SELECT 'm' || g, 'http', 'https://example.com/health', 30, 10 FROM generate_series(1, 20) g;
CREATE TABLE flat_checks (LIKE checks INCLUDING DEFAULTS);
INSERT INTO flat_checks (monitor_id, region_id, checked_at, duration_ms, up, status_code, failure, message)
SELECT m.id, 1, date_trunc('hour', now(), 'UTC') - interval '30 days' + s * interval '30 seconds'
                + (random() * 1000)::int * interval '1 millisecond',
       CASE WHEN fail THEN 10000 ELSE 40 + (random() * 200)::int END, NOT fail,
       CASE WHEN fail THEN NULL ELSE 200 END, CASE WHEN fail THEN 'timeout' END,
       CASE WHEN fail THEN 'no answer within 10 s' ELSE 'status 200, keyword check passed' END
FROM monitors m, generate_series(0, 86399) s, LATERAL (SELECT random() < 0.001 AS fail) f;
INSERT INTO checks SELECT * FROM flat_checks;
ALTER TABLE flat_checks ADD PRIMARY KEY (id);
CREATE INDEX ON flat_checks (monitor_id, checked_at DESC);
CREATE INDEX ON flat_checks (checked_at);
INSERT INTO incidents (kind, title, impact, state, started_at, resolved_at, scheduled_start, scheduled_end)
SELECT 'maintenance', 'Upgrade ' || g, 'maintenance', 'resolved', t, t + interval '2 hours', t, t + interval '2 hours'
FROM generate_series(1, 20) g, LATERAL (SELECT now() - interval '3 days' AS t) x;
INSERT INTO incident_monitors (incident_id, monitor_id) SELECT id, id FROM incidents;
SQL
DATABASE_URL=$url "$bin" upkeep >/dev/null
psql "$url" -qAt -c "VACUUM ANALYZE" >/dev/null

windows="windows AS MATERIALIZED (
  SELECT im.monitor_id, greatest(i.started_at, bounds.lo) AS starts, least(coalesce(i.resolved_at, 'infinity'), bounds.hi) AS ends
  FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id, bounds
  WHERE i.kind = 'maintenance' AND i.state IN ('ongoing', 'resolved')
    AND i.started_at < bounds.hi AND coalesce(i.resolved_at, 'infinity') > bounds.lo AND im.monitor_id = \$1)"
uptime_before="WITH bounds AS (SELECT \$2::timestamptz AS lo, 'infinity'::timestamptz AS hi), $windows,
 inside AS MATERIALIZED (SELECT DISTINCT c.id FROM windows w JOIN flat_checks c
   ON c.monitor_id = w.monitor_id AND c.checked_at >= w.starts AND c.checked_at < w.ends)
 SELECT count(*) FILTER (WHERE c.up), count(*) FROM flat_checks c LEFT JOIN inside ON inside.id = c.id
 WHERE c.monitor_id = \$1 AND c.checked_at > \$2 AND inside.id IS NULL"
uptime_after="WITH bounds AS (SELECT \$2::timestamptz AS lo, 'infinity'::timestamptz AS hi), $windows,
 spared AS (SELECT DISTINCT c.region_id, c.checked_at, c.up FROM windows w CROSS JOIN LATERAL (
     SELECT r.region_id, r.checked_at, r.up FROM checks r
     WHERE r.monitor_id = w.monitor_id AND r.checked_at >= w.starts AND r.checked_at < w.ends
     UNION ALL
     SELECT p.region_id, p.hour + o.offset_ms * interval '1 millisecond', p.up
     FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms) AS o (offset_ms)
     WHERE p.monitor_id = w.monitor_id AND p.hour >= date_trunc('hour', w.starts, 'UTC') AND p.hour < w.ends
       AND p.hour + o.offset_ms * interval '1 millisecond' >= w.starts
       AND p.hour + o.offset_ms * interval '1 millisecond' < w.ends) c WHERE c.checked_at > \$2),
 seen AS (
     SELECT up, 1 AS n FROM checks WHERE monitor_id = \$1 AND checked_at > \$2
     UNION ALL
     SELECT up, cardinality(offsets_ms) FROM packed_checks WHERE monitor_id = \$1 AND hour > date_trunc('hour', \$2, 'UTC')
     UNION ALL
     SELECT p.up, 1 FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms) AS o (offset_ms)
     WHERE p.monitor_id = \$1 AND p.hour = date_trunc('hour', \$2, 'UTC')
       AND p.hour + o.offset_ms * interval '1 millisecond' > \$2)
 SELECT (SELECT coalesce(sum(n) FILTER (WHERE up), 0) FROM seen) - (SELECT count(*) FILTER (WHERE up) FROM spared),
        (SELECT coalesce(sum(n), 0) FROM seen) - (SELECT count(*) FROM spared)"
recent_before="SELECT r.name, c.checked_at, c.duration_ms, c.up, c.status_code, c.failure, c.message
 FROM flat_checks c JOIN regions r ON r.id = c.region_id WHERE c.monitor_id = \$1 ORDER BY c.checked_at DESC LIMIT 50"
recent_after="SELECT r.name, c.checked_at, c.duration_ms, c.up, c.status_code, c.failure, c.message FROM (
  (SELECT region_id, checked_at, duration_ms, up, status_code, failure, message FROM checks
   WHERE monitor_id = \$1 ORDER BY checked_at DESC LIMIT 50)
  UNION ALL
  SELECT p.region_id, p.hour + o.offset_ms * interval '1 millisecond', o.duration_ms, p.up, p.status_code, p.failure, p.message
  FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms, p.durations_ms) AS o (offset_ms, duration_ms)
  WHERE p.monitor_id = \$1 AND p.hour >= coalesce(
    (SELECT hour FROM (SELECT hour, sum(cardinality(offsets_ms)) OVER (ORDER BY hour DESC) AS upto
                       FROM packed_checks WHERE monitor_id = \$1 ORDER BY hour DESC LIMIT 50) newest
     WHERE upto >= 50 ORDER BY hour DESC LIMIT 1), '-infinity')) c
 JOIN regions r ON r.id = c.region_id ORDER BY c.checked_at DESC LIMIT 50"
latency_before="SELECT checked_at, duration_ms, up FROM flat_checks WHERE monitor_id = \$1 AND checked_at > \$2
 ORDER BY checked_at DESC LIMIT 2000"
latency_after="SELECT checked_at, duration_ms, up FROM all_checks WHERE monitor_id = \$1
 AND hour >= date_trunc('hour', \$2, 'UTC') AND checked_at > \$2 ORDER BY checked_at DESC LIMIT 2000"

# Median execution time of a statement (parameters: monitor, since), 7 runs
# on each of monitors 3, 7, 11, 15, 19.
measure() {
  local sql=$1 since=$2
  {
    echo "PREPARE q(bigint, timestamptz) AS $sql;"
    for m in 3 7 11 15 19; do
      for _ in 1 2 3 4 5 6 7; do echo "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE q($m, now() - interval '$since');"; done
    done
  } | psql "$url" -qAt -v ON_ERROR_STOP=1 | python3 -c '
import json, sys, statistics
text = sys.stdin.read()
times, depth, start = [], 0, None
for i, ch in enumerate(text):
    if ch == "[":
        if depth == 0: start = i
        depth += 1
    elif ch == "]":
        depth -= 1
        if depth == 0: times.append(json.loads(text[start:i + 1])[0]["Execution Time"])
print(f"{statistics.median(times):.2f}")'
}

echo "a monitor page's reads, 30 days of checks at 30 s (86,400 a monitor), median ms of 35 runs:"
printf '  %-34s %9s %9s %7s\n' "" before after ratio
for row in "recent checks (50)|recent|1 hour" "latency, 24 hours (2,000)|latency|24 hours" \
           "uptime, 24 hours|uptime|24 hours" "uptime, 7 days|uptime|7 days" "uptime, 30 days|uptime|30 days"; do
  IFS='|' read -r label query since <<<"$row"
  before_sql="${query}_before"; after_sql="${query}_after"
  b=$(measure "${!before_sql}" "$since"); a=$(measure "${!after_sql}" "$since")
  printf '  %-34s %9s %9s %7s\n' "$label" "$b" "$a" "$(python3 -c "print(f'{$a / $b:.2f}')")"
done
psql "$url" -qAt -c "SELECT format('checks: %s before (%s), %s after packing (%s)',
  (SELECT count(*) FROM flat_checks), pg_size_pretty(pg_total_relation_size('flat_checks')),
  (SELECT count(*) FROM all_checks),
  pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'packed_checks'::regclass)))"
