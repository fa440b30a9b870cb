//! Queries of the scheduler: claiming due checks, and recording results with
//! the confirmation state (`monitor_region_state`, `checks`,
//! `monitor_status_changes`).

use super::packing::hour_of;
use super::schema::{all_checks, checks, monitor_region_state as state, monitor_status_changes, monitors};
use crate::model::{FailureKind, MonitorStatus};
use crate::ssr::monitoring::confirmation::{RegionState, RegionVerdict};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Int4, Nullable, Text, Timestamptz};
use std::collections::HashMap;

/// A region's verdict on a monitor, and when the region last reported.
pub type Verdict = (RegionVerdict, Option<DateTime<Utc>>);

/// A check claimed for probing, and when it was due.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub monitor_id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
}

/// Claims up to `limit` checks due in a region and moves their due time one
/// interval on, so no other process takes them. Rows another process holds
/// are skipped, never waited for. A first check, or one that fell behind
/// (after a restart), is followed by one due at a random point in the second
/// half of the interval: monitors created or resumed together spread out
/// instead of being probed in bursts, and keep that phase afterwards.
pub fn claim_due(conn: &mut PgConnection, region_id: i64, now: DateTime<Utc>, limit: i64) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "WITH due AS ( \
             SELECT d.monitor_id, d.region_id, d.next_due_at FROM monitor_region_state d \
             JOIN monitors dm ON dm.id = d.monitor_id \
             WHERE d.region_id = $1 AND d.next_due_at <= $2 AND NOT dm.paused AND dm.kind <> 'heartbeat' \
             ORDER BY d.next_due_at LIMIT $3 \
             FOR UPDATE OF d SKIP LOCKED) \
         UPDATE monitor_region_state s \
         SET next_due_at = CASE \
             WHEN s.last_result_at IS NOT NULL \
                  AND s.next_due_at + make_interval(secs => m.interval_seconds) > $2 \
             THEN s.next_due_at + make_interval(secs => m.interval_seconds) \
             ELSE $2 + make_interval(secs => m.interval_seconds * (0.5 + random() / 2)) END \
         FROM due, monitors m \
         WHERE s.monitor_id = due.monitor_id AND s.region_id = due.region_id AND m.id = s.monitor_id \
         RETURNING s.monitor_id, due.next_due_at AS due_at",
    )
    .bind::<BigInt, _>(region_id)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

// ---- heartbeats: the deadline is `next_due_at` ------------------------------

/// Heartbeats of a region past their deadline, locked (rows another process
/// holds are skipped) until the caller's transaction ends: exactly one
/// server declares each one late.
pub fn lock_late_heartbeats(
    conn: &mut PgConnection,
    region_id: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "SELECT s.monitor_id, s.next_due_at AS due_at FROM monitor_region_state s \
         JOIN monitors m ON m.id = s.monitor_id \
         WHERE s.region_id = $1 AND s.next_due_at <= $2 AND m.kind = 'heartbeat' AND NOT m.paused \
         ORDER BY s.next_due_at LIMIT $3 \
         FOR UPDATE OF s SKIP LOCKED",
    )
    .bind::<BigInt, _>(region_id)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// How many checks a monitor has had since a time.
pub fn checks_since(conn: &mut PgConnection, monitor_id: i64, since: DateTime<Utc>) -> QueryResult<i64> {
    all_checks::table
        .filter(all_checks::monitor_id.eq(monitor_id))
        .filter(all_checks::hour.ge(hour_of(since)))
        .filter(all_checks::checked_at.gt(since))
        .count()
        .get_result(conn)
}

/// Sets when a monitor is next due (a heartbeat: its deadline) in every region.
pub fn set_next_due(conn: &mut PgConnection, monitor_id: i64, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(state::table.filter(state::monitor_id.eq(monitor_id))).set(state::next_due_at.eq(at)).execute(conn)
}

/// A heartbeat's deadline, and its region.
pub fn heartbeat_deadline(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Option<(i64, DateTime<Utc>)>> {
    state::table
        .filter(state::monitor_id.eq(monitor_id))
        .select((state::region_id, state::next_due_at))
        .first(conn)
        .optional()
}

/// After a restart, no heartbeat of the region is due before `now` plus its
/// grace time: pings sent while no server ran were lost, not missed.
pub fn postpone_heartbeats(conn: &mut PgConnection, region_id: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE monitor_region_state s SET next_due_at = $2 + make_interval(secs => m.grace_seconds) \
         FROM monitors m \
         WHERE m.id = s.monitor_id AND m.kind = 'heartbeat' AND s.region_id = $1 \
           AND s.next_due_at < $2 + make_interval(secs => m.grace_seconds)",
    )
    .bind::<BigInt, _>(region_id)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = checks)]
