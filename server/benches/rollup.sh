#!/usr/bin/env bash
# Measures the daily rollup with planned maintenance left out of the uptime:
# yesterday's checks at a 30-second interval for 1,000 monitors (2.88
# million checks) in hourly partitions of `checks` as the server writes
# them, 100 monitors with a two-hour maintenance window that day, in a
# scratch database migrated by `vigie migrate`. Times three runs each of:
# the rollup without the maintenance exclusion on the raw checks (the
# baseline), the rollup as `db::rollups::roll_up_day` runs it on the raw
# checks, then on the same checks once `vigie upkeep` packed them. Prints
# the medians and their ratios to the baseline.
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

source server/benches/scratch.sh

day=$(date -u -d yesterday +%F)
next=$(date -u +%F)
DATABASE_URL=$url "$bin" migrate >/dev/null
psql "$url" -qAt -v ON_ERROR_STOP=1 -v day="$day" <<'SQL'
-- The server's region, which vigie migrate makes already.
INSERT INTO regions (name) VALUES ('local') ON CONFLICT (name) DO NOTHING;
INSERT INTO monitors (name, kind, url, interval_seconds, timeout_seconds)
SELECT 'm' || g, 'http', 'https://example.com/health', 30, 10 FROM generate_series(1, 1000) g;
SELECT format('CREATE TABLE checks_%s PARTITION OF checks FOR VALUES FROM (%L) TO (%L)',
              to_char(h AT TIME ZONE 'UTC', 'YYYYMMDDHH24'), h, h + interval '1 hour')
FROM generate_series((:'day' || 'T00:00Z')::timestamptz, (:'day' || 'T23:00Z')::timestamptz, interval '1 hour') h \gexec
INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, status_code, message)
SELECT m.id, 1, (:'day' || 'T00:00Z')::timestamptz + s * interval '30 seconds', 40 + (random() * 200)::int,
       random() > 0.01, 200, ''
FROM monitors m, generate_series(0, 2879) s;
INSERT INTO incidents (kind, title, impact, state, started_at, resolved_at, scheduled_start, scheduled_end)
SELECT 'maintenance', 'Upgrade ' || g, 'maintenance', 'resolved', t, t + interval '2 hours', t, t + interval '2 hours'
FROM generate_series(1, 100) g, LATERAL (SELECT (:'day' || 'T10:00Z')::timestamptz AS t) x;
INSERT INTO incident_monitors (incident_id, monitor_id) SELECT id, id FROM incidents;
VACUUM ANALYZE;
SQL

lo="'${day}T00:00Z'::timestamptz"
hi="'${next}T00:00Z'::timestamptz"
# The rollup's first statement, without (baseline) and with the maintenance
# windows left out; both write the same rows.
baseline="INSERT INTO daily_rollups (monitor_id, day, checks, failures, p50_ms, p95_ms)
 SELECT monitor_id, '$day', count(*), count(*) FILTER (WHERE NOT up),
        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::int,
        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::int
 FROM checks WHERE checked_at >= $lo AND checked_at < $hi GROUP BY monitor_id
 ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, failures = excluded.failures,
     p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms"
with_maintenance="WITH bounds AS (SELECT $lo AS lo, $hi AS hi),
 windows AS MATERIALIZED (
     SELECT im.monitor_id, greatest(i.started_at, bounds.lo) AS starts,
            least(coalesce(i.resolved_at, 'infinity'), bounds.hi) AS ends
     FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id, bounds
     WHERE i.kind = 'maintenance' AND i.state IN ('ongoing', 'resolved')
       AND i.started_at < bounds.hi AND coalesce(i.resolved_at, 'infinity') > bounds.lo AND true),
 inside AS MATERIALIZED (
     SELECT DISTINCT c.monitor_id, c.checked_at FROM windows w JOIN all_checks c
       ON c.monitor_id = w.monitor_id AND c.hour >= date_trunc('hour', w.starts, 'UTC') AND c.hour < w.ends
          AND c.checked_at >= w.starts AND c.checked_at < w.ends),
 marked AS (
     SELECT c.monitor_id, c.up, c.duration_ms, inside.monitor_id IS NOT NULL AS maintenance
     FROM all_checks c LEFT JOIN inside ON inside.monitor_id = c.monitor_id AND inside.checked_at = c.checked_at
     WHERE c.hour >= $lo AND c.hour < $hi AND c.checked_at >= $lo AND c.checked_at < $hi)
 INSERT INTO daily_rollups (monitor_id, day, checks, failures, maintenance_checks, p50_ms, p95_ms)
 SELECT monitor_id, '$day', count(*) FILTER (WHERE NOT maintenance),
        count(*) FILTER (WHERE NOT up AND NOT maintenance), count(*) FILTER (WHERE maintenance),
        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int,
        round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int
 FROM marked GROUP BY monitor_id
 ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, failures = excluded.failures,
     maintenance_checks = excluded.maintenance_checks, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms"

run() {
  local start end
  start=$(date +%s%N)
  psql "$url" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
left_out() {
  psql "$url" -qAt -c "SELECT format('  left out as maintenance: %s checks on %s monitors (expected 24,000 on 100)', sum(maintenance_checks), count(*) FILTER (WHERE maintenance_checks > 0)) FROM daily_rollups"
}
a=(); b=(); c=()
for _ in 1 2 3; do
  a+=("$(run "$baseline")")
  b+=("$(run "$with_maintenance")")
done
raw_figures=$(left_out)
DATABASE_URL=$url "$bin" upkeep >/dev/null
psql "$url" -qAt -c "VACUUM ANALYZE"
packed=$(psql "$url" -qAt -c "SELECT count(*) FROM checks")
for _ in 1 2 3; do c+=("$(run "$with_maintenance")"); done
base=$(median "${a[@]}"); raw=$(median "${b[@]}"); new=$(median "${c[@]}")
echo "rollup of one day, 1,000 monitors, 2,880,000 checks (median of 3):"
echo "  raw, without maintenance windows (baseline): ${base} ms   runs: ${a[*]}"
echo "  raw, with 100 windows left out:              ${raw} ms   runs: ${b[*]}   ratio $(python3 -c "print(f'{$raw / $base:.2f}')")"
echo "$raw_figures"
echo "  packed (${packed} raw rows left), with 100 windows left out: ${new} ms   runs: ${c[*]}   ratio $(python3 -c "print(f'{$new / $base:.2f}')")"
left_out
