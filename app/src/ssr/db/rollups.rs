//! Queries on `daily_rollups`, made from the checks (`all_checks`).

use super::schema::daily_rollups;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Timestamptz};

/// Common table expressions, given a `bounds (lo, hi)` one before them:
/// `windows`, the planned maintenance windows within the bounds of the
/// monitors `monitor_filter` keeps (`true`, or e.g. `im.monitor_id = $1`),
/// and `inside`, the monitor and time of the checks inside a window of
/// their monitor, found through the (monitor, time) indexes of raw and
/// packed checks. Checks of `all_checks` are then matched
/// with [`JOIN_INSIDE`] (a hash join), never compared with each window:
/// measured with `make bench-rollup` (a day of 2.88 million checks, 100
/// windows), comparing each check with the windows made the rollup 18.7
/// times slower than one without windows; this way it takes 1.4 times as long.
pub fn maintenance_ctes(monitor_filter: &str) -> String {
    format!(
        "{}, \
         inside AS MATERIALIZED ( \
             SELECT DISTINCT w.monitor_id, c.checked_at FROM windows w CROSS JOIN {CHECKS_IN_WINDOW})",
        maintenance_windows(monitor_filter)
    )
}

/// The checks (`region_id, checked_at, up`) of the monitor of a window `w`
/// within it, raw and packed, as `c`: a `LATERAL` subquery reaching them
/// through their (monitor, time) indexes, once per window. (Joined to the
/// `all_checks` view instead, the planner would unpack every check.)
pub const CHECKS_IN_WINDOW: &str = "LATERAL ( \
     SELECT r.region_id, r.checked_at, r.up FROM checks r \
     WHERE r.monitor_id = w.monitor_id AND r.checked_at >= w.starts AND r.checked_at < w.ends \
     UNION ALL \
     SELECT p.region_id, p.hour + o.offset_ms * interval '1 millisecond', p.up \
     FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms) AS o (offset_ms) \
     WHERE p.monitor_id = w.monitor_id AND p.hour >= date_trunc('hour', w.starts, 'UTC') AND p.hour < w.ends \
       AND p.hour + o.offset_ms * interval '1 millisecond' >= w.starts \
       AND p.hour + o.offset_ms * interval '1 millisecond' < w.ends) c";

/// The `windows` common table expression of [`maintenance_ctes`] alone.
pub fn maintenance_windows(monitor_filter: &str) -> String {
    format!(
        "windows AS MATERIALIZED ( \
             SELECT im.monitor_id, greatest(i.started_at, bounds.lo) AS starts, \
                    least(coalesce(i.resolved_at, 'infinity'), bounds.hi) AS ends \
             FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id, bounds \
             WHERE i.kind = 'maintenance' AND i.state IN ('ongoing', 'resolved') \
               AND i.started_at < bounds.hi AND coalesce(i.resolved_at, 'infinity') > bounds.lo \
               AND {monitor_filter})"
    )
}

/// Joins checks `c` (of `all_checks`) to [`maintenance_ctes`]' `inside`:
/// `inside.monitor_id` is set for a check inside a maintenance window.
pub const JOIN_INSIDE: &str =
    "LEFT JOIN inside ON inside.monitor_id = c.monitor_id AND inside.checked_at = c.checked_at";

