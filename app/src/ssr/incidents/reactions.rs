//! The system's side of the incident lifecycle: what a monitor's status
//! change does to its programmatic incident (open, note, resolve, and what
//! people decided), planned maintenance moving through its window, and the
//! repair of what a crash or a restored backup left out of step. Called by
//! the recording of results and by the scheduler's upkeep; it never calls
//! back into them.

use super::lifecycle::{self, MaintenanceStep, Standing, Transition};
use super::{alert, event};
use crate::model::{AlertEvent, EventKind, FailureKind, Impact, IncidentKind, IncidentState, Monitor, NoticeKind};
use crate::ssr::db::incidents::{self as db, IncidentRow};
use crate::ssr::monitoring::status;
use crate::ssr::status_pages::subscribers::tell_subscribers;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

/// What the check that changed a monitor's status saw.
#[derive(Debug, Clone, Copy)]
pub struct Cause<'a> {
    pub region: &'a str,
    pub failure: Option<FailureKind>,
    pub message: &'a str,
}

fn outage_details(monitor: &Monitor, cause: Option<Cause<'_>>, regions_down: &[String]) -> String {
    let mut text = format!("**{}** (`{}`) is down.", monitor.name, monitor.target());
    if let Some(cause) = cause {
        let failure = cause.failure.map_or("failure", |f| f.as_str());
        text.push_str(&format!("\n\nLast check from {}: {failure}: {}", cause.region, cause.message));
    }
    if !regions_down.is_empty() {
        text.push_str(&format!("\n\nRegions reporting down: {}.", regions_down.join(", ")));
    }
    text
}

/// A monitor's ongoing programmatic incident (locked by the caller), and
/// where it stands.
struct Current<'a> {
    ongoing: Option<&'a IncidentRow>,
    standing: Standing,
}

impl<'a> Current<'a> {
    fn of(ongoing: Option<&'a IncidentRow>, outage_closed: bool) -> Self {
        let standing = match ongoing {
            Some(row) if row.held_open => Standing::Reopened,
            Some(_) => Standing::Ongoing,
            None if outage_closed => Standing::ClosedByPerson,
            None => Standing::Clear,
        };
        Self { ongoing, standing }
    }
}

/// Carries out a lifecycle step for a monitor, in the caller's transaction
/// (which holds the monitor's status row and its ongoing incident locked).
fn apply_step(
    conn: &mut PgConnection,
    monitor: &Monitor,
    current: &Current<'_>,
    step: lifecycle::Step,
    at: DateTime<Utc>,
    record: serde_json::Value,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    match (step.transition, current.ongoing) {
        (Transition::Open, _) => open_for(conn, monitor, at, cause)?,
        (Transition::Record, Some(row)) => event(conn, row.id, at, EventKind::StatusChanged, None, record)?,
        (Transition::Resolve, Some(row)) => resolve_automatically(conn, row.id, at)?,
        _ => {}
    }
    if current.standing == Standing::ClosedByPerson && step.standing == Standing::Clear {
        crate::ssr::db::schedule::set_outage_closed(conn, monitor.id, None)?;
    }
    if let (Standing::Reopened, Standing::Ongoing, Some(row)) = (current.standing, step.standing, current.ongoing) {
        db::set_held_open(conn, row.id, false)?;
    }
    Ok(())
}

/// Applies a monitor's status change (stored by `monitoring::status`) to its
/// programmatic incident, in the caller's transaction (which holds the
/// monitor's status row locked): opens one when it goes down, notes other
/// changes on it, resolves it when the monitor is up again, and respects
/// what people decided (see [`lifecycle::on_status_change`]).
pub fn on_monitor_status(
    conn: &mut PgConnection,
    monitor: &Monitor,
    change: status::Change,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let ongoing = db::lock_ongoing_for_monitor(conn, monitor.id)?;
    let current = Current::of(ongoing.as_ref(), change.outage_closed);
    let step = lifecycle::on_status_change(change.from, change.to, current.standing);
    let record = json!({ "from": change.from, "to": change.to });
    apply_step(conn, monitor, &current, step, at, record, cause)
}

/// Derives the status of these monitors again now (a maintenance started or
/// ended, or its monitors changed), with what that does to their incidents,
/// in the caller's transaction.
pub fn resettle(conn: &mut PgConnection, monitor_ids: &[i64], now: DateTime<Utc>) -> QueryResult<()> {
    for monitor in crate::ssr::monitoring::read::load(conn, monitor_ids)? {
        if let Some(change) = status::settle(conn, &monitor, now, now)? {
            on_monitor_status(conn, &monitor, change, now, None)?;
        }
    }
    Ok(())
}

fn open_for(
    conn: &mut PgConnection,
    monitor: &Monitor,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let regions_down: Vec<String> = crate::ssr::db::schedule::region_reports(conn, monitor.id)?
        .into_iter()
        .filter(|(_, verdict, _)| *verdict == crate::ssr::monitoring::confirmation::RegionVerdict::Down)
        .map(|(name, _, _)| name)
        .collect();
    let title = format!("{} is down", monitor.name);
    let details = outage_details(monitor, cause, &regions_down);
    let opened = db::open_programmatic(
        conn,
        &db::NewIncident {
            kind: IncidentKind::Programmatic,
            title: &title,
            public_title: None,
            details: &details,
            impact: Impact::Unknown,
            state: IncidentState::Ongoing,
            monitor_id: Some(monitor.id),
            started_at: Some(at),
            scheduled_start: None,
            scheduled_end: None,
            created_by: None,
            created_at: at,
            updated_at: at,
        },
    )?;
    if let Some(row) = opened {
        let mut details = json!({ "regions": regions_down });
        if let Some(cause) = cause {
            details["region"] = json!(cause.region);
            details["failure"] = json!(cause.failure);
            details["message"] = json!(cause.message);
        }
        event(conn, row.id, at, EventKind::Opened, None, details)?;
        tracing::info!(incident_id = row.id, monitor_id = monitor.id, "incident opened");
        alert(conn, AlertEvent::IncidentCreated, row.id, at, json!({}))?;
    }
    Ok(())
}

