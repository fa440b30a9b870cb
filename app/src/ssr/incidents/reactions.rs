//! The system's side of the incident lifecycle: what a monitor's status
//! change does to its programmatic incident (open, note, resolve, and what
//! people decided), what it does to the incidents of the monitors that
//! depend on it, the alerts for slowness, planned maintenance moving through
//! its window, and the repair of what a crash or a restored backup left out
//! of step. Called by the recording of results and by the scheduler's
//! upkeep; it never calls back into them.

use super::lifecycle::{self, DependencyStep, MaintenanceStep, ParentStanding, Policy, Standing, Transition};
use super::{alert, event};
use crate::model::{
    AlertEvent, EventKind, FailureKind, IncidentKind, IncidentState, Monitor, MonitorKind, MonitorStatus, NoticeKind,
};
use crate::ssr::alerts::{self, Trigger};
use crate::ssr::db::incidents::{self as db, IncidentRow};
use crate::ssr::db::{monitors as monitor_rows, schedule};
use crate::ssr::monitoring::confirmation::RegionVerdict;
use crate::ssr::monitoring::{read, status};
use crate::ssr::status_pages::read_model::{Face, public_face};
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

fn outage_details(monitor: &Monitor, slow: bool, cause: Option<Cause<'_>>, regions_down: &[String]) -> String {
    let mut text = match (slow, monitor.degraded_after_ms) {
        (true, Some(limit)) => format!("**{}** (`{}`) answers slower than {limit} ms.", monitor.name, monitor.target()),
        _ => format!("**{}** (`{}`) is down.", monitor.name, monitor.target()),
    };
    if slow {
        if let Some(cause) = cause {
            text.push_str(&format!("\n\nLast check from {}: {}", cause.region, cause.message));
        }
    } else if let Some(cause) = cause {
        let failure = cause.failure.map_or("failure", |f| f.as_str());
        text.push_str(&format!("\n\nLast check from {}: {failure}: {}", cause.region, cause.message));
    }
    if !regions_down.is_empty() {
        let verdict = if slow { "slow" } else { "down" };
        text.push_str(&format!("\n\nRegions reporting {verdict}: {}.", regions_down.join(", ")));
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

/// Carries out a lifecycle step for a monitor whose status is now `to`, in
/// the caller's transaction (which holds the monitor's status row and its
/// ongoing incident locked).
#[allow(clippy::too_many_arguments)]
fn apply_step(
    conn: &mut PgConnection,
    monitor: &Monitor,
    current: &Current<'_>,
    step: lifecycle::Step,
    to: MonitorStatus,
    at: DateTime<Utc>,
    record: serde_json::Value,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    match (step.transition, current.ongoing) {
        (Transition::Open, _) => match monitor.parent_id {
            Some(parent_id) if to == MonitorStatus::Down => follow_parent(conn, monitor, parent_id, at, cause)?,
            _ => open_for(conn, monitor, to, at, cause)?,
        },
        (Transition::Record, Some(row)) => {
            event(conn, row.id, at, EventKind::StatusChanged, None, record)?;
            follow_impact(conn, row, to, at)?;
        }
        (Transition::Resolve, Some(row)) => resolve_automatically(conn, row.id, at)?,
        _ => {}
    }
    if current.standing == Standing::ClosedByPerson && step.standing == Standing::Clear {
        schedule::set_outage_closed(conn, monitor.id, None)?;
    }
    if let (Standing::Reopened, Standing::Ongoing, Some(row)) = (current.standing, step.standing, current.ongoing) {
        db::set_held_open(conn, row.id, false)?;
    }
    Ok(())
}

/// Moves an incident's impact with its monitor between slow and down, as
/// [`lifecycle::followed_impact`] allows.
fn follow_impact(conn: &mut PgConnection, row: &IncidentRow, to: MonitorStatus, at: DateTime<Utc>) -> QueryResult<()> {
    if lifecycle::followed_impact(row.impact, to, false).is_none() {
        return Ok(());
    }
    let chosen = db::impact_chosen_by_person(conn, row.id)?;
    let Some(impact) = lifecycle::followed_impact(row.impact, to, chosen) else { return Ok(()) };
    let changes = db::IncidentChangeset { impact: Some(impact), updated_at: Some(at), ..Default::default() };
    db::update(conn, row.id, &changes)?;
    let change = json!({ "from": row.impact, "to": impact });
    event(conn, row.id, at, EventKind::ImpactChanged, None, change.clone())?;
    alert(conn, AlertEvent::ImpactChanged, row.id, at, json!({ "impact_change": change }))
}

/// Applies a monitor's status change (stored by `monitoring::status`) to its
/// programmatic incident, in the caller's transaction (which holds the
/// monitor's status row locked): opens one when it is in trouble (or joins
/// its parent's), notes other changes on it, resolves it when the monitor is
/// fine again, and respects what people decided (see
/// [`lifecycle::on_status_change`]). Then raises the alerts for slowness,
/// and decides the outages of the monitors that depend on this one.
pub fn on_monitor_status(
    conn: &mut PgConnection,
    monitor: &Monitor,
    change: status::Change,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let ongoing = db::lock_ongoing_for_monitor(conn, monitor.id)?;
    let current = Current::of(ongoing.as_ref(), change.outage_closed);
    let step = lifecycle::on_status_change(change.from, change.to, current.standing, Policy::of(monitor));
    let record = json!({ "from": change.from, "to": change.to });
    apply_step(conn, monitor, &current, step, change.to, at, record, cause)?;
    if current.ongoing.is_none() && monitor.parent_id.is_some() && step.transition == Transition::Nothing {
        note_on_joined(conn, monitor, change, at)?;
    }
    alert_on_speed(conn, monitor, change, at)?;
    settle_children(conn, monitor.id, at)
}

/// A child covered by its parent's incident: its own changes go on that
/// incident's timeline.
fn note_on_joined(
    conn: &mut PgConnection,
    monitor: &Monitor,
    change: status::Change,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    if let Some(row) = db::covering(conn, monitor.id)? {
        let record = json!({ "from": change.from, "to": change.to, "monitor_id": monitor.id, "monitor": monitor.name });
        event(conn, row.id, at, EventKind::StatusChanged, None, record)?;
    }
    Ok(())
}

/// `monitor_degraded` when a monitor becomes slow, `monitor_recovered` when a
/// slow one is fast again.
fn alert_on_speed(
    conn: &mut PgConnection,
    monitor: &Monitor,
    change: status::Change,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let event = match (change.from, change.to) {
        (MonitorStatus::Degraded, MonitorStatus::Up) => AlertEvent::MonitorRecovered,
        (from, MonitorStatus::Degraded) if from != MonitorStatus::Degraded => AlertEvent::MonitorDegraded,
        _ => return Ok(()),
    };
    let extra = json!({ "degraded_after_ms": monitor.degraded_after_ms });
    let trigger = Trigger { event, at, incident_id: None, monitor_ids: &[monitor.id], extra, held_by: None };
    alerts::raise(conn, trigger).map(drop)
}

/// Derives the status of these monitors again now (a maintenance started or
/// ended, or its monitors changed), with what that does to their incidents,
/// in the caller's transaction.
pub fn resettle(conn: &mut PgConnection, monitor_ids: &[i64], now: DateTime<Utc>) -> QueryResult<()> {
    for monitor in read::load(conn, monitor_ids)? {
        if let Some(change) = status::settle(conn, &monitor, now, now)? {
            on_monitor_status(conn, &monitor, change, now, None)?;
        }
    }
    Ok(())
}

fn open_for(
    conn: &mut PgConnection,
    monitor: &Monitor,
    status: MonitorStatus,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let slow = status == MonitorStatus::Degraded;
    let verdict = if slow { RegionVerdict::Degraded } else { RegionVerdict::Down };
    let regions: Vec<String> = schedule::region_reports(conn, monitor.id)?
        .into_iter()
        .filter(|(_, v, _)| *v == verdict)
        .map(|(name, _, _)| name)
        .collect();
    let title = if slow { format!("{} is slow", monitor.name) } else { format!("{} is down", monitor.name) };
    let details = outage_details(monitor, slow, cause, &regions);
    let impact = lifecycle::opening_impact(status);
    let opened = db::open_programmatic(
        conn,
        &db::NewIncident {
            kind: IncidentKind::Programmatic,
            title: &title,
            public_title: None,
            details: &details,
            impact,
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
        let mut details = json!({ "regions": regions });
        if slow {
            details["degraded_after_ms"] = json!(monitor.degraded_after_ms);
        }
        if let Some(cause) = cause {
            details["region"] = json!(cause.region);
            details["failure"] = json!(cause.failure);
            details["message"] = json!(cause.message);
        }
        event(conn, row.id, at, EventKind::Opened, None, details)?;
        tracing::info!(incident_id = row.id, monitor_id = monitor.id, "incident opened");
        alert(conn, AlertEvent::IncidentCreated, row.id, at, json!({}))?;
        if public_face(impact) == Face::Full {
            tell_subscribers(conn, row.id, NoticeKind::IncidentPublished, None, at)?;
        }
    }
    Ok(())
}

// ---- dependencies ----------------------------------------------------------------

/// A child monitor went down (or is still waiting): join its parent's
/// incident, wait for the parent's verdict, or open its own.
fn follow_parent(
    conn: &mut PgConnection,
    child: &Monitor,
    parent_id: i64,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let since = schedule::last_change_at(conn, child.id)?.unwrap_or(at).min(at);
    let Some(parent) = read::load(conn, &[parent_id])?.pop() else {
        return open_for(conn, child, MonitorStatus::Down, at, cause);
    };
    let (standing, waited, patience) = parent_standing(conn, &parent, child, since, at)?;
    match lifecycle::dependency_step(standing, waited, patience) {
        DependencyStep::Own => open_for(conn, child, MonitorStatus::Down, at, cause),
        DependencyStep::Join(incident_id) => join(conn, incident_id, child, &parent, at),
        DependencyStep::Wait => Ok(()),
    }
}

/// How long a monitor takes to give a verdict: its confirmations and one
/// more check.
fn patience(monitor: &Monitor) -> chrono::Duration {
    let checks = i64::from(monitor.incident_confirmations) + 1;
    chrono::Duration::seconds(checks * i64::from(monitor.interval_seconds) + i64::from(monitor.timeout_seconds))
}

/// Where a parent stands for a child that went down at `since`, with how
/// long the child has waited for what is not known yet, and how long it
/// may: the parent's verdict when the parent has not answered well since
/// the child went down, or the child's own next check when the parent
/// became fine only after the child went down (until the child fails again,
/// its outage may still have been the parent's).
fn parent_standing(
    conn: &mut PgConnection,
    parent: &Monitor,
    child: &Monitor,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<(ParentStanding, chrono::Duration, chrono::Duration)> {
    let unsettled = (ParentStanding::Unsettled, now - since, patience(parent));
    let standing = match parent.status {
        MonitorStatus::Paused => ParentStanding::Fine,
        MonitorStatus::Down => match db::covering(conn, parent.id)? {
            Some(row) => ParentStanding::Down(row.id),
            None => ParentStanding::Out,
        },
        MonitorStatus::Maintenance => ParentStanding::Out,
        MonitorStatus::Partial => return Ok(unsettled),
        MonitorStatus::Up | MonitorStatus::Degraded | MonitorStatus::Pending => {
            let regions = schedule::region_progress(conn, parent.id)?;
            let failing = regions.iter().any(|(failures, _)| *failures > 0);
            // A heartbeat reports when its job runs: its status is its verdict.
            let heard = parent.kind == MonitorKind::Heartbeat
                || regions.iter().any(|(_, last)| last.is_some_and(|last| last > since));
            if failing || !heard {
                return Ok(unsettled);
            }
            if let Some(changed) = schedule::last_change_at(conn, parent.id)?.filter(|changed| *changed > since) {
                let child_last = schedule::region_progress(conn, child.id)?.into_iter().filter_map(|(_, at)| at).max();
                if child_last.is_none_or(|last| last <= changed) {
                    return Ok((ParentStanding::Unsettled, now - changed, patience(child)));
                }
            }
            ParentStanding::Fine
        }
    };
    Ok((standing, now - since, patience(parent)))
}

/// Lists a child on its parent's incident, on the timeline, with the alerts
/// its own incident would have sent recorded as suppressed.
fn join(
    conn: &mut PgConnection,
    incident_id: i64,
    child: &Monitor,
    parent: &Monitor,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    if !db::add_monitor(conn, incident_id, child.id)? {
        return Ok(());
    }
    let details =
        json!({ "monitor_id": child.id, "monitor": child.name, "parent_id": parent.id, "parent": parent.name });
    event(conn, incident_id, at, EventKind::MonitorJoined, None, details)?;
    tracing::info!(incident_id, monitor_id = child.id, parent_id = parent.id, "a dependent monitor joined an incident");
    let trigger = Trigger {
        event: AlertEvent::IncidentCreated,
        at,
        incident_id: Some(incident_id),
        monitor_ids: &[child.id],
        extra: json!({}),
        held_by: Some(&parent.name),
    };
    alerts::raise(conn, trigger)?;
    // Its own children, waiting on it, now have an incident to join.
    settle_children(conn, child.id, at)
}

/// Decides the outages of a parent's children that wait for its verdict,
/// after the parent's status changed or it joined an incident. Children
/// another transaction holds are left to it (or to the next upkeep).
fn settle_children(conn: &mut PgConnection, parent_id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    let ids = monitor_rows::lock_waiting_children(conn, monitor_rows::Among::ChildrenOf(parent_id), i64::MAX)?;
    follow_parents(conn, &ids, at)
}

fn follow_parents(conn: &mut PgConnection, ids: &[i64], at: DateTime<Utc>) -> QueryResult<()> {
    for child in read::load(conn, ids)? {
        if let Some(parent_id) = child.parent_id {
            follow_parent(conn, &child, parent_id, at, None)?;
        }
    }
    Ok(())
}

/// Decides the outages of these monitors, if they are children still
/// waiting for their parent: called with the monitors that just reported,
/// since a child's fresh failure can settle whose outage it is.
pub fn settle_waiting(conn: &mut PgConnection, ids: &[i64], at: DateTime<Utc>) -> QueryResult<()> {
    let waiting = monitor_rows::lock_waiting_children(conn, monitor_rows::Among::Ids(ids), i64::MAX)?;
    follow_parents(conn, &waiting, at)
}

/// The most waiting children decided in one upkeep.
const DEPENDENTS_BATCH: i64 = 500;

/// Decides the outages of children still waiting for their parent: those
/// whose parent stayed silent past the patience, or that a transaction
/// skipped. Returns how many there were.
pub fn settle_dependents(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let ids = monitor_rows::lock_waiting_children(conn, monitor_rows::Among::All, DEPENDENTS_BATCH)?;
        follow_parents(conn, &ids, now)?;
        Ok(ids.len())
    })
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
    verdict: RegionVerdict,
    at: DateTime<Utc>,
    message: &str,
) -> QueryResult<()> {
    if let Some(row) = db::lock_ongoing_for_monitor(conn, monitor_id)? {
        let kind = match verdict {
            RegionVerdict::Down => EventKind::RegionDown,
            RegionVerdict::Degraded => EventKind::RegionDegraded,
            RegionVerdict::Up | RegionVerdict::Unknown => EventKind::RegionUp,
        };
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
    for monitor in read::load(conn, &ids)? {
        repaired += conn.transaction(|conn| {
            let Some(stored) = schedule::lock_status(conn, monitor.id)? else { return Ok(0) };
            let status = stored.status;
            let ongoing = db::lock_ongoing_for_monitor(conn, monitor.id)?;
            let current = Current::of(ongoing.as_ref(), stored.outage_closed);
            let policy = Policy { degraded_opens: stored.degraded_incident };
            let step = lifecycle::reconcile(status, current.standing, policy);
            if step.transition == Transition::Nothing && step.standing == current.standing {
                return QueryResult::Ok(0);
            }
            apply_step(conn, &monitor, &current, step, status, now, json!({}), None)?;
            Ok(usize::from(step.transition != Transition::Nothing))
        })?;
    }
    Ok(repaired)
}
