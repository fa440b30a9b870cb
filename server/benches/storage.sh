#!/usr/bin/env bash
# Measures the database growth per monitor per day: yesterday's checks at a
# 30-second interval from one region, for 100 monitors (0.1 % of them
# timeouts), written into hourly partitions of `checks` as the server
# writes them, in a scratch database migrated by `vigie migrate`. Prints the
# bytes per check and per monitor-day as the checks land (raw), then after
# `vigie upkeep` packed them (what is kept for the retention), with the
# 30-day projection for 10,000 monitors.
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
SELECT 'm' || g, 'http', 'https://example.com/health', 30, 10 FROM generate_series(1, 100) g;
-- Yesterday's hours as partitions, as the server makes them ahead.
SELECT format('CREATE TABLE checks_%s PARTITION OF checks FOR VALUES FROM (%L) TO (%L)',
              to_char(h AT TIME ZONE 'UTC', 'YYYYMMDDHH24'), h, h + interval '1 hour')
FROM generate_series(date_trunc('day', now(), 'UTC') - interval '1 day',
                     date_trunc('day', now(), 'UTC') - interval '1 hour', interval '1 hour') h \gexec
INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, status_code, failure, message,
                    cert_expires_at)
SELECT m.id, 1, date_trunc('day', now(), 'UTC') - interval '1 day' + s * interval '30 seconds'
                + (random() * 1000)::int * interval '1 millisecond',
       CASE WHEN fail THEN 10000 ELSE 40 + (random() * 200)::int END, NOT fail,
       CASE WHEN fail THEN NULL ELSE 200 END, CASE WHEN fail THEN 'timeout' END,
       CASE WHEN fail THEN 'no answer within 10 s' ELSE 'status 200, keyword check passed' END,
       CASE WHEN fail THEN NULL ELSE date_trunc('day', now(), 'UTC') + interval '60 days' END
FROM monitors m, generate_series(0, 2879) s, LATERAL (SELECT random() < 0.001 AS fail) f;
VACUUM ANALYZE;
SQL
# The size as the checks land, kept in the database across the upkeep.
psql "$url" -qAt -c "CREATE TABLE bench_sizes AS
  SELECT 'raw' AS stage, (SELECT count(*) FROM checks) AS checks,
         (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'checks'::regclass) AS bytes"
DATABASE_URL=$url "$bin" upkeep
psql "$url" -qAt -v ON_ERROR_STOP=1 <<'SQL'
VACUUM ANALYZE;
INSERT INTO bench_sizes
SELECT 'packed', (SELECT count(*) FROM all_checks),
       (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'packed_checks'::regclass)
     + (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'checks'::regclass);
SELECT format('checks per monitor per day:       %s', checks / 100) FROM bench_sizes WHERE stage = 'raw';
SELECT format('%-6s bytes per check:           %s', stage, round(bytes::numeric / checks, 1)) FROM bench_sizes;
SELECT format('%-6s bytes per monitor per day: %s', stage, round(bytes / 100)) FROM bench_sizes;
SELECT format('%-6s 10,000 monitors, 30 days:  %s MB', stage, round(bytes::numeric / 100 * 10000 * 30 / 1e6))
FROM bench_sizes;
SELECT format('packed rows: %s (%s checks each on average)', count(*), round(avg(cardinality(offsets_ms)), 1))
FROM packed_checks;
SELECT format('daily rollups, per monitor per day: %s bytes (table and index, 1 row)',
              pg_total_relation_size('daily_rollups') / 100);
SQL
