//! A monitor's status, derived from its regions' votes (a region silent for
//! three intervals casts no vote unless it last said down; an ongoing
//! maintenance overrides them) and stored with its change. What a change
//! means for the monitor's incident is the caller's to hand on.

use super::confirmation::{monitor_covered, monitor_status, vote};
use crate::model::{Monitor, MonitorStatus};
use crate::ssr::db::incidents as incident_rows;
use crate::ssr::db::schedule;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A stored status change, and whether a person had closed the monitor's
/// outage (see `incidents::lifecycle::Standing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub from: MonitorStatus,
    pub to: MonitorStatus,
    pub outage_closed: bool,
}

/// The status a monitor's regions' verdicts and its maintenance give it as
/// of `now`. Pausing is shown from the monitor's flag; the stored status
/// stays the last one derived, so resuming picks up from there.
pub fn derive(
    monitor: &Monitor,
    verdicts: &[schedule::Verdict],
    maintenance: bool,
    now: DateTime<Utc>,
) -> MonitorStatus {
    let votes: Vec<_> =
        verdicts.iter().map(|(verdict, last)| vote(*verdict, monitor_covered(monitor, *last, now))).collect();
    monitor_status(false, maintenance, &votes, monitor.region_threshold)
}

/// Derives the monitor's status as of `now` and stores it if it changed, as
/// of `at`, in the caller's transaction (the status row stays locked).
pub fn settle(
    conn: &mut PgConnection,
    monitor: &Monitor,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Change>> {
    let Some(stored) = schedule::lock_status(conn, monitor.id)? else { return Ok(None) };
    let verdicts = schedule::verdicts(conn, monitor.id)?;
    let maintenance = incident_rows::in_maintenance(conn, monitor.id)?;
    let status = derive(monitor, &verdicts, maintenance, now);
    if stored.status == status {
        return Ok(None);
    }
    schedule::change_status(conn, monitor.id, status.as_str(), at)?;
    let from = stored.status;
    Ok(Some(Change { from, to: status, outage_closed: stored.outage_closed }))
}
