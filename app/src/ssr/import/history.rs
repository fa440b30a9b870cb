//! Past incidents written as they were: their times, impact, state and
//! public updates, linked to monitors. Nothing is alerted and no subscriber
//! is told (it is history); the timeline says where each came from.

use crate::model::{EventKind, Impact, IncidentKind, IncidentState, UpdateStatus};
use crate::ssr::db::incident_events;
use crate::ssr::db::incidents::{self, NewIncident};
use crate::ssr::db::schema::incident_updates as updates;
use crate::ssr::markdown;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct PastIncident {
    pub title: String,
    /// A maintenance's window; `None` for an incident.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub impact: Impact,
    pub state: IncidentState,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub monitor_ids: Vec<i64>,
    pub updates: Vec<PastUpdate>,
    /// Where it comes from, for the timeline: `Statuspage incident p31zjtct2jer`.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastUpdate {
    pub status: UpdateStatus,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// Writes one past incident and its updates; answers its id.
pub fn write(conn: &mut PgConnection, past: &PastIncident) -> QueryResult<i64> {
    let maintenance = past.window.is_some();
    let row = incidents::insert(
        conn,
        &NewIncident {
            kind: if maintenance { IncidentKind::Maintenance } else { IncidentKind::Manual },
            title: &past.title,
            public_title: None,
            details: "",
            impact: past.impact,
            state: past.state,
            monitor_id: None,
            started_at: past.started_at,
            scheduled_start: past.window.map(|w| w.0),
            scheduled_end: past.window.map(|w| w.1),
            created_by: None,
            created_at: past.created_at,
            updated_at: past.resolved_at.or(past.updates.last().map(|u| u.at)).unwrap_or(past.created_at),
        },
        &past.monitor_ids,
    )?;
    if past.resolved_at.is_some() {
        diesel::update(crate::ssr::db::schema::incidents::table.find(row.id))
            .set(crate::ssr::db::schema::incidents::resolved_at.eq(past.resolved_at))
            .execute(conn)?;
    }
    let mut details = json!({ "title": past.title, "impact": past.impact, "imported_from": past.origin });
    if let Some((start, end)) = past.window {
        details["scheduled_start"] = json!(start);
        details["scheduled_end"] = json!(end);
    }
    let opened = if maintenance { EventKind::Scheduled } else { EventKind::Opened };
    incident_events::insert(conn, row.id, past.created_at, opened, None, &details)?;
    let values: Vec<_> = past
        .updates
        .iter()
        .map(|update| {
            (
                updates::incident_id.eq(row.id),
                updates::status.eq(update.status),
                updates::body.eq(&update.body),
                updates::body_html.eq(markdown::render(&update.body)),
                updates::published_at.eq(update.at),
            )
        })
        .collect();
    if !values.is_empty() {
        diesel::insert_into(updates::table).values(values).execute(conn)?;
    }
    let closing = match past.state {
        IncidentState::Resolved if maintenance => Some(EventKind::MaintenanceCompleted),
        IncidentState::Resolved => Some(EventKind::Resolved),
        IncidentState::Cancelled => Some(EventKind::Cancelled),
        _ => None,
    };
    if let (Some(kind), Some(at)) = (closing, past.resolved_at) {
        incident_events::insert(conn, row.id, at, kind, None, &json!({ "imported_from": past.origin }))?;
    }
    Ok(row.id)
}