/// Recomputes one UTC day's figures for every monitor with checks that day:
/// checks and failures outside planned maintenance, checks inside it,
/// p50/p95 latency, and the seconds spent `down` (from the status changes,
/// up to `now` for the current day).
pub fn roll_up_day(conn: &mut PgConnection, day: NaiveDate, now: DateTime<Utc>) -> QueryResult<usize> {
    // The day's bounds as parameters, not computed in the query: the
    // planner then reads only that day's partition of packed checks.
    let lo = day.and_time(chrono::NaiveTime::MIN).and_utc();
    conn.transaction(|conn| {
        // Checks inside a maintenance window of their monitor are counted
        // apart: maintenance is not downtime.
        let rows = diesel::sql_query(format!(
            "WITH bounds AS (SELECT $2::timestamptz AS lo, $3::timestamptz AS hi), \
             {}, \
             marked AS ( \
                 SELECT c.monitor_id, c.up, c.duration_ms, inside.monitor_id IS NOT NULL AS maintenance \
                 FROM all_checks c {JOIN_INSIDE} \
                 WHERE c.hour >= $2 AND c.hour < $3 AND c.checked_at >= $2 AND c.checked_at < $3) \
             INSERT INTO daily_rollups (monitor_id, day, checks, failures, maintenance_checks, p50_ms, p95_ms) \
             SELECT monitor_id, $1, count(*) FILTER (WHERE NOT maintenance), \
                    count(*) FILTER (WHERE NOT up AND NOT maintenance), count(*) FILTER (WHERE maintenance), \
                    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int, \
                    round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE NOT maintenance))::int \
             FROM marked \
             GROUP BY monitor_id \
             ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, \
                 failures = excluded.failures, maintenance_checks = excluded.maintenance_checks, \
                 p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms",
            maintenance_ctes("true")
        ))
        .bind::<Date, _>(day)
        .bind::<Timestamptz, _>(lo)
        .bind::<Timestamptz, _>(lo + chrono::TimeDelta::days(1))
        .execute(conn)?;
        diesel::sql_query(
            "WITH spans AS ( \
                 SELECT monitor_id, status, changed_at AS starts, \
                        coalesce(lead(changed_at) OVER (PARTITION BY monitor_id ORDER BY changed_at, id), $2) AS ends \
                 FROM monitor_status_changes), \
             bounds AS (SELECT $1::timestamp AT TIME ZONE 'UTC' AS lo, ($1 + 1)::timestamp AT TIME ZONE 'UTC' AS hi), \
             down AS ( \
                 SELECT monitor_id, \
                        sum(extract(epoch FROM least(ends, hi, $2) - greatest(starts, lo)))::int AS seconds \
                 FROM spans, bounds \
                 WHERE status = 'down' AND starts < least(hi, $2) AND ends > lo \
                 GROUP BY monitor_id) \
             INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds) \
             SELECT monitor_id, $1, 0, 0, greatest(seconds, 0) FROM down \
             ON CONFLICT (monitor_id, day) DO UPDATE SET downtime_seconds = excluded.downtime_seconds",
        )
        .bind::<Date, _>(day)
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        Ok(rows)
    })
}

/// The newest day rolled up, if any.
pub fn last_day(conn: &mut PgConnection) -> QueryResult<Option<NaiveDate>> {
    daily_rollups::table.select(diesel::dsl::max(daily_rollups::day)).first(conn)
}

#[derive(QueryableByName)]
struct Earliest {
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// The oldest day with checks, raw or packed, if any.
pub fn first_check_day(conn: &mut PgConnection) -> QueryResult<Option<NaiveDate>> {
    let first: Earliest = diesel::sql_query(
        "SELECT least((SELECT min(checked_at) FROM checks), (SELECT min(hour) FROM packed_checks)) AS at",
    )
    .get_result(conn)?;
    Ok(first.at.map(|at| at.date_naive()))
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Rollup {
    pub monitor_id: i64,
    pub day: NaiveDate,
    pub checks: i32,
    pub failures: i32,
    pub downtime_seconds: i32,
    pub p50_ms: Option<i32>,
    pub p95_ms: Option<i32>,
}

pub fn for_monitor(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Vec<Rollup>> {
    daily_rollups::table
        .filter(daily_rollups::monitor_id.eq(monitor_id))
        .order(daily_rollups::day.asc())
        .select((
            daily_rollups::monitor_id,
            daily_rollups::day,
            daily_rollups::checks,
            daily_rollups::failures,
            daily_rollups::downtime_seconds,
            daily_rollups::p50_ms,
            daily_rollups::p95_ms,
        ))
        .load(conn)
}
