//! Recording probe results, from this server's scheduler and from agents:
//! the checks are stored, each result feeds its region's confirmation state,
//! the monitor's status is derived again (`status`), and what a change means
//! for its incident is handed to the incident reactions. One transaction per
//! batch. Nothing here is called back by the incidents.

use super::confirmation::{Confirmations, Reading, RegionVerdict, observe};
use super::probe::ProbeResult;
use super::{read, status};
use crate::model::{Monitor, MonitorStatus};
use crate::ssr::db::incidents as incident_rows;
use crate::ssr::db::{regions, schedule, ssl_expiry_events};
use crate::ssr::incidents::reactions::{self, Cause};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// Records a batch of results from one region; returns the monitors whose
/// status changed, with their new status.
///
/// Most results change nothing ("still up"): those whose region keeps its
/// verdict are recorded together, in a few set-based statements for the
/// whole batch (states locked and saved at once, the statuses they leave
/// derived from one read of the regions' verdicts and of maintenance), and
/// go the way of a single result only when the status they leave differs
/// from the stored one. Results that change a region's verdict, and the
/// results of a monitor with several in the batch (an agent's buffer), go
/// one by one, in order.
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
                failure: result.failure,
                message: &result.message,
                cert_expires_at: result.cert_expires_at,
                exit_code: result.exit_code,
                source: result.source.as_deref(),
            })
            .collect();
        schedule::insert_checks(conn, &rows)?;
        let region = regions::name(conn, region_id)?;

        let mut per_monitor: HashMap<i64, usize> = HashMap::new();
        for (monitor, _) in results {
            *per_monitor.entry(monitor.id).or_default() += 1;
        }
        let alone: Vec<i64> = per_monitor.iter().filter(|(_, n)| **n == 1).map(|(id, _)| *id).collect();
        let states = schedule::lock_states(conn, region_id, &alone)?;
        let mut kept = Vec::new();
        let mut one_by_one = Vec::new();
        for (monitor, result) in results {
            if per_monitor[&monitor.id] > 1 {
                one_by_one.push((monitor, result));
                continue;
            }
            // The region may have been removed from the monitor meanwhile.
            let Some(state) = states.get(&monitor.id) else { continue };
            let next = observe(*state, reading(monitor, result), policy(monitor));
            if next.verdict == state.verdict {
                kept.push((monitor, result, next));
            } else {
                one_by_one.push((monitor, result));
            }
        }

        let mut changed = Vec::new();
        if !kept.is_empty() {
            let saved: Vec<_> = kept.iter().map(|(m, r, next)| (m.id, *next, r.checked_at)).collect();
            schedule::save_states(conn, region_id, &saved)?;
            let ids: Vec<i64> = kept.iter().map(|(m, _, _)| m.id).collect();
            let verdicts = schedule::verdicts_of(conn, &ids)?;
            let maintenance = incident_rows::in_maintenance_of(conn, &ids)?;
            let stored = schedule::statuses(conn, &ids)?;
            for (monitor, result, _) in kept {
                warn_of_certificate(conn, monitor, result, region_id, &region, now)?;
                let votes = verdicts.get(&monitor.id).map_or(&[][..], Vec::as_slice);
                let status = status::derive(monitor, votes, maintenance.contains(&monitor.id), now);
                if stored.get(&monitor.id) != Some(&status) {
                    settle(conn, monitor, result, &region, now, &mut changed)?;
                }
            }
        }
        for (monitor, result) in one_by_one {
            // The region may have been removed from the monitor meanwhile.
            let Some(state) = schedule::lock_state(conn, monitor.id, region_id)? else { continue };
            let reading = reading(monitor, result);
            let next = observe(state, reading, policy(monitor));
            schedule::save_state(conn, monitor.id, region_id, next, result.checked_at)?;
            if next.verdict != state.verdict && next.verdict != RegionVerdict::Unknown {
                let message = match reading {
                    Reading::Slow => format!("answered in {} ms", result.duration_ms),
                    _ => result.message.clone(),
                };
                reactions::on_region_verdict(conn, monitor.id, &region, next.verdict, result.checked_at, &message)?;
            }
            warn_of_certificate(conn, monitor, result, region_id, &region, now)?;
            settle(conn, monitor, result, &region, now, &mut changed)?;
        }
        // A child that failed again may settle whose outage it is.
        let children: Vec<i64> = results.iter().filter(|(m, _)| m.parent_id.is_some()).map(|(m, _)| m.id).collect();
        if !children.is_empty() {
            reactions::settle_waiting(conn, &children, now)?;
        }
        Ok(changed)
    })
}

fn reading(monitor: &Monitor, result: &ProbeResult) -> Reading {
    Reading::of(result.up, result.duration_ms, monitor.degraded_after_ms)
}

fn policy(monitor: &Monitor) -> Confirmations {
    Confirmations { incident: monitor.incident_confirmations, recovery: monitor.recovery_confirmations }
}

/// Derives and stores the monitor's status after a result, and hands a
/// change on to the incident reactions.
fn settle(
    conn: &mut PgConnection,
    monitor: &Monitor,
    result: &ProbeResult,
    region: &str,
    now: DateTime<Utc>,
    changed: &mut Vec<(i64, MonitorStatus)>,
) -> QueryResult<()> {
    if let Some(change) = status::settle(conn, monitor, now, result.checked_at)? {
        let cause = Cause { region, failure: result.failure, message: &result.message };
        reactions::on_monitor_status(conn, monitor, change, result.checked_at, Some(cause))?;
        changed.push((monitor.id, change.to));
    }
    Ok(())
}

/// Raises `ssl_expiring` (once per certificate) when the result saw a
/// certificate within the monitor's warning window.
fn warn_of_certificate(
    conn: &mut PgConnection,
    monitor: &Monitor,
    result: &ProbeResult,
    region_id: i64,
    region: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if let Some(expires_at) = result.cert_expires_at
        && certificate_expiring(expires_at, monitor.ssl_expiry_days, now)
        && ssl_expiry_events::raise(conn, monitor.id, region_id, expires_at, now)?
    {
        tracing::warn!(monitor_id = monitor.id, %expires_at, "certificate expiring soon");
        let certificate = serde_json::json!({ "certificate": { "expires_at": expires_at, "region": region } });
        crate::ssr::alerts::raise(
            conn,
            crate::ssr::alerts::Trigger {
                event: crate::model::AlertEvent::SslExpiring,
                at: now,
                incident_id: None,
                monitor_ids: &[monitor.id],
                extra: certificate,
                held_by: None,
            },
        )?;
    }
    Ok(())
}

/// Whether a certificate expiring at `expires_at` is within the warning window.
pub fn certificate_expiring(expires_at: DateTime<Utc>, warning_days: u32, now: DateTime<Utc>) -> bool {
    expires_at - now <= chrono::Duration::days(i64::from(warning_days))
}

/// Re-derives the status of monitors whose regions fell silent, so that a
/// region sending nothing is never left counted as up. Returns the changes.
pub fn refresh_silent(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<(i64, MonitorStatus)>> {
    let ids = schedule::monitors_with_silent_regions(conn, now)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let monitors = read::load(conn, &ids)?;
    conn.transaction(|conn| {
        let mut changed = Vec::new();
        for monitor in monitors.iter().filter(|m| !m.paused) {
            if let Some(change) = status::settle(conn, monitor, now, now)? {
                reactions::on_monitor_status(conn, monitor, change, now, None)?;
                changed.push((monitor.id, change.to));
            }
        }
        Ok(changed)
    })
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
