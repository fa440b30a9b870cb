//! Queries on `daily_rollups`, and the retention of raw checks.

use super::schema::daily_rollups;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Timestamptz};

/// Recomputes one UTC day's figures for every monitor with checks that day:
/// checks, failures, p50/p95 latency, and the seconds spent `down` (from the
/// status changes, up to `now` for the current day).
pub fn roll_up_day(conn: &mut PgConnection, day: NaiveDate, now: DateTime<Utc>) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let rows = diesel::sql_query(
            "INSERT INTO daily_rollups (monitor_id, day, checks, failures, p50_ms, p95_ms) \
             SELECT monitor_id, $1, count(*), count(*) FILTER (WHERE NOT up), \
                    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::int, \
                    round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::int \
             FROM checks \
             WHERE checked_at >= $1::timestamp AT TIME ZONE 'UTC' \
               AND checked_at < ($1 + 1)::timestamp AT TIME ZONE 'UTC' \
             GROUP BY monitor_id \
             ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, \
                 failures = excluded.failures, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms",
        )
        .bind::<Date, _>(day)
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

/// The oldest day with checks, if any.
pub fn first_check_day(conn: &mut PgConnection) -> QueryResult<Option<NaiveDate>> {
    use super::schema::checks;
    let first: Option<DateTime<Utc>> = checks::table.select(diesel::dsl::min(checks::checked_at)).first(conn)?;
    Ok(first.map(|at| at.date_naive()))
}

/// Deletes raw checks older than `before`, at most `batch` at a time (so a
/// large backlog never holds long locks); returns how many went.
pub fn delete_checks_before(conn: &mut PgConnection, before: DateTime<Utc>, batch: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM checks WHERE id IN (SELECT id FROM checks WHERE checked_at < $1 ORDER BY checked_at LIMIT $2)",
    )
    .bind::<Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
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
