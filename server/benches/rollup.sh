#!/usr/bin/env bash
# Measures the daily rollup with planned maintenance left out of the uptime:
# one day of checks at a 30-second interval for 1,000 monitors (2.88 million
# rows), 100 of them with a two-hour maintenance window that day, in a
# scratch database made from the migrations. Times three runs each of the
# rollup without the maintenance exclusion (the baseline) and with it (as
# `db::rollups::roll_up_day` runs it) and prints the medians and their ratio.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

source server/benches/scratch.sh

for migration in migrations/*/up.sql; do psql "$url" -q -f "$migration" >/dev/null; done
psql "$url" -qAt <<'SQL'
INSERT INTO regions (name) VALUES ('local');
INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds)
SELECT 'm' || g, 'http', 'https://example.com/health', 30, 10 FROM generate_series(1, 1000) g;
INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, status_code, message)
SELECT m.id, 1, '2026-11-01'::timestamptz + s * interval '30 seconds', 40 + (random() * 200)::int,
       random() > 0.01, 200, ''
FROM monitors m, generate_series(0, 2879) s;
INSERT INTO incidents (kind, title, impact, state, started_at, resolved_at, scheduled_start, scheduled_end)
SELECT 'maintenance', 'Upgrade ' || g, 'maintenance', 'resolved', t, t + interval '2 hours', t, t + interval '2 hours'
FROM generate_series(1, 100) g, LATERAL (SELECT '2026-11-01 10:00'::timestamptz AS t) x;
INSERT INTO incident_monitors (incident_id, monitor_id) SELECT id, id FROM incidents;
VACUUM ANALYZE;
SQL

# The rollup's first statement, without (baseline) and with the maintenance
# windows left out; both write the same rows.
baseline="INSERT INTO daily_rollups (monitor_id, day, checks, failures, p50_ms, p95_ms)
 SELECT monitor_id, '2026-11-01', count(*), count(*) FILTER (WHERE NOT up),
        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::int,
        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::int
 FROM checks WHERE checked_at >= '2026-11-01' AND checked_at < '2026-11-02' GROUP BY monitor_id
 ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, failures = excluded.failures,
     p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms"
with_maintenance="WITH bounds AS (SELECT '2026-11-01'::timestamptz AS lo, '2026-11-02'::timestamptz AS hi),
 windows AS MATERIALIZED (
     SELECT im.monitor_id, greatest(i.started_at, bounds.lo) AS starts,
            least(coalesce(i.resolved_at, 'infinity'), bounds.hi) AS ends
     FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id, bounds
     WHERE i.kind = 'maintenance' AND i.state IN ('ongoing', 'resolved')
       AND i.started_at < bounds.hi AND coalesce(i.resolved_at, 'infinity') > bounds.lo AND true),
 inside AS MATERIALIZED (
     SELECT DISTINCT c.id FROM windows w JOIN checks c
       ON c.monitor_id = w.monitor_id AND c.checked_at >= w.starts AND c.checked_at < w.ends),
 marked AS (
     SELECT c.monitor_id, c.up, c.duration_ms, inside.id IS NOT NULL AS maintenance
     FROM checks c LEFT JOIN inside ON inside.id = c.id, bounds
     WHERE c.checked_at >= bounds.lo AND c.checked_at < bounds.hi)
 INSERT INTO daily_rollups (monitor_id, day, checks, failures, maintenance_checks, p50_ms, p95_ms)
 SELECT monitor_id, '2026-11-01', count(*) FILTER (WHERE NOT maintenance),
        count(*) FILTER (WHERE NOT up AND NOT maintenance), count(*) FILTER (WHERE maintenance),
        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int,
        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int
 FROM marked GROUP BY monitor_id
 ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, failures = excluded.failures,
     maintenance_checks = excluded.maintenance_checks, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms"

run() {
  local start end
  start=$(date +%s%N)
  psql "$url" -qAt -c "$1" >/dev/null
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
a=(); b=()
for _ in 1 2 3; do
  a+=("$(run "$baseline")")
  b+=("$(run "$with_maintenance")")
done
base=$(median "${a[@]}"); new=$(median "${b[@]}")
echo "rollup of one day, 1,000 monitors, 2,880,000 checks (median of 3):"
echo "  without maintenance windows (baseline): ${base} ms   runs: ${a[*]}"
echo "  with 100 windows left out:              ${new} ms   runs: ${b[*]}"
echo "  ratio: $(python3 -c "print(f'{$new / $base:.2f}')")"
psql "$url" -qAt -c "SELECT format('left out as maintenance: %s checks on %s monitors (expected 24,000 on 100)', sum(maintenance_checks), count(*) FILTER (WHERE maintenance_checks > 0)) FROM daily_rollups"