pub struct NewCheck<'a> {
    pub monitor_id: i64,
    pub region_id: i64,
    pub checked_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub up: bool,
    pub status_code: Option<i32>,
    pub failure: Option<FailureKind>,
    pub message: &'a str,
    pub cert_expires_at: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub source: Option<&'a str>,
}

pub fn insert_checks(conn: &mut PgConnection, rows: &[NewCheck<'_>]) -> QueryResult<usize> {
    diesel::insert_into(checks::table).values(rows).execute(conn)
}

fn verdict_text(verdict: RegionVerdict) -> &'static str {
    match verdict {
        RegionVerdict::Unknown => "unknown",
        RegionVerdict::Up => "up",
        RegionVerdict::Degraded => "degraded",
        RegionVerdict::Down => "down",
    }
}

pub fn parse_verdict(text: &str) -> RegionVerdict {
    match text {
        "up" => RegionVerdict::Up,
        "degraded" => RegionVerdict::Degraded,
        "down" => RegionVerdict::Down,
        _ => RegionVerdict::Unknown,
    }
}

/// A region's confirmation state, locked until the transaction ends.
pub fn lock_state(conn: &mut PgConnection, monitor_id: i64, region_id: i64) -> QueryResult<Option<RegionState>> {
    Ok(lock_states(conn, region_id, &[monitor_id])?.remove(&monitor_id))
}

fn region_state(verdict: &str, failures: i32, successes: i32, slow: i32, fast: i32) -> RegionState {
    RegionState {
        verdict: parse_verdict(verdict),
        consecutive_failures: failures.unsigned_abs(),
        consecutive_successes: successes.unsigned_abs(),
        consecutive_slow: slow.unsigned_abs(),
        consecutive_fast: fast.unsigned_abs(),
    }
}

pub fn save_state(
    conn: &mut PgConnection,
    monitor_id: i64,
    region_id: i64,
    region_state: RegionState,
    result_at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(state::table.find((monitor_id, region_id)))
        .set((
            state::verdict.eq(verdict_text(region_state.verdict)),
            state::consecutive_failures.eq(region_state.consecutive_failures as i32),
            state::consecutive_successes.eq(region_state.consecutive_successes as i32),
            state::consecutive_slow.eq(region_state.consecutive_slow as i32),
            state::consecutive_fast.eq(region_state.consecutive_fast as i32),
            state::last_result_at.eq(result_at),
        ))
        .execute(conn)
}

/// The confirmation state of each of some monitors in a region, locked
/// until the transaction ends (in monitor order, so that batches locking
/// many never wait on each other in a circle). Monitors no longer probed
/// from the region are left out.
pub fn lock_states(
    conn: &mut PgConnection,
    region_id: i64,
    monitor_ids: &[i64],
) -> QueryResult<HashMap<i64, RegionState>> {
    let rows: Vec<(i64, String, i32, i32, i32, i32)> = state::table
        .filter(state::region_id.eq(region_id))
        .filter(state::monitor_id.eq_any(monitor_ids))
        .order(state::monitor_id)
        .select((
            state::monitor_id,
            state::verdict,
            state::consecutive_failures,
            state::consecutive_successes,
            state::consecutive_slow,
            state::consecutive_fast,
        ))
        .for_update()
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, verdict, failures, successes, slow, fast)| {
            (id, region_state(&verdict, failures, successes, slow, fast))
        })
        .collect())
}

