//! Incidents. This module holds the team's actions (create, change,
//! resolve, reopen, cancel, comment, publish and correct updates) and what
//! they read; `reactions` holds the system's (open and resolve programmatic
//! incidents as monitors change, move maintenance through its window, repair
//! what a crash left half done); `lifecycle` holds the rules both follow, as
//! pure functions. Every change writes its timeline event in the same
//! transaction.

pub mod lifecycle;
pub mod reactions;

use self::lifecycle::{ManualAction, Standing};
use self::reactions::advance_maintenance;
use crate::error::AppError;
use crate::model::incident_limits::{BODY_MAX, MONITORS_MAX, PAGE_SIZE, TITLE_MAX};
use crate::model::{
    Actor, AffectedMonitor, AlertEvent, Comment, EventKind, Impact, Incident, IncidentChanges, IncidentCounts,
    IncidentDetails, IncidentEvent, IncidentKind, IncidentList, IncidentState, IncidentUpdate, NewIncident, NoticeKind,
    UpdateStatus,
};
use crate::ssr::alerts::{self, Trigger};
use crate::ssr::db::incidents::{self as db, IncidentRow};
use crate::ssr::db::{incident_comments, incident_events, incident_updates, monitors as monitor_rows};
use crate::ssr::status_pages::read_model::{Face, public_face};
use crate::ssr::status_pages::subscribers::tell_subscribers;
use crate::ssr::{markdown, text};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

// ---- reading ----------------------------------------------------------------

fn to_model(row: IncidentRow, monitor_ids: Vec<i64>) -> Incident {
    Incident {
        id: row.id,
        kind: row.kind,
        details_html: markdown::render(&row.details),
        title: row.title,
        public_title: row.public_title,
        details: row.details,
        impact: row.impact,
        state: row.state,
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
        status: row.status,
        body: row.body,
        body_html: row.body_html,
        author: actor(row.author),
        published_at: row.published_at,
        edited_at: row.edited_at,
    }
}

