//! Queries on `incident_events`: the timeline.

use super::schema::{incident_events as events, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn insert(
    conn: &mut PgConnection,
    incident_id: i64,
    at: DateTime<Utc>,
    kind: &str,
    actor_id: Option<i64>,
    details: &serde_json::Value,
) -> QueryResult<usize> {
    diesel::insert_into(events::table)
        .values((
            events::incident_id.eq(incident_id),
            events::at.eq(at),
            events::kind.eq(kind),
            events::actor_id.eq(actor_id),
            events::details.eq(details),
        ))
        .execute(conn)
}

/// `(id, at, kind, actor (id, name), details)`.
pub type EventRow = (i64, DateTime<Utc>, String, Option<(i64, String)>, serde_json::Value);

/// An incident's timeline, oldest first.
pub fn for_incident(conn: &mut PgConnection, incident_id: i64) -> QueryResult<Vec<EventRow>> {
    events::table
        .left_join(users::table)
        .filter(events::incident_id.eq(incident_id))
        .order((events::at.asc(), events::id.asc()))
        .select((events::id, events::at, events::kind, (users::id, users::name).nullable(), events::details))
        .load(conn)
}