/// Saves the confirmation state and last result time of many monitors in
/// a region: one statement.
pub fn save_states(
    conn: &mut PgConnection,
    region_id: i64,
    rows: &[(i64, RegionState, DateTime<Utc>)],
) -> QueryResult<usize> {
    let count = |f: fn(&RegionState) -> u32| -> Vec<i32> {
        rows.iter().map(|(_, s, _)| i32::try_from(f(s)).unwrap_or(i32::MAX)).collect()
    };
    diesel::sql_query(
        "UPDATE monitor_region_state s SET verdict = u.verdict, consecutive_failures = u.failures, \
             consecutive_successes = u.successes, consecutive_slow = u.slow, consecutive_fast = u.fast, \
             last_result_at = u.at \
         FROM unnest($2, $3, $4, $5, $6, $7, $8) AS u (monitor_id, verdict, failures, successes, slow, fast, at) \
         WHERE s.region_id = $1 AND s.monitor_id = u.monitor_id",
    )
    .bind::<BigInt, _>(region_id)
    .bind::<Array<BigInt>, _>(rows.iter().map(|(id, _, _)| *id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|(_, s, _)| verdict_text(s.verdict)).collect::<Vec<_>>())
    .bind::<Array<Int4>, _>(count(|s| s.consecutive_failures))
    .bind::<Array<Int4>, _>(count(|s| s.consecutive_successes))
    .bind::<Array<Int4>, _>(count(|s| s.consecutive_slow))
    .bind::<Array<Int4>, _>(count(|s| s.consecutive_fast))
    .bind::<Array<Timestamptz>, _>(rows.iter().map(|(_, _, at)| *at).collect::<Vec<_>>())
    .execute(conn)
}

