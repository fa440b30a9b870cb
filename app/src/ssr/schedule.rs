//! What the scheduler does with results: store the checks, feed each result
//! to its region's confirmation state, and derive the monitor's status, all
//! in one transaction per batch.

use super::confirmation::{Confirmations, RegionVerdict, has_coverage, monitor_status, observe, vote};
use super::db::incidents as incident_rows;
use super::db::{monitors as monitor_rows, schedule, ssl_expiry_events};
use super::incidents;
use super::probe::ProbeResult;
use crate::model::{
    Check, CheckOutcome, FailureKind, LatencyPoint, Monitor, MonitorDetails, MonitorStatus, RegionReport,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// The monitors behind claimed ids.
pub fn load_monitors(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<Monitor>> {
    let rows = monitor_rows::find_many(conn, ids)?;
    super::monitors::with_regions(conn, rows)
}

/// Records a batch of results from one region; returns the monitors whose
/// status changed, with their new status.
pub fn record_results(
    conn: &mut PgConnection,
    region_id: i64,
    results: &[(Monitor, ProbeResult)],
    now: DateTime<Utc>,
) -> QueryResult<Vec<(i64, MonitorStatus)>> {
    conn.transaction(|conn| {
        let rows: Vec<schedule::NewCheck<'_>> = results
            .iter()
            .map(|(monitor, result)| schedule::NewCheck {
                monitor_id: monitor.id,
                region_id,
                checked_at: result.checked_at,
                duration_ms: i32::try_from(result.duration_ms).unwrap_or(i32::MAX),
                up: result.up,
                status_code: result.status_code.map(i32::from),
                failure: result.failure.map(|f| f.as_str()),
                message: &result.message,
                cert_expires_at: result.cert_expires_at,
            })
            .collect();
        schedule::insert_checks(conn, &rows)?;

        let region = region_name(conn, region_id)?;
        let mut changed = Vec::new();
        for (monitor, result) in results {
            // The region may have been removed from the monitor meanwhile.
            let Some(state) = schedule::lock_state(conn, monitor.id, region_id)? else { continue };
            let policy =
                Confirmations { incident: monitor.incident_confirmations, recovery: monitor.recovery_confirmations };
            let next = observe(state, result.up, policy);
            schedule::save_state(conn, monitor.id, region_id, next, result.checked_at)?;
            if next.verdict != state.verdict && next.verdict != RegionVerdict::Unknown {
                let down = next.verdict == RegionVerdict::Down;
                incidents::on_region_verdict(conn, monitor.id, &region, down, result.checked_at, &result.message)?;
            }
            if let Some(expires_at) = result.cert_expires_at
                && certificate_expiring(expires_at, monitor.ssl_expiry_days, now)
                && ssl_expiry_events::raise(conn, monitor.id, region_id, expires_at, now)?
            {
                tracing::warn!(monitor_id = monitor.id, %expires_at, "certificate expiring soon");
                let certificate = serde_json::json!({ "certificate": { "expires_at": expires_at, "region": region } });
                super::alerts::raise(
                    conn,
                    super::alerts::Trigger {
                        event: crate::model::AlertEvent::SslExpiring,
                        at: now,
                        incident_id: None,
                        monitor_ids: &[monitor.id],
                        extra: certificate,
                    },
                )?;
            }

            let cause = incidents::Cause { region: &region, failure: result.failure, message: &result.message };
            if let Some(status) = settle_status(conn, monitor, now, result.checked_at, Some(cause))? {
                changed.push((monitor.id, status));
            }
        }
        Ok(changed)
    })
}

/// Whether a certificate expiring at `expires_at` is within the warning window.
pub fn certificate_expiring(expires_at: DateTime<Utc>, warning_days: u32, now: DateTime<Utc>) -> bool {
    expires_at - now <= chrono::Duration::days(i64::from(warning_days))
}

/// Derives a monitor's status from its regions' votes (a region silent for
/// three intervals casts no vote unless it last said down; an ongoing
/// maintenance overrides them) and stores it if it changed, as of `at`, with
/// what that does to its incident.
fn settle_status(
    conn: &mut PgConnection,
    monitor: &Monitor,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
    cause: Option<incidents::Cause<'_>>,
) -> QueryResult<Option<MonitorStatus>> {
    let Some(stored) = schedule::lock_status(conn, monitor.id)? else { return Ok(None) };
    let votes: Vec<_> = schedule::verdicts(conn, monitor.id)?
        .into_iter()
        .map(|(verdict, last)| vote(verdict, has_coverage(last, now, monitor.interval_seconds)))
        .collect();
    let maintenance = incident_rows::in_maintenance(conn, monitor.id)?;
    // Pausing is shown from the monitor's flag; the stored status stays the
    // last one derived, so resuming picks up from there.
    let status = monitor_status(false, maintenance, &votes, monitor.region_threshold);
    if stored.status == status.as_str() {
        return Ok(None);
    }
    schedule::change_status(conn, monitor.id, status.as_str(), at)?;
    let from = MonitorStatus::parse(&stored.status).unwrap_or(MonitorStatus::Pending);
    incidents::on_monitor_status(conn, monitor, from, status, stored.outage_closed, at, cause)?;
    Ok(Some(status))
}

/// Derives the status of these monitors again now (after a maintenance
/// started or ended), in the caller's transaction.
pub fn resettle(conn: &mut PgConnection, monitor_ids: &[i64], now: DateTime<Utc>) -> QueryResult<()> {
    for monitor in load_monitors(conn, monitor_ids)? {
        settle_status(conn, &monitor, now, now, None)?;
    }
    Ok(())
}

fn region_name(conn: &mut PgConnection, region_id: i64) -> QueryResult<String> {
    use super::db::schema::regions;
    regions::table.find(region_id).select(regions::name).first(conn)
}

/// Re-derives the status of monitors whose regions fell silent, so that a
/// region sending nothing is never left counted as up. Returns the changes.
pub fn refresh_silent(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<(i64, MonitorStatus)>> {
    let ids = schedule::monitors_with_silent_regions(conn, now)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let monitors = load_monitors(conn, &ids)?;
    conn.transaction(|conn| {
        let mut changed = Vec::new();
        for monitor in monitors.iter().filter(|m| !m.paused) {
            if let Some(status) = settle_status(conn, monitor, now, now, None)? {
                changed.push((monitor.id, status));
            }
        }
        Ok(changed)
    })
}

fn failure_of(text: &str) -> Option<FailureKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

fn to_check(row: schedule::CheckRow) -> Check {
    Check {
        region: row.region,
        checked_at: row.checked_at,
        duration_ms: row.duration_ms.unsigned_abs(),
        outcome: if row.up { CheckOutcome::Up } else { CheckOutcome::Down },
        status_code: row.status_code.and_then(|c| u16::try_from(c).ok()),
        failure: row.failure.as_deref().and_then(failure_of),
        message: row.message,
        cert_expires_at: row.cert_expires_at,
    }
}

/// The newest checks of a monitor (at most `limit`).
pub fn recent_checks(conn: &mut PgConnection, monitor_id: i64, limit: i64) -> QueryResult<Vec<Check>> {
    Ok(schedule::recent_checks(conn, monitor_id, limit)?.into_iter().map(to_check).collect())
}

/// Everything the monitor page shows, as of `now`.
pub fn details(conn: &mut PgConnection, monitor: Monitor, now: DateTime<Utc>) -> QueryResult<MonitorDetails> {
    let id = monitor.id;
    let regions = schedule::region_reports(conn, id)?
        .into_iter()
        .map(|(region, verdict, last_result_at)| {
            let state = if !has_coverage(last_result_at, now, monitor.interval_seconds) {
                if last_result_at.is_some() { "no_data" } else { "pending" }
            } else {
                match verdict {
                    RegionVerdict::Up => "up",
                    RegionVerdict::Down => "down",
                    RegionVerdict::Unknown => "pending",
                }
            };
            RegionReport { region, state: state.to_owned(), last_result_at }
        })
        .collect();
    let latency = schedule::latency_since(conn, id, now - chrono::Duration::hours(24), 2000)?
        .into_iter()
        .map(|(at, ms, up)| LatencyPoint { at, duration_ms: ms.unsigned_abs(), up })
        .collect();
    let mut uptime = [None; 3];
    for (slot, days) in uptime.iter_mut().zip([1, 7, 30]) {
        let (good, all) = schedule::uptime_since(conn, id, now - chrono::Duration::days(days))?;
        *slot = (all > 0).then(|| good as f64 * 100.0 / all as f64);
    }
    let recent = recent_checks(conn, id, 50)?;
    let certificate_expires_at = recent.iter().find_map(|check| check.cert_expires_at);
    let certificate_expiring =
        certificate_expires_at.is_some_and(|at| certificate_expiring(at, monitor.ssl_expiry_days, now));
    Ok(MonitorDetails { recent, monitor, regions, latency, uptime, certificate_expires_at, certificate_expiring })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_warn_within_the_window_only() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let days = |n: i64| now + chrono::Duration::days(n);
        assert!(certificate_expiring(days(3), 14, now));
        assert!(certificate_expiring(days(14), 14, now));
        assert!(!certificate_expiring(days(14) + chrono::Duration::seconds(1), 14, now));
        assert!(!certificate_expiring(days(90), 14, now));
        assert!(certificate_expiring(days(-1), 14, now), "an expired certificate is within the window");
    }
}
