//! What the monitor page shows: each region's report, the last day's
//! latencies, uptime over 1, 7 and 30 days (planned maintenance left out),
//! the newest checks and the certificate's expiry.

use super::confirmation::{RegionVerdict, monitor_covered};
use super::results::certificate_expiring;
use crate::model::{
    Check, CheckOutcome, HeartbeatReport, LatencyPoint, Monitor, MonitorDetails, MonitorKind, MonitorRef, RegionReport,
};
use crate::ssr::db::schedule;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

fn to_check(row: schedule::CheckRow) -> Check {
    Check {
        region: row.region,
        checked_at: row.checked_at,
        duration_ms: row.duration_ms.unsigned_abs(),
        outcome: if row.up { CheckOutcome::Up } else { CheckOutcome::Down },
        status_code: row.status_code.and_then(|c| u16::try_from(c).ok()),
        failure: row.failure,
        message: row.message,
        cert_expires_at: row.cert_expires_at,
        exit_code: row.exit_code,
        source: row.source,
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
            let state = if !monitor_covered(&monitor, last_result_at, now) {
                if last_result_at.is_some() { "no_data" } else { "pending" }
            } else {
                match verdict {
                    RegionVerdict::Up => "up",
                    RegionVerdict::Degraded => "degraded",
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
    let heartbeat = if monitor.kind == MonitorKind::Heartbeat {
        let running_since = crate::ssr::db::monitors::find(conn, id)?.and_then(|row| row.run_started_at);
        let deadline = schedule::heartbeat_deadline(conn, id)?.map(|(_, at)| at).filter(|_| !monitor.paused);
        // A late run is a check too, but no ping: pings carry their source.
        let last_ping_at = recent.iter().find(|check| check.source.is_some()).map(|check| check.checked_at);
        Some(HeartbeatReport { last_ping_at, running_since, deadline })
    } else {
        None
    };
    let parent = match monitor.parent_id {
        Some(parent_id) => {
            crate::ssr::db::monitors::find(conn, parent_id)?.map(|row| MonitorRef { id: row.id, name: row.name })
        }
        None => None,
    };
    Ok(MonitorDetails {
        parent,
        recent,
        monitor,
        regions,
        latency,
        uptime,
        certificate_expires_at,
        certificate_expiring,
        heartbeat,
    })
}
