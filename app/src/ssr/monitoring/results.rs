//! Recording probe results, from this server's scheduler and from agents:
//! the checks are stored, each result feeds its region's confirmation state,
//! the monitor's status is derived again (`status`), and what a change means
//! for its incident is handed to the incident reactions. One transaction per
//! batch. Nothing here is called back by the incidents.

use super::confirmation::{Confirmations, Reading, RegionVerdict, observe};
use super::probe::ProbeResult;
use super::{read, status};
use crate::model::{Monitor, MonitorStatus};
use crate::ssr::db::{regions, schedule, ssl_expiry_events};
use crate::ssr::incidents::reactions::{self, Cause};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

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
                failure: result.failure,
                message: &result.message,
                cert_expires_at: result.cert_expires_at,
                exit_code: result.exit_code,
                source: result.source.as_deref(),
            })
            .collect();
        schedule::insert_checks(conn, &rows)?;

        let region = regions::name(conn, region_id)?;
        let mut changed = Vec::new();
        for (monitor, result) in results {
            // The region may have been removed from the monitor meanwhile.
            let Some(state) = schedule::lock_state(conn, monitor.id, region_id)? else { continue };
            let policy =
                Confirmations { incident: monitor.incident_confirmations, recovery: monitor.recovery_confirmations };
            let reading = Reading::of(result.up, result.duration_ms, monitor.degraded_after_ms);
            let next = observe(state, reading, policy);
            schedule::save_state(conn, monitor.id, region_id, next, result.checked_at)?;
            if next.verdict != state.verdict && next.verdict != RegionVerdict::Unknown {
                let message = match reading {
                    Reading::Slow => format!("answered in {} ms", result.duration_ms),
                    _ => result.message.clone(),
                };
                reactions::on_region_verdict(conn, monitor.id, &region, next.verdict, result.checked_at, &message)?;
            }
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

            if let Some(change) = status::settle(conn, monitor, now, result.checked_at)? {
                let cause = Cause { region: &region, failure: result.failure, message: &result.message };
                reactions::on_monitor_status(conn, monitor, change, result.checked_at, Some(cause))?;
                changed.push((monitor.id, change.to));
            }
        }
        // A child that failed again may settle whose outage it is.
        let children: Vec<i64> = results.iter().filter(|(m, _)| m.parent_id.is_some()).map(|(m, _)| m.id).collect();
        if !children.is_empty() {
            reactions::settle_waiting(conn, &children, now)?;
        }
        Ok(changed)
    })
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