fn resolve_automatically(conn: &mut PgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    let row = db::lock(conn, id)?;
    let started = row.and_then(|r| r.started_at);
    db::set_state(conn, id, IncidentState::Resolved, started, Some(at), at)?;
    event(conn, id, at, EventKind::Resolved, None, json!({ "automatically": true }))?;
    tracing::info!(incident_id = id, "incident resolved automatically");
    alert(conn, AlertEvent::IncidentResolved, id, at, json!({}))?;
    tell_subscribers(conn, id, NoticeKind::IncidentResolved, None, at)
}

/// Resolves the ongoing programmatic incident of a monitor about to be
/// deleted: nothing could ever resolve it afterwards.
pub fn on_monitor_deleted(conn: &mut PgConnection, monitor_id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    if let Some(row) = db::lock_ongoing_for_monitor(conn, monitor_id)? {
        db::set_state(conn, row.id, IncidentState::Resolved, row.started_at, Some(now), now)?;
        event(
            conn,
            row.id,
            now,
            EventKind::Resolved,
            None,
            json!({ "automatically": true, "reason": "monitor_deleted" }),
        )?;
        alert(conn, AlertEvent::IncidentResolved, row.id, now, json!({}))?;
        tell_subscribers(conn, row.id, NoticeKind::IncidentResolved, None, now)?;
    }
    Ok(())
}

/// Notes a region's verdict change on the monitor's ongoing incident, if any.
pub fn on_region_verdict(
    conn: &mut PgConnection,
    monitor_id: i64,
    region: &str,
    down: bool,
    at: DateTime<Utc>,
    message: &str,
) -> QueryResult<()> {
    if let Some(row) = db::lock_ongoing_for_monitor(conn, monitor_id)? {
        let kind = if down { EventKind::RegionDown } else { EventKind::RegionUp };
        event(conn, row.id, at, kind, None, json!({ "region": region, "message": message }))?;
    }
    Ok(())
}

/// Starts and completes planned maintenance whose time has come; the
/// statuses of its monitors follow at once. Returns how many steps were taken.
pub fn advance_maintenance(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let mut steps = 0;
        for row in db::lock_due_maintenance(conn, now)? {
            let (Some(start), Some(end)) = (row.scheduled_start, row.scheduled_end) else { continue };
            let state = row.state;
            let Some(step) = lifecycle::maintenance_step(state, start, end, now) else { continue };
            // A window created after its start begins when it was created.
            let start = start.max(row.created_at);
            if matches!(step, MaintenanceStep::Start | MaintenanceStep::StartAndComplete) {
                db::set_state(conn, row.id, IncidentState::Ongoing, Some(start), None, now)?;
                event(conn, row.id, start, EventKind::MaintenanceStarted, None, json!({}))?;
                alert(conn, AlertEvent::MaintenanceStarted, row.id, start, json!({}))?;
                if step == MaintenanceStep::Start {
                    tell_subscribers(conn, row.id, NoticeKind::MaintenanceStarted, None, now)?;
                }
            }
            if matches!(step, MaintenanceStep::Complete | MaintenanceStep::StartAndComplete) {
                db::set_state(conn, row.id, IncidentState::Resolved, Some(start), Some(end), now)?;
                event(conn, row.id, end, EventKind::MaintenanceCompleted, None, json!({}))?;
                alert(conn, AlertEvent::MaintenanceCompleted, row.id, end, json!({}))?;
                tell_subscribers(conn, row.id, NoticeKind::MaintenanceCompleted, None, now)?;
            }
            let monitor_ids = db::monitor_ids(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
            resettle(conn, &monitor_ids, now)?;
            steps += 1;
        }
        Ok(steps)
    })
}

/// Repairs what the statuses contradict: a `down` monitor without an
/// ongoing programmatic incident gets one, an ongoing one of a monitor that
/// is `up` is resolved — unless a person decided so (an outage closed by
/// hand, an incident reopened by hand). Returns how many were repaired.
pub fn reconcile(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let ids = db::out_of_step(conn)?;
    let mut repaired = 0;
    for monitor in crate::ssr::monitoring::read::load(conn, &ids)? {
        repaired += conn.transaction(|conn| {
            let Some(stored) = crate::ssr::db::schedule::lock_status(conn, monitor.id)? else { return Ok(0) };
            let status = stored.status;
            let ongoing = db::lock_ongoing_for_monitor(conn, monitor.id)?;
            let current = Current::of(ongoing.as_ref(), stored.outage_closed);
            let step = lifecycle::reconcile(status, current.standing);
            if step.transition == Transition::Nothing && step.standing == current.standing {
                return QueryResult::Ok(0);
            }
            apply_step(conn, &monitor, &current, step, now, json!({}), None)?;
            Ok(usize::from(step.transition != Transition::Nothing))
        })?;
    }
    Ok(repaired)
}