/// Every region's verdict and last result, for each of some monitors.
pub fn verdicts_of(conn: &mut PgConnection, monitor_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<Verdict>>> {
    let rows: Vec<(i64, String, Option<DateTime<Utc>>)> = state::table
        .filter(state::monitor_id.eq_any(monitor_ids))
        .select((state::monitor_id, state::verdict, state::last_result_at))
        .load(conn)?;
    let mut verdicts: HashMap<i64, Vec<Verdict>> = HashMap::new();
    for (id, verdict, at) in rows {
        verdicts.entry(id).or_default().push((parse_verdict(&verdict), at));
    }
    Ok(verdicts)
}

/// The stored status of each of some monitors.
pub fn statuses(conn: &mut PgConnection, monitor_ids: &[i64]) -> QueryResult<HashMap<i64, MonitorStatus>> {
    let rows: Vec<(i64, MonitorStatus)> =
        monitors::table.filter(monitors::id.eq_any(monitor_ids)).select((monitors::id, monitors::status)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Every region's verdict for a monitor, with when it last reported.
pub fn verdicts(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Vec<Verdict>> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = state::table
        .filter(state::monitor_id.eq(monitor_id))
        .select((state::verdict, state::last_result_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(v, at)| (parse_verdict(&v), at)).collect())
}

/// Each region's run of failures and when it last reported, for a monitor.
pub fn region_progress(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Vec<(u32, Option<DateTime<Utc>>)>> {
    let rows: Vec<(i32, Option<DateTime<Utc>>)> = state::table
        .filter(state::monitor_id.eq(monitor_id))
        .select((state::consecutive_failures, state::last_result_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(failures, at)| (failures.unsigned_abs(), at)).collect())
}

/// When a monitor's status last changed.
pub fn last_change_at(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Option<DateTime<Utc>>> {
    monitor_status_changes::table
        .filter(monitor_status_changes::monitor_id.eq(monitor_id))
        .order(monitor_status_changes::changed_at.desc())
        .select(monitor_status_changes::changed_at)
        .first(conn)
        .optional()
}

/// A status change as listed: `(monitor id, name, status, when)`.
pub type ChangeRow = (i64, String, MonitorStatus, DateTime<Utc>);

/// The latest status changes of any monitor, newest first.
pub fn recent_changes(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<ChangeRow>> {
    monitor_status_changes::table
        .inner_join(monitors::table)
        .order((monitor_status_changes::changed_at.desc(), monitor_status_changes::id.desc()))
        .limit(limit)
        .select((monitors::id, monitors::name, monitor_status_changes::status, monitor_status_changes::changed_at))
        .load(conn)
}

/// The expiry of the certificate each of these monitors' latest check saw
/// (monitors whose checks saw none are left out).
pub fn latest_certificates(conn: &mut PgConnection, monitor_ids: &[i64]) -> QueryResult<Vec<(i64, DateTime<Utc>)>> {
    // Packed rows keep one certificate for their run: its last check is the
    // run's newest.
    let rows: Vec<Certificate> = diesel::sql_query(
        "SELECT DISTINCT ON (monitor_id) monitor_id, expires_at FROM ( \
             SELECT monitor_id, checked_at AS at, cert_expires_at AS expires_at FROM checks \
             WHERE monitor_id = ANY($1) AND cert_expires_at IS NOT NULL \
             UNION ALL \
             SELECT monitor_id, hour + offsets_ms[cardinality(offsets_ms)] * interval '1 millisecond', cert_expires_at \
             FROM packed_checks WHERE monitor_id = ANY($1) AND cert_expires_at IS NOT NULL) seen \
         ORDER BY monitor_id, at DESC",
    )
    .bind::<Array<BigInt>, _>(monitor_ids)
    .load(conn)?;
    Ok(rows.into_iter().map(|row| (row.monitor_id, row.expires_at)).collect())
}

#[derive(QueryableByName)]
struct Certificate {
    #[diesel(sql_type = BigInt)]
    monitor_id: i64,
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
}

/// Stores a new status and records the change.
pub fn change_status(conn: &mut PgConnection, monitor_id: i64, status: &str, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(monitors::table.find(monitor_id)).set(monitors::status.eq(status)).execute(conn)?;
    diesel::insert_into(monitor_status_changes::table)
        .values((
            monitor_status_changes::monitor_id.eq(monitor_id),
            monitor_status_changes::status.eq(status),
            monitor_status_changes::changed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CheckRow {
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Timestamptz)]
    pub checked_at: DateTime<Utc>,
    #[diesel(sql_type = Int4)]
    pub duration_ms: i32,
    #[diesel(sql_type = Bool)]
    pub up: bool,
    #[diesel(sql_type = Nullable<Int4>)]
    pub status_code: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub failure: Option<FailureKind>,
    #[diesel(sql_type = Text)]
    pub message: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub cert_expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub exit_code: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub source: Option<String>,
}

/// The newest checks of a monitor, newest first: the newest raw ones, and
/// those of the newest packed rows, from the newest hour back to the first
/// one where they hold `limit` checks in all (each row holds one at least,
/// so it is among the `limit` newest rows).
pub fn recent_checks(conn: &mut PgConnection, monitor_id: i64, limit: i64) -> QueryResult<Vec<CheckRow>> {
    diesel::sql_query(
        "SELECT r.name AS region, c.checked_at, c.duration_ms, c.up, c.status_code, c.failure, c.message, \
                c.cert_expires_at, c.exit_code, c.source \
         FROM ( \
             (SELECT region_id, checked_at, duration_ms, up, status_code, failure, message, cert_expires_at, \
                     exit_code, source \
              FROM checks WHERE monitor_id = $1 ORDER BY checked_at DESC LIMIT $2) \
             UNION ALL \
             SELECT p.region_id, p.hour + o.offset_ms * interval '1 millisecond', o.duration_ms, p.up, \
                    p.status_code, p.failure, p.message, p.cert_expires_at, p.exit_code, p.source \
             FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms, p.durations_ms) AS o (offset_ms, duration_ms) \
             WHERE p.monitor_id = $1 AND p.hour >= coalesce( \
                 (SELECT hour FROM ( \
                      SELECT hour, sum(cardinality(offsets_ms)) OVER (ORDER BY hour DESC) AS upto \
                      FROM packed_checks WHERE monitor_id = $1 ORDER BY hour DESC LIMIT $2) newest \
                  WHERE upto >= $2 ORDER BY hour DESC LIMIT 1), \
                 '-infinity')) c \
         JOIN regions r ON r.id = c.region_id \
         ORDER BY c.checked_at DESC LIMIT $2",
    )
    .bind::<BigInt, _>(monitor_id)
    .bind::<BigInt, _>(limit.max(1))
    .load(conn)
}

/// `(checked_at, duration_ms, up)` since a time, oldest first, at most `limit`.
pub fn latency_since(
    conn: &mut PgConnection,
    monitor_id: i64,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(DateTime<Utc>, i32, bool)>> {
    let mut rows: Vec<(DateTime<Utc>, i32, bool)> = all_checks::table
        .filter(all_checks::monitor_id.eq(monitor_id))
        .filter(all_checks::hour.ge(hour_of(since)))
        .filter(all_checks::checked_at.gt(since))
        .order(all_checks::checked_at.desc())
        .limit(limit)
        .select((all_checks::checked_at, all_checks::duration_ms, all_checks::up))
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

#[derive(QueryableByName)]
struct Uptime {
    #[diesel(sql_type = BigInt)]
    good: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// `(good, all)` checks since a time, leaving out those inside the monitor's
/// planned maintenance (maintenance is not downtime). Packed runs of whole
/// hours count by their length, unpacked; only the first hour's and those
/// inside a window are unpacked.
pub fn uptime_since(conn: &mut PgConnection, monitor_id: i64, since: DateTime<Utc>) -> QueryResult<(i64, i64)> {
    use super::rollups::{CHECKS_IN_WINDOW, maintenance_windows};
    let row: Uptime = diesel::sql_query(format!(
        "WITH bounds AS (SELECT $2::timestamptz AS lo, 'infinity'::timestamptz AS hi), {}, \
         spared AS ( \
             SELECT DISTINCT c.region_id, c.checked_at, c.up FROM windows w CROSS JOIN {CHECKS_IN_WINDOW} \
             WHERE c.checked_at > $2), \
         seen AS ( \
             SELECT up, 1 AS n FROM checks WHERE monitor_id = $1 AND checked_at > $2 \
             UNION ALL \
             SELECT up, cardinality(offsets_ms) FROM packed_checks WHERE monitor_id = $1 AND hour > $3 \
             UNION ALL \
             SELECT p.up, 1 FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms) AS o (offset_ms) \
             WHERE p.monitor_id = $1 AND p.hour = $3 AND p.hour + o.offset_ms * interval '1 millisecond' > $2) \
         SELECT (SELECT coalesce(sum(n) FILTER (WHERE up), 0) FROM seen) \
                    - (SELECT count(*) FILTER (WHERE up) FROM spared) AS good, \
                (SELECT coalesce(sum(n), 0) FROM seen) - (SELECT count(*) FROM spared) AS total",
        maintenance_windows("im.monitor_id = $1")
    ))
    .bind::<BigInt, _>(monitor_id)
    .bind::<Timestamptz, _>(since)
    .bind::<Timestamptz, _>(hour_of(since))
    .get_result(conn)?;
    Ok((row.good, row.total))
}

/// A region's verdict on a monitor and when it last reported.
pub type RegionRow = (String, RegionVerdict, Option<DateTime<Utc>>);

/// Each region of a monitor: name, verdict, last result.
pub fn region_reports(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Vec<RegionRow>> {
    use super::schema::regions;
    let rows: Vec<(String, String, Option<DateTime<Utc>>)> = state::table
        .inner_join(regions::table)
        .filter(state::monitor_id.eq(monitor_id))
        .order(regions::name.asc())
        .select((regions::name, state::verdict, state::last_result_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(name, verdict, at)| (name, parse_verdict(&verdict), at)).collect())
}

#[derive(QueryableByName)]
struct SilentRow {
    #[diesel(sql_type = BigInt)]
    monitor_id: i64,
}

/// Monitors not paused, with a verdict stored, where some region has sent
/// nothing for three intervals: their status may have to change.
pub fn monitors_with_silent_regions(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<i64>> {
    let rows: Vec<SilentRow> = diesel::sql_query(
        "SELECT DISTINCT m.id AS monitor_id FROM monitors m \
         JOIN monitor_region_state s ON s.monitor_id = m.id \
         WHERE NOT m.paused AND m.status <> 'pending' AND m.kind <> 'heartbeat' \
           AND (s.last_result_at IS NULL \
                OR s.last_result_at < $1 - make_interval(secs => m.interval_seconds * 3))",
    )
    .bind::<Timestamptz, _>(now)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.monitor_id).collect())
}

/// A monitor's stored status, whether a person closed its current outage,
/// and whether being slow is an outage for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStatus {
    pub status: MonitorStatus,
    pub outage_closed: bool,
    pub degraded_incident: bool,
}

/// The stored status of a monitor, locked until the transaction ends.
pub fn lock_status(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Option<StoredStatus>> {
    let row: Option<(MonitorStatus, Option<DateTime<Utc>>, bool)> = monitors::table
        .find(monitor_id)
        .select((monitors::status, monitors::outage_closed_at, monitors::degraded_incident))
        .for_update()
        .first(conn)
        .optional()?;
    Ok(row.map(|(status, closed, degraded_incident)| StoredStatus {
        status,
        outage_closed: closed.is_some(),
        degraded_incident,
    }))
}

/// Marks (with the time) or clears a person's closing of a monitor's outage.
pub fn set_outage_closed(conn: &mut PgConnection, monitor_id: i64, at: Option<DateTime<Utc>>) -> QueryResult<usize> {
    diesel::update(monitors::table.find(monitor_id)).set(monitors::outage_closed_at.eq(at)).execute(conn)
}
