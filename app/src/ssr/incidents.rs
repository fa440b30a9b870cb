//! Incidents: the team's actions (create, change, resolve, reopen, cancel,
//! comment, publish updates) and the system's (open and resolve programmatic
//! incidents as monitors change, move maintenance through its window,
//! repair what a crash left half done). Every change writes its timeline
//! event in the same transaction. The rules themselves are in `lifecycle`.

use super::alerts::{self, Trigger};
use super::db::incidents::{self as db, IncidentRow};
use super::db::{incident_comments, incident_events, incident_updates, monitors as monitor_rows};
use super::lifecycle::{self, MaintenanceStep, ManualAction, Standing, Transition};
use super::markdown;
use crate::error::AppError;
use crate::model::incident_limits::{BODY_MAX, MONITORS_MAX, PAGE_SIZE, TITLE_MAX};
use crate::model::{
    Actor, AffectedMonitor, AlertEvent, Comment, FailureKind, Impact, Incident, IncidentChanges, IncidentCounts,
    IncidentDetails, IncidentEvent, IncidentKind, IncidentList, IncidentState, IncidentUpdate, Monitor, MonitorStatus,
    NewIncident, UpdateStatus,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

// ---- reading ----------------------------------------------------------------

fn parse<T>(text: &str, parse: fn(&str) -> Option<T>, fallback: T) -> T {
    parse(text).unwrap_or_else(|| {
        tracing::error!(value = text, "unexpected value stored in incidents");
        fallback
    })
}

fn to_model(row: IncidentRow, monitor_ids: Vec<i64>) -> Incident {
    Incident {
        id: row.id,
        kind: parse(&row.kind, IncidentKind::parse, IncidentKind::Manual),
        details_html: markdown::render(&row.details),
        title: row.title,
        public_title: row.public_title,
        details: row.details,
        impact: parse(&row.impact, Impact::parse, Impact::Unknown),
        state: parse(&row.state, IncidentState::parse, IncidentState::Ongoing),
        monitor_ids,
        started_at: row.started_at,
        resolved_at: row.resolved_at,
        scheduled_start: row.scheduled_start,
        scheduled_end: row.scheduled_end,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn with_monitors(conn: &mut PgConnection, rows: Vec<IncidentRow>) -> QueryResult<Vec<Incident>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut monitors = db::monitor_ids(conn, &ids)?;
    Ok(rows.into_iter().map(|row| to_model(row.clone(), monitors.remove(&row.id).unwrap_or_default())).collect())
}

fn actor(author: Option<(i64, String)>) -> Option<Actor> {
    author.map(|(id, name)| Actor { id, name })
}

fn to_comment(row: incident_comments::CommentRow) -> Comment {
    Comment {
        id: row.id,
        incident_id: row.incident_id,
        author: actor(row.author),
        body: row.body,
        body_html: row.body_html,
        created_at: row.created_at,
        edited_at: row.edited_at,
    }
}

fn to_update(row: incident_updates::UpdateRow) -> IncidentUpdate {
    IncidentUpdate {
        id: row.id,
        incident_id: row.incident_id,
        status: parse(&row.status, UpdateStatus::parse, UpdateStatus::Investigating),
        body: row.body,
        body_html: row.body_html,
        author: actor(row.author),
        published_at: row.published_at,
        edited_at: row.edited_at,
    }
}

pub fn get(conn: &mut PgConnection, id: i64) -> Result<Incident, AppError> {
    let row = db::find(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
    with_monitors(conn, vec![row])?.pop().ok_or(AppError::Internal)
}

/// An incident with its monitors, timeline, comments and updates.
pub fn details(conn: &mut PgConnection, id: i64) -> Result<IncidentDetails, AppError> {
    let incident = get(conn, id)?;
    let monitors = monitor_rows::find_many(conn, &incident.monitor_ids)?
        .into_iter()
        .map(|m| AffectedMonitor {
            id: m.id,
            status: MonitorStatus::parse(&m.status).unwrap_or(MonitorStatus::Pending),
            name: m.name,
        })
        .collect();
    let events = incident_events::for_incident(conn, id)?
        .into_iter()
        .map(|(id, at, kind, author, details)| IncidentEvent { id, at, kind, actor: actor(author), details })
        .collect();
    let comments = incident_comments::for_incident(conn, id)?.into_iter().map(to_comment).collect();
    let updates = updates(conn, id)?;
    Ok(IncidentDetails { incident, monitors, events, comments, updates })
}

pub fn comments(conn: &mut PgConnection, incident_id: i64) -> Result<Vec<Comment>, AppError> {
    get(conn, incident_id)?;
    Ok(incident_comments::for_incident(conn, incident_id)?.into_iter().map(to_comment).collect())
}

pub fn updates(conn: &mut PgConnection, incident_id: i64) -> Result<Vec<IncidentUpdate>, AppError> {
    Ok(incident_updates::for_incident(conn, incident_id)?.into_iter().map(to_update).collect())
}

/// What a list asks for; `page` counts from 1.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub state: Option<IncidentState>,
    pub impact: Option<Impact>,
    pub monitor_id: Option<i64>,
    pub page: u32,
}

pub fn list(conn: &mut PgConnection, query: &ListQuery) -> Result<IncidentList, AppError> {
    let page = query.page.max(1);
    let filter = db::Filter {
        state: query.state.map(|s| s.as_str().to_owned()),
        impact: query.impact.map(|i| i.as_str().to_owned()),
        monitor_id: query.monitor_id,
    };
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    // One more than a page says whether there is a next one.
    let mut rows = db::list(conn, &filter, offset, i64::from(PAGE_SIZE) + 1)?;
    let next = (rows.len() > PAGE_SIZE as usize).then_some(page + 1);
    rows.truncate(PAGE_SIZE as usize);
    Ok(IncidentList { items: with_monitors(conn, rows)?, next })
}

pub fn counts(conn: &mut PgConnection) -> Result<IncidentCounts, AppError> {
    let (ongoing, scheduled) = db::counts(conn)?;
    Ok(IncidentCounts {
        ongoing: u32::try_from(ongoing).unwrap_or(u32::MAX),
        scheduled: u32::try_from(scheduled).unwrap_or(u32::MAX),
    })
}

// ---- validation --------------------------------------------------------------

fn check_title(title: &str) -> Result<String, AppError> {
    check_line("title", title)?.ok_or_else(|| AppError::validation("title", "Enter a title."))
}

/// A one-line text of at most [`TITLE_MAX`] characters, trimmed; `None` when blank.
fn check_line(field: &str, text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.chars().count() > TITLE_MAX {
        return Err(AppError::validation(field, format!("At most {TITLE_MAX} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::validation(field, "Control characters are not allowed."));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A public title: blank means none (the title made for the public).
fn check_public_title(text: Option<&str>) -> Result<Option<String>, AppError> {
    Ok(text.map(|t| check_line("public_title", t)).transpose()?.flatten())
}

/// Markdown bodies (details, comments, updates): at most [`BODY_MAX`] characters.
pub fn check_body(field: &str, body: &str, required: bool) -> Result<String, AppError> {
    let body = body.trim();
    if required && body.is_empty() {
        return Err(AppError::validation(field, "Write something first."));
    }
    let length = body.chars().count();
    if length > BODY_MAX {
        return Err(AppError::validation(field, format!("At most {BODY_MAX} characters (this has {length}).")));
    }
    Ok(body.to_owned())
}

/// A required Markdown body, checked, with its sanitized HTML.
fn body_and_html(body: &str) -> Result<(String, String), AppError> {
    let body = check_body("body", body, true)?;
    let html = markdown::render(&body);
    Ok((body, html))
}

fn window_error(error: lifecycle::WindowError) -> AppError {
    match error {
        lifecycle::WindowError::Over => {
            AppError::conflict(None, "This maintenance is over: its window can no longer change.")
        }
        lifecycle::WindowError::Invalid(field, message) => AppError::validation(field, message),
    }
}

/// Affected monitors, checked: sorted, without repeats, at least one, at most
/// [`MONITORS_MAX`].
fn check_monitor_ids(mut ids: Vec<i64>) -> Result<Vec<i64>, AppError> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::validation("monitor_ids", "Choose at least one affected monitor."));
    }
    if ids.len() > MONITORS_MAX {
        return Err(AppError::validation("monitor_ids", format!("Choose at most {MONITORS_MAX} monitors.")));
    }
    Ok(ids)
}

/// Fails unless every monitor exists.
fn check_monitors_exist(conn: &mut PgConnection, ids: &[i64]) -> Result<(), AppError> {
    let found = monitor_rows::find_many(conn, ids)?;
    match ids.iter().find(|id| !found.iter().any(|m| m.id == **id)) {
        Some(missing) => Err(AppError::validation("monitor_ids", format!("There is no monitor {missing}."))),
        None => Ok(()),
    }
}

/// A new incident, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIncident {
    pub kind: IncidentKind,
    pub title: String,
    pub public_title: Option<String>,
    pub details: String,
    pub impact: Impact,
    pub monitor_ids: Vec<i64>,
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Checks a new incident as of `now` (monitors' existence is checked apart).
pub fn validate(input: NewIncident, now: DateTime<Utc>) -> Result<ValidIncident, AppError> {
    let kind = input.kind.unwrap_or(IncidentKind::Manual);
    if kind == IncidentKind::Programmatic {
        return Err(AppError::validation("kind", "Programmatic incidents are opened by monitors, not by hand."));
    }
    let title = check_title(&input.title)?;
    let public_title = check_public_title(input.public_title.as_deref())?;
    let details = check_body("details", &input.details, false)?;
    let monitor_ids = check_monitor_ids(input.monitor_ids)?;
    let window = match (kind, input.scheduled_start, input.scheduled_end) {
        (IncidentKind::Maintenance, None, _) => {
            return Err(AppError::validation("scheduled_start", "Give the maintenance a start."));
        }
        (IncidentKind::Maintenance, _, None) => {
            return Err(AppError::validation("scheduled_end", "Give the maintenance an end."));
        }
        (IncidentKind::Maintenance, Some(start), Some(end)) => {
            lifecycle::check_window(start, end, now).map_err(window_error)?;
            Some((start, end))
        }
        (_, Some(_), _) => return Err(AppError::validation("scheduled_start", "Only a maintenance has a window.")),
        (_, _, Some(_)) => return Err(AppError::validation("scheduled_end", "Only a maintenance has a window.")),
        (_, None, None) => None,
    };
    let impact = input.impact.unwrap_or(match kind {
        IncidentKind::Maintenance => Impact::Maintenance,
        _ => Impact::Unknown,
    });
    Ok(ValidIncident { kind, title, public_title, details, impact, monitor_ids, window })
}

// ---- the team's actions ---------------------------------------------------------

fn event(
    conn: &mut PgConnection,
    incident_id: i64,
    at: DateTime<Utc>,
    kind: &str,
    actor: Option<i64>,
    details: serde_json::Value,
) -> QueryResult<()> {
    incident_events::insert(conn, incident_id, at, kind, actor, &details).map(drop)
}

/// Raises an alert event about an incident (its monitors are the scope), in
/// the caller's transaction, after the change it reports is written.
fn alert(
    conn: &mut PgConnection,
    event: AlertEvent,
    incident_id: i64,
    at: DateTime<Utc>,
    extra: serde_json::Value,
) -> QueryResult<()> {
    let monitor_ids = db::monitor_ids(conn, &[incident_id])?.remove(&incident_id).unwrap_or_default();
    alerts::raise(conn, Trigger { event, at, incident_id: Some(incident_id), monitor_ids: &monitor_ids, extra })
        .map(drop)
}

/// Creates a manual incident (ongoing at once) or a planned maintenance
/// (scheduled; started now if its window has begun).
pub fn create(
    conn: &mut PgConnection,
    actor_id: i64,
    input: NewIncident,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    let valid = validate(input, now)?;
    conn.transaction(|conn| {
        check_monitors_exist(conn, &valid.monitor_ids)?;
        let maintenance = valid.window.is_some();
        let row = db::insert(
            conn,
            &db::NewIncident {
                kind: valid.kind.as_str(),
                title: &valid.title,
                public_title: valid.public_title.as_deref(),
                details: &valid.details,
                impact: valid.impact.as_str(),
                state: if maintenance { "scheduled" } else { "ongoing" },
                monitor_id: None,
                started_at: (!maintenance).then_some(now),
                scheduled_start: valid.window.map(|w| w.0),
                scheduled_end: valid.window.map(|w| w.1),
                created_by: Some(actor_id),
                created_at: now,
                updated_at: now,
            },
            &valid.monitor_ids,
        )?;
        let kind = if maintenance { "scheduled" } else { "opened" };
        let mut details = json!({ "title": valid.title, "impact": valid.impact });
        if let Some((start, end)) = valid.window {
            details["scheduled_start"] = json!(start);
            details["scheduled_end"] = json!(end);
        }
        event(conn, row.id, now, kind, Some(actor_id), details)?;
        if maintenance {
            advance_maintenance(conn, now)?;
        } else {
            alert(conn, AlertEvent::IncidentCreated, row.id, now, json!({}))?;
        }
        get(conn, row.id)
    })
}

/// Changes title, public title, details, impact, the affected monitors or a
/// maintenance's window; each change goes on the timeline.
pub fn change(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    changes: IncidentChanges,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    let title = changes.title.as_deref().map(check_title).transpose()?;
    let public_title = changes.public_title.as_ref().map(|t| check_public_title(t.as_deref())).transpose()?;
    let details = changes.details.as_deref().map(|d| check_body("details", d, false)).transpose()?;
    let monitor_ids = changes.monitor_ids.map(check_monitor_ids).transpose()?;
    conn.transaction(|conn| {
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let kind = parse(&row.kind, IncidentKind::parse, IncidentKind::Manual);
        let state = parse(&row.state, IncidentState::parse, IncidentState::Ongoing);
        let mut set = db::IncidentChangeset::default();
        if let Some(title) = title.as_deref().filter(|t| *t != row.title) {
            event(conn, id, now, "title_changed", Some(actor_id), json!({ "from": row.title, "to": title }))?;
            set.title = Some(title);
        }
        if let Some(public) = public_title.as_ref().filter(|t| **t != row.public_title) {
            let details = json!({ "from": row.public_title, "to": public });
            event(conn, id, now, "public_title_changed", Some(actor_id), details)?;
            set.public_title = Some(public.as_deref());
        }
        if let Some(details) = details.as_deref().filter(|d| *d != row.details) {
            event(conn, id, now, "details_changed", Some(actor_id), json!({}))?;
            set.details = Some(details);
        }
        if let Some(impact) = changes.impact.filter(|i| i.as_str() != row.impact) {
            event(conn, id, now, "impact_changed", Some(actor_id), json!({ "from": row.impact, "to": impact }))?;
            set.impact = Some(impact.as_str());
        }
        let rescheduled = match (
            changes.scheduled_start.is_some() || changes.scheduled_end.is_some(),
            row.scheduled_start.zip(row.scheduled_end),
        ) {
            (false, _) => None,
            (true, None) => return Err(AppError::validation("scheduled_start", "Only a maintenance has a window.")),
            (true, Some(current)) => {
                let window = lifecycle::reschedule(state, current, changes.scheduled_start, changes.scheduled_end, now)
                    .map_err(window_error)?;
                (window != current).then_some((current, window))
            }
        };
        if let Some((from, to)) = rescheduled {
            let window = |(start, end): (DateTime<Utc>, DateTime<Utc>)| json!({ "start": start, "end": end });
            event(conn, id, now, "window_changed", Some(actor_id), json!({ "from": window(from), "to": window(to) }))?;
            set.scheduled_start = Some(to.0);
            set.scheduled_end = Some(to.1);
        }
        let mut moved_monitors = Vec::new();
        if let Some(wanted) = monitor_ids {
            if let Some(own) = row.monitor_id.filter(|own| !wanted.contains(own)) {
                let message = format!("A programmatic incident keeps its own monitor ({own}).");
                return Err(AppError::validation("monitor_ids", message));
            }
            check_monitors_exist(conn, &wanted)?;
            let current = db::monitor_ids(conn, &[id])?.remove(&id).unwrap_or_default();
            let added: Vec<i64> = wanted.iter().filter(|m| !current.contains(m)).copied().collect();
            let removed: Vec<i64> = current.iter().filter(|m| !wanted.contains(m)).copied().collect();
            if !added.is_empty() || !removed.is_empty() {
                db::set_monitors(conn, id, &wanted)?;
                let details = json!({ "added": added, "removed": removed });
                event(conn, id, now, "monitors_changed", Some(actor_id), details)?;
                moved_monitors = added.into_iter().chain(removed).collect();
            }
        }
        let touched = set.title.is_some()
            || set.public_title.is_some()
            || set.details.is_some()
            || set.impact.is_some()
            || set.scheduled_start.is_some();
        if touched || !moved_monitors.is_empty() {
            set.updated_at = Some(now);
            db::update(conn, id, &set)?;
        }
        if let Some(impact) = set.impact {
            let change = json!({ "impact_change": { "from": row.impact, "to": impact } });
            alert(conn, AlertEvent::ImpactChanged, id, now, change)?;
        }
        if kind == IncidentKind::Maintenance {
            // A window moved may start or end it now; monitors added to or
            // removed from a running one change status at once.
            if state == IncidentState::Ongoing && !moved_monitors.is_empty() {
                super::schedule::resettle(conn, &moved_monitors, now)?;
            }
            if rescheduled.is_some() {
                advance_maintenance(conn, now)?;
            }
        }
        get(conn, id)
    })
}

/// Resolves, reopens or cancels an incident for a team member.
pub fn act(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    action: ManualAction,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    conn.transaction(|conn| {
        // A programmatic incident's monitor is locked first, as the scheduler
        // does, so the two never wait for each other in opposite orders.
        let monitor_id = db::find(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?.monitor_id;
        let monitor = match monitor_id {
            Some(monitor_id) => super::db::schedule::lock_status(conn, monitor_id)?.map(|m| (monitor_id, m)),
            None => None,
        };
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let kind = parse(&row.kind, IncidentKind::parse, IncidentKind::Manual);
        let state = parse(&row.state, IncidentState::parse, IncidentState::Ongoing);
        let next = lifecycle::manual_transition(action, kind, state).map_err(|m| AppError::conflict(None, m))?;
        let (started, resolved, event_kind) = match action {
            ManualAction::Resolve => (row.started_at, Some(now), "resolved"),
            ManualAction::Reopen => (row.started_at, None, "reopened"),
            ManualAction::Cancel => (None, Some(now), "cancelled"),
        };
        let mut details = json!({ "automatically": false });
        if kind == IncidentKind::Programmatic
            && let Some((monitor_id, stored)) = &monitor
        {
            if action == ManualAction::Reopen && db::lock_ongoing_for_monitor(conn, *monitor_id)?.is_some() {
                return Err(AppError::conflict(
                    None,
                    "This monitor has another ongoing incident: reopen is not possible.",
                ));
            }
            // The person's decision is kept where the scheduler reads it.
            let status = MonitorStatus::parse(&stored.status).unwrap_or(MonitorStatus::Pending);
            let standing = lifecycle::standing_after(action, status);
            let closed = (standing == Standing::ClosedByPerson).then_some(now);
            super::db::schedule::set_outage_closed(conn, *monitor_id, closed)?;
            db::set_held_open(conn, id, standing == Standing::Reopened)?;
            details["monitor_status"] = json!(status);
            details["standing"] = json!(match standing {
                Standing::ClosedByPerson => "outage_closed",
                Standing::Reopened => "held_open",
                Standing::Clear | Standing::Ongoing => "automatic",
            });
        }
        db::set_state(conn, id, next.as_str(), started, resolved, now)?;
        event(conn, id, now, event_kind, Some(actor_id), details)?;
        if kind == IncidentKind::Maintenance {
            let monitor_ids = db::monitor_ids(conn, &[id])?.remove(&id).unwrap_or_default();
            super::schedule::resettle(conn, &monitor_ids, now)?;
        }
        match (action, kind) {
            (ManualAction::Resolve, IncidentKind::Maintenance) => {
                alert(conn, AlertEvent::MaintenanceCompleted, id, now, json!({}))?;
            }
            (ManualAction::Resolve, _) => alert(conn, AlertEvent::IncidentResolved, id, now, json!({}))?,
            (ManualAction::Reopen | ManualAction::Cancel, _) => {}
        }
        get(conn, id)
    })
}

pub fn add_comment(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Comment, AppError> {
    let (body, html) = body_and_html(body)?;
    conn.transaction(|conn| {
        db::lock(conn, incident_id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let id = incident_comments::insert(conn, incident_id, actor_id, &body, &html, now)?;
        event(conn, incident_id, now, "comment_added", Some(actor_id), json!({ "comment_id": id }))?;
        let row = incident_comments::find(conn, id)?.ok_or(AppError::Internal)?;
        Ok(to_comment(row))
    })
}

/// Locks a comment of `incident_id` (one of another incident is not found)
/// and returns its author.
fn lock_comment(conn: &mut PgConnection, incident_id: i64, comment_id: i64) -> Result<Option<i64>, AppError> {
    match incident_comments::lock(conn, comment_id)? {
        Some((incident, author)) if incident == incident_id => Ok(author),
        _ => Err(AppError::not_found("comment")),
    }
}

/// Edits a comment: only its author may.
pub fn edit_comment(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    comment_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Comment, AppError> {
    let (body, html) = body_and_html(body)?;
    conn.transaction(|conn| {
        if lock_comment(conn, incident_id, comment_id)? != Some(actor_id) {
            return Err(AppError::Forbidden);
        }
        incident_comments::edit(conn, comment_id, &body, &html, now)?;
        event(conn, incident_id, now, "comment_edited", Some(actor_id), json!({ "comment_id": comment_id }))?;
        let row = incident_comments::find(conn, comment_id)?.ok_or(AppError::Internal)?;
        Ok(to_comment(row))
    })
}

/// Deletes a comment: its author may, and an admin may delete anyone's
/// (the timeline says whose it was).
pub fn delete_comment(
    conn: &mut PgConnection,
    actor: &crate::model::User,
    incident_id: i64,
    comment_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let author = lock_comment(conn, incident_id, comment_id)?;
        let own = author == Some(actor.id);
        if !own && !actor.is_admin() {
            return Err(AppError::Forbidden);
        }
        let row = incident_comments::find(conn, comment_id)?.ok_or(AppError::Internal)?;
        incident_comments::delete(conn, comment_id)?;
        let mut details = json!({ "comment_id": comment_id });
        if !own {
            details["author"] = json!(row.author.map(|(_, name)| name));
        }
        event(conn, incident_id, now, "comment_deleted", Some(actor.id), details)?;
        Ok(())
    })
}

/// Publishes an update (at once: status pages read them); with `impact`,
/// sets the impact first, in the same transaction (while it is `unknown` the
/// public sees no update).
pub fn post_update(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    status: UpdateStatus,
    body: &str,
    impact: Option<Impact>,
    now: DateTime<Utc>,
) -> Result<IncidentUpdate, AppError> {
    let (body, html) = body_and_html(body)?;
    conn.transaction(|conn| {
        if impact.is_some() {
            change(conn, actor_id, incident_id, IncidentChanges { impact, ..Default::default() }, now)?;
        }
        let row = db::lock(conn, incident_id)?.ok_or_else(|| AppError::not_found("incident"))?;
        if row.state == IncidentState::Cancelled.as_str() {
            return Err(AppError::conflict(None, "This maintenance was cancelled."));
        }
        let id = incident_updates::insert(conn, incident_id, status.as_str(), &body, &html, actor_id, now)?;
        event(
            conn,
            incident_id,
            now,
            "update_published",
            Some(actor_id),
            json!({ "update_id": id, "status": status }),
        )?;
        let update = json!({ "update": { "id": id, "status": status, "body": body, "published_at": now } });
        alert(conn, AlertEvent::IncidentUpdatePublished, incident_id, now, update)?;
        updates(conn, incident_id)?.into_iter().find(|u| u.id == id).ok_or(AppError::Internal)
    })
}

/// Locks an update of `incident_id` (one of another incident is not found):
/// `(status, body)`.
fn lock_update(conn: &mut PgConnection, incident_id: i64, update_id: i64) -> Result<(String, String), AppError> {
    match incident_updates::lock(conn, update_id)? {
        Some((incident, status, body)) if incident == incident_id => Ok((status, body)),
        _ => Err(AppError::not_found("update")),
    }
}

/// Corrects a public update (its status, its text or both): it keeps its id
/// and publication time, is marked as edited, and feeds carry the new text
/// under the same id. Any team member may.
pub fn edit_update(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    update_id: i64,
    status: Option<UpdateStatus>,
    body: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IncidentUpdate, AppError> {
    let body = body.map(body_and_html).transpose()?;
    conn.transaction(|conn| {
        db::lock(conn, incident_id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let (old_status, old_body) = lock_update(conn, incident_id, update_id)?;
        let status = status.map_or(old_status.clone(), |s| s.as_str().to_owned());
        let (text, html) = match body {
            Some(pair) => pair,
            None => (old_body.clone(), markdown::render(&old_body)),
        };
        if status == old_status && text == old_body {
            return updates(conn, incident_id)?.into_iter().find(|u| u.id == update_id).ok_or(AppError::Internal);
        }
        incident_updates::edit(conn, update_id, &status, &text, &html, now)?;
        let mut details = json!({ "update_id": update_id });
        if status != old_status {
            details["status"] = json!({ "from": old_status, "to": status });
        }
        if text != old_body {
            details["text_changed"] = json!(true);
        }
        event(conn, incident_id, now, "update_edited", Some(actor_id), details)?;
        updates(conn, incident_id)?.into_iter().find(|u| u.id == update_id).ok_or(AppError::Internal)
    })
}

/// Withdraws a public update: it leaves every page and feed; the timeline
/// keeps that it was published and deleted.
pub fn delete_update(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    update_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        db::lock(conn, incident_id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let (status, _) = lock_update(conn, incident_id, update_id)?;
        incident_updates::delete(conn, update_id)?;
        event(
            conn,
            incident_id,
            now,
            "update_deleted",
            Some(actor_id),
            json!({ "update_id": update_id, "status": status }),
        )?;
        Ok(())
    })
}

// ---- the system's actions ----------------------------------------------------------

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
        (Transition::Record, Some(row)) => event(conn, row.id, at, "status_changed", None, record)?,
        (Transition::Resolve, Some(row)) => resolve_automatically(conn, row.id, at)?,
        _ => {}
    }
    if current.standing == Standing::ClosedByPerson && step.standing == Standing::Clear {
        super::db::schedule::set_outage_closed(conn, monitor.id, None)?;
    }
    if let (Standing::Reopened, Standing::Ongoing, Some(row)) = (current.standing, step.standing, current.ongoing) {
        db::set_held_open(conn, row.id, false)?;
    }
    Ok(())
}

/// Applies a monitor's status change to its programmatic incident, in the
/// caller's transaction (which holds the monitor's status row locked): opens
/// one when it goes down, notes other changes on it, resolves it when the
/// monitor is up again, and respects what people decided (see
/// [`lifecycle::on_status_change`]).
pub fn on_monitor_status(
    conn: &mut PgConnection,
    monitor: &Monitor,
    from: MonitorStatus,
    to: MonitorStatus,
    outage_closed: bool,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let ongoing = db::lock_ongoing_for_monitor(conn, monitor.id)?;
    let current = Current::of(ongoing.as_ref(), outage_closed);
    let step = lifecycle::on_status_change(from, to, current.standing);
    apply_step(conn, monitor, &current, step, at, json!({ "from": from, "to": to }), cause)
}

fn open_for(
    conn: &mut PgConnection,
    monitor: &Monitor,
    at: DateTime<Utc>,
    cause: Option<Cause<'_>>,
) -> QueryResult<()> {
    let regions_down: Vec<String> = super::db::schedule::region_reports(conn, monitor.id)?
        .into_iter()
        .filter(|(_, verdict, _)| *verdict == super::confirmation::RegionVerdict::Down)
        .map(|(name, _, _)| name)
        .collect();
    let title = format!("{} is down", monitor.name);
    let details = outage_details(monitor, cause, &regions_down);
    let opened = db::open_programmatic(
        conn,
        &db::NewIncident {
            kind: IncidentKind::Programmatic.as_str(),
            title: &title,
            public_title: None,
            details: &details,
            impact: Impact::Unknown.as_str(),
            state: IncidentState::Ongoing.as_str(),
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
        event(conn, row.id, at, "opened", None, details)?;
        tracing::info!(incident_id = row.id, monitor_id = monitor.id, "incident opened");
        alert(conn, AlertEvent::IncidentCreated, row.id, at, json!({}))?;
    }
    Ok(())
}

fn resolve_automatically(conn: &mut PgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    let row = db::lock(conn, id)?;
    let started = row.and_then(|r| r.started_at);
    db::set_state(conn, id, IncidentState::Resolved.as_str(), started, Some(at), at)?;
    event(conn, id, at, "resolved", None, json!({ "automatically": true }))?;
    tracing::info!(incident_id = id, "incident resolved automatically");
    alert(conn, AlertEvent::IncidentResolved, id, at, json!({}))?;
    Ok(())
}

/// Resolves the ongoing programmatic incident of a monitor about to be
/// deleted: nothing could ever resolve it afterwards.
pub fn on_monitor_deleted(conn: &mut PgConnection, monitor_id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    if let Some(row) = db::lock_ongoing_for_monitor(conn, monitor_id)? {
        db::set_state(conn, row.id, IncidentState::Resolved.as_str(), row.started_at, Some(now), now)?;
        event(conn, row.id, now, "resolved", None, json!({ "automatically": true, "reason": "monitor_deleted" }))?;
        alert(conn, AlertEvent::IncidentResolved, row.id, now, json!({}))?;
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
        let kind = if down { "region_down" } else { "region_up" };
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
            let state = parse(&row.state, IncidentState::parse, IncidentState::Scheduled);
            let Some(step) = lifecycle::maintenance_step(state, start, end, now) else { continue };
            // A window created after its start begins when it was created.
            let start = start.max(row.created_at);
            if matches!(step, MaintenanceStep::Start | MaintenanceStep::StartAndComplete) {
                db::set_state(conn, row.id, IncidentState::Ongoing.as_str(), Some(start), None, now)?;
                event(conn, row.id, start, "maintenance_started", None, json!({}))?;
                alert(conn, AlertEvent::MaintenanceStarted, row.id, start, json!({}))?;
            }
            if matches!(step, MaintenanceStep::Complete | MaintenanceStep::StartAndComplete) {
                db::set_state(conn, row.id, IncidentState::Resolved.as_str(), Some(start), Some(end), now)?;
                event(conn, row.id, end, "maintenance_completed", None, json!({}))?;
                alert(conn, AlertEvent::MaintenanceCompleted, row.id, end, json!({}))?;
            }
            let monitor_ids = db::monitor_ids(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
            super::schedule::resettle(conn, &monitor_ids, now)?;
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
    for monitor in super::schedule::load_monitors(conn, &ids)? {
        repaired += conn.transaction(|conn| {
            let Some(stored) = super::db::schedule::lock_status(conn, monitor.id)? else { return Ok(0) };
            let status = MonitorStatus::parse(&stored.status).unwrap_or(MonitorStatus::Pending);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    fn manual() -> NewIncident {
        NewIncident { title: "API errors".into(), monitor_ids: vec![2, 1, 2], ..Default::default() }
    }

    fn maintenance(start: i64, end: i64) -> NewIncident {
        NewIncident {
            kind: Some(IncidentKind::Maintenance),
            scheduled_start: Some(at(start)),
            scheduled_end: Some(at(end)),
            ..manual()
        }
    }

    #[test]
    fn new_incidents_take_defaults() {
        let valid = validate(manual(), at(0)).unwrap();
        assert_eq!(
            (valid.kind, valid.impact, valid.monitor_ids, valid.window),
            (IncidentKind::Manual, Impact::Unknown, vec![1, 2], None)
        );
        let valid = validate(maintenance(100, 200), at(0)).unwrap();
        assert_eq!((valid.impact, valid.window), (Impact::Maintenance, Some((at(100), at(200)))));
        assert!(validate(maintenance(-100, 200), at(0)).is_ok(), "a window that has begun is started at once");
    }

    #[test]
    fn bad_incidents_name_their_field() {
        let long = "x".repeat(BODY_MAX + 1);
        let cases = [
            (NewIncident { title: "  ".into(), ..manual() }, "title"),
            (NewIncident { title: "x".repeat(TITLE_MAX + 1), ..manual() }, "title"),
            (NewIncident { public_title: Some("x".repeat(TITLE_MAX + 1)), ..manual() }, "public_title"),
            (NewIncident { public_title: Some("a\u{7}b".into()), ..manual() }, "public_title"),
            (NewIncident { details: long, ..manual() }, "details"),
            (NewIncident { monitor_ids: vec![], ..manual() }, "monitor_ids"),
            (NewIncident { monitor_ids: (0..=MONITORS_MAX as i64).collect(), ..manual() }, "monitor_ids"),
            (NewIncident { kind: Some(IncidentKind::Programmatic), ..manual() }, "kind"),
            (NewIncident { scheduled_start: Some(at(1)), ..manual() }, "scheduled_start"),
            (NewIncident { scheduled_start: None, ..maintenance(1, 2) }, "scheduled_start"),
            (NewIncident { scheduled_end: None, ..maintenance(1, 2) }, "scheduled_end"),
            (maintenance(200, 100), "scheduled_end"),
            (maintenance(-200, -100), "scheduled_end"),
            (maintenance(0, 40 * 86_400), "scheduled_end"),
        ];
        for (input, field) in cases {
            let error = validate(input.clone(), at(0)).unwrap_err();
            assert_eq!(error.field(), Some(field), "{input:?}: {error}");
        }
    }

    #[test]
    fn bodies_have_a_limit_with_a_clear_error() {
        assert!(check_body("body", &"é".repeat(BODY_MAX), true).is_ok(), "characters, not bytes");
        let error = check_body("body", &"x".repeat(BODY_MAX + 5), true).unwrap_err();
        assert!(error.to_string().contains("20000"), "{error}");
        assert_eq!(check_body("body", " \n ", true).unwrap_err().field(), Some("body"));
    }
}
