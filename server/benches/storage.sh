#!/usr/bin/env bash
# Measures the database growth per monitor per day: one day of checks at a
# 30-second interval from one region, for 100 monitors, in a scratch
# database made from the migrations. Prints bytes per monitor per day for
# the raw checks (table and indexes) and for the daily rollups.
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
SELECT 'm' || g, 'http', 'https://example.com/health', 30, 10 FROM generate_series(1, 100) g;
INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, status_code, message)
SELECT m.id, 1, '2026-11-01'::timestamptz + s * interval '30 seconds', 40 + (random() * 200)::int,
       true, 200, 'status 200, keyword check passed'
FROM monitors m, generate_series(0, 2879) s;
INSERT INTO daily_rollups (monitor_id, day, checks, failures, p50_ms, p95_ms)
SELECT monitor_id, '2026-11-01', count(*), 0, 100, 200 FROM checks GROUP BY monitor_id;
VACUUM ANALYZE;
SELECT format('checks per monitor per day:         %s rows', count(*) / 100) FROM checks;
SELECT format('raw checks, per monitor per day:    %s bytes (table and indexes)',
              pg_total_relation_size('checks') / 100);
SELECT format('daily rollups, per monitor per day: %s bytes (table and index, 1 row)',
              pg_total_relation_size('daily_rollups') / 100);
SQL