pub fn get(conn: &mut PgConnection, id: i64) -> Result<Incident, AppError> {
    let row = db::find(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
    with_monitors(conn, vec![row])?.pop().ok_or_else(|| AppError::internal("read back an incident"))
}

/// An incident with its monitors, timeline, comments and updates.
pub fn details(conn: &mut PgConnection, id: i64) -> Result<IncidentDetails, AppError> {
    let incident = get(conn, id)?;
    let monitors = monitor_rows::find_many(conn, &incident.monitor_ids)?
        .into_iter()
        .map(|m| AffectedMonitor { id: m.id, status: m.status, name: m.name })
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

/// The last page a list may ask for.
pub const PAGE_MAX: u32 = 100_000;

impl ListQuery {
    /// A list's filters as the REST API and the console send them (blank
    /// state or impact: any), each checked with its field named.
    pub fn new(
        state: Option<&str>,
        impact: Option<&str>,
        monitor_id: Option<i64>,
        page: u32,
    ) -> Result<Self, AppError> {
        if !(1..=PAGE_MAX).contains(&page) {
            return Err(AppError::validation("page", format!("Pages go from 1 to {PAGE_MAX}.")));
        }
        Ok(Self {
            state: text::chosen("state", state, IncidentState::parse)?,
            impact: text::chosen("impact", impact, Impact::parse)?,
            monitor_id,
            page,
        })
    }
}

pub fn list(conn: &mut PgConnection, query: &ListQuery) -> Result<IncidentList, AppError> {
    let page = query.page.max(1);
    let filter = db::Filter { state: query.state, impact: query.impact, monitor_id: query.monitor_id };
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
    text::required_line("title", title, TITLE_MAX, "Enter a title.")
}

/// A public title: blank means none (the title made for the public).
fn check_public_title(title: Option<&str>) -> Result<Option<String>, AppError> {
    Ok(title.map(|t| text::line("public_title", t, TITLE_MAX)).transpose()?.flatten())
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

pub(super) fn event(
    conn: &mut PgConnection,
    incident_id: i64,
    at: DateTime<Utc>,
    kind: EventKind,
    actor: Option<i64>,
    details: serde_json::Value,
) -> QueryResult<()> {
    incident_events::insert(conn, incident_id, at, kind, actor, &details).map(drop)
}

/// Raises an alert event about an incident (its monitors are the scope), in
/// the caller's transaction, after the change it reports is written.
pub(super) fn alert(
    conn: &mut PgConnection,
    event: AlertEvent,
    incident_id: i64,
    at: DateTime<Utc>,
    extra: serde_json::Value,
) -> QueryResult<()> {
    let monitor_ids = db::monitor_ids(conn, &[incident_id])?.remove(&incident_id).unwrap_or_default();
    alerts::raise(
        conn,
        Trigger { event, at, incident_id: Some(incident_id), monitor_ids: &monitor_ids, extra, held_by: None },
    )
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
                kind: valid.kind,
                title: &valid.title,
                public_title: valid.public_title.as_deref(),
                details: &valid.details,
                impact: valid.impact,
                state: if maintenance { IncidentState::Scheduled } else { IncidentState::Ongoing },
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
        let kind = if maintenance { EventKind::Scheduled } else { EventKind::Opened };
        let mut details = json!({ "title": valid.title, "impact": valid.impact });
        if let Some((start, end)) = valid.window {
            details["scheduled_start"] = json!(start);
            details["scheduled_end"] = json!(end);
        }
        event(conn, row.id, now, kind, Some(actor_id), details)?;
        if maintenance {
            advance_maintenance(conn, now)?;
            // One that starts at once is announced as started.
            if db::find(conn, row.id)?.is_some_and(|r| r.state == IncidentState::Scheduled) {
                tell_subscribers(conn, row.id, NoticeKind::MaintenanceScheduled, None, now)?;
            }
        } else {
            alert(conn, AlertEvent::IncidentCreated, row.id, now, json!({}))?;
            if public_face(valid.impact) == Face::Full {
                tell_subscribers(conn, row.id, NoticeKind::IncidentPublished, None, now)?;
            }
        }
        get(conn, row.id)
    })
}

/// Changes title, public title, details, impact, the affected monitors or a
/// maintenance's window; each change goes on the timeline. Subscribers are
/// told when the incident first gets a public impact, or a scheduled
/// maintenance moves.
pub fn change(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    changes: IncidentChanges,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    change_with(conn, actor_id, id, changes, now, true)
}

/// [`change`]; `tell` false leaves subscribers untold (an update told them).
fn change_with(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    changes: IncidentChanges,
    now: DateTime<Utc>,
    tell: bool,
) -> Result<Incident, AppError> {
    let title = changes.title.as_deref().map(check_title).transpose()?;
    let public_title = changes.public_title.as_ref().map(|t| check_public_title(t.as_deref())).transpose()?;
    let details = changes.details.as_deref().map(|d| check_body("details", d, false)).transpose()?;
    let monitor_ids = changes.monitor_ids.map(check_monitor_ids).transpose()?;
    conn.transaction(|conn| {
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let kind = row.kind;
        let state = row.state;
        let mut set = db::IncidentChangeset::default();
        if let Some(title) = title.as_deref().filter(|t| *t != row.title) {
            event(conn, id, now, EventKind::TitleChanged, Some(actor_id), json!({ "from": row.title, "to": title }))?;
            set.title = Some(title);
        }
        if let Some(public) = public_title.as_ref().filter(|t| **t != row.public_title) {
            let details = json!({ "from": row.public_title, "to": public });
            event(conn, id, now, EventKind::PublicTitleChanged, Some(actor_id), details)?;
            set.public_title = Some(public.as_deref());
        }
        if let Some(details) = details.as_deref().filter(|d| *d != row.details) {
            event(conn, id, now, EventKind::DetailsChanged, Some(actor_id), json!({}))?;
            set.details = Some(details);
        }
        if let Some(impact) = changes.impact.filter(|i| *i != row.impact) {
            event(
                conn,
                id,
                now,
                EventKind::ImpactChanged,
                Some(actor_id),
                json!({ "from": row.impact, "to": impact }),
            )?;
            set.impact = Some(impact);
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
            event(
                conn,
                id,
                now,
                EventKind::WindowChanged,
                Some(actor_id),
                json!({ "from": window(from), "to": window(to) }),
            )?;
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
                event(conn, id, now, EventKind::MonitorsChanged, Some(actor_id), details)?;
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
            let published = public_face(row.impact) != Face::Full && public_face(impact) == Face::Full;
            if tell && published && kind != IncidentKind::Maintenance && state == IncidentState::Ongoing {
                tell_subscribers(conn, id, NoticeKind::IncidentPublished, None, now)?;
            }
        }
        if kind == IncidentKind::Maintenance {
            // A window moved may start or end it now; monitors added to or
            // removed from a running one change status at once.
            if state == IncidentState::Ongoing && !moved_monitors.is_empty() {
                reactions::resettle(conn, &moved_monitors, now)?;
            }
            if rescheduled.is_some() {
                advance_maintenance(conn, now)?;
                if tell && db::find(conn, id)?.is_some_and(|r| r.state == IncidentState::Scheduled) {
                    tell_subscribers(conn, id, NoticeKind::MaintenanceChanged, None, now)?;
                }
            }
        }
        get(conn, id)
    })
}

/// Resolves, reopens or cancels an incident for a team member; subscribers
/// are told of a resolution or a cancellation.
pub fn act(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    action: ManualAction,
    now: DateTime<Utc>,
) -> Result<Incident, AppError> {
    act_with(conn, actor_id, id, action, now, true)
}

/// [`act`]; `tell` false leaves subscribers untold (an update told them).
pub fn act_with(
    conn: &mut PgConnection,
    actor_id: i64,
    id: i64,
    action: ManualAction,
    now: DateTime<Utc>,
    tell: bool,
) -> Result<Incident, AppError> {
    conn.transaction(|conn| {
        // A programmatic incident's monitor is locked first, as the scheduler
        // does, so the two never wait for each other in opposite orders.
        let monitor_id = db::find(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?.monitor_id;
        let monitor = match monitor_id {
            Some(monitor_id) => crate::ssr::db::schedule::lock_status(conn, monitor_id)?.map(|m| (monitor_id, m)),
            None => None,
        };
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("incident"))?;
        let kind = row.kind;
        let state = row.state;
        let next = lifecycle::manual_transition(action, kind, state).map_err(|m| AppError::conflict(None, m))?;
        let (started, resolved, event_kind) = match action {
            ManualAction::Resolve => (row.started_at, Some(now), EventKind::Resolved),
            ManualAction::Reopen => (row.started_at, None, EventKind::Reopened),
            ManualAction::Cancel => (None, Some(now), EventKind::Cancelled),
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
            let status = stored.status;
            let policy = lifecycle::Policy { degraded_opens: stored.degraded_incident };
            let standing = lifecycle::standing_after(action, status, policy);
            let closed = (standing == Standing::ClosedByPerson).then_some(now);
            crate::ssr::db::schedule::set_outage_closed(conn, *monitor_id, closed)?;
            db::set_held_open(conn, id, standing == Standing::Reopened)?;
            details["monitor_status"] = json!(status);
            details["standing"] = json!(match standing {
                Standing::ClosedByPerson => "outage_closed",
                Standing::Reopened => "held_open",
                Standing::Clear | Standing::Ongoing => "automatic",
            });
        }
        db::set_state(conn, id, next, started, resolved, now)?;
        event(conn, id, now, event_kind, Some(actor_id), details)?;
        if kind == IncidentKind::Maintenance {
            let monitor_ids = db::monitor_ids(conn, &[id])?.remove(&id).unwrap_or_default();
            reactions::resettle(conn, &monitor_ids, now)?;
        }
        match (action, kind) {
            (ManualAction::Resolve, IncidentKind::Maintenance) => {
                alert(conn, AlertEvent::MaintenanceCompleted, id, now, json!({}))?;
            }
            (ManualAction::Resolve, _) => alert(conn, AlertEvent::IncidentResolved, id, now, json!({}))?,
            (ManualAction::Reopen | ManualAction::Cancel, _) => {}
        }
        let notice = match (action, kind) {
            (ManualAction::Resolve, IncidentKind::Maintenance) => Some(NoticeKind::MaintenanceCompleted),
            (ManualAction::Resolve, _) => Some(NoticeKind::IncidentResolved),
            (ManualAction::Cancel, _) => Some(NoticeKind::MaintenanceCancelled),
            (ManualAction::Reopen, _) => None,
        };
        if let Some(notice) = notice.filter(|_| tell) {
            tell_subscribers(conn, id, notice, None, now)?;
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
        event(conn, incident_id, now, EventKind::CommentAdded, Some(actor_id), json!({ "comment_id": id }))?;
        let row = incident_comments::find(conn, id)?.ok_or_else(|| AppError::internal("read back a comment"))?;
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
        event(conn, incident_id, now, EventKind::CommentEdited, Some(actor_id), json!({ "comment_id": comment_id }))?;
        let row =
            incident_comments::find(conn, comment_id)?.ok_or_else(|| AppError::internal("read back a comment"))?;
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
        let row =
            incident_comments::find(conn, comment_id)?.ok_or_else(|| AppError::internal("read back a comment"))?;
        incident_comments::delete(conn, comment_id)?;
        let mut details = json!({ "comment_id": comment_id });
        if !own {
            details["author"] = json!(row.author.map(|(_, name)| name));
        }
        event(conn, incident_id, now, EventKind::CommentDeleted, Some(actor.id), details)?;
        Ok(())
    })
}

/// Publishes an update (at once: status pages read them); with `impact`,
/// sets the impact first, in the same transaction (while it is `unknown` the
/// public sees no update). With `notify`, the page's subscribers are told
/// (one message, also when the impact became public with it).
#[allow(clippy::too_many_arguments)]
pub fn post_update(
    conn: &mut PgConnection,
    actor_id: i64,
    incident_id: i64,
    status: UpdateStatus,
    body: &str,
    impact: Option<Impact>,
    notify: bool,
    now: DateTime<Utc>,
) -> Result<IncidentUpdate, AppError> {
    let (body, html) = body_and_html(body)?;
    conn.transaction(|conn| {
        if impact.is_some() {
            let changes = IncidentChanges { impact, ..Default::default() };
            change_with(conn, actor_id, incident_id, changes, now, false)?;
        }
        let row = db::lock(conn, incident_id)?.ok_or_else(|| AppError::not_found("incident"))?;
        if row.state == IncidentState::Cancelled {
            return Err(AppError::conflict(None, "This maintenance was cancelled."));
        }
        let id = incident_updates::insert(conn, incident_id, status, &body, &html, actor_id, now)?;
        event(
            conn,
            incident_id,
            now,
            EventKind::UpdatePublished,
            Some(actor_id),
            json!({ "update_id": id, "status": status, "subscribers_notified": notify }),
        )?;
        let update = json!({ "update": { "id": id, "status": status, "body": body, "published_at": now } });
        alert(conn, AlertEvent::IncidentUpdatePublished, incident_id, now, update)?;
        if notify {
            tell_subscribers(conn, incident_id, NoticeKind::IncidentUpdated, Some(id), now)?;
        }
        updates(conn, incident_id)?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| AppError::internal("read back an update"))
    })
}

/// Locks an update of `incident_id` (one of another incident is not found):
/// `(status, body)`.
fn lock_update(conn: &mut PgConnection, incident_id: i64, update_id: i64) -> Result<(UpdateStatus, String), AppError> {
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
        let status = status.unwrap_or(old_status);
        let (text, html) = match body {
            Some(pair) => pair,
            None => (old_body.clone(), markdown::render(&old_body)),
        };
        if status == old_status && text == old_body {
            return updates(conn, incident_id)?
                .into_iter()
                .find(|u| u.id == update_id)
                .ok_or_else(|| AppError::internal("read back an update"));
        }
        incident_updates::edit(conn, update_id, status, &text, &html, now)?;
        let mut details = json!({ "update_id": update_id });
        if status != old_status {
            details["status"] = json!({ "from": old_status, "to": status });
        }
        if text != old_body {
            details["text_changed"] = json!(true);
        }
        event(conn, incident_id, now, EventKind::UpdateEdited, Some(actor_id), details)?;
        updates(conn, incident_id)?
            .into_iter()
            .find(|u| u.id == update_id)
            .ok_or_else(|| AppError::internal("read back an update"))
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
            EventKind::UpdateDeleted,
            Some(actor_id),
            json!({ "update_id": update_id, "status": status }),
        )?;
        Ok(())
    })
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
