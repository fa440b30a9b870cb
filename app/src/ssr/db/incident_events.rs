//! Queries on `incident_events`: the timeline. Each event keeps its actor's
//! name as it was then, so it stays after the member is removed.

use super::schema::{incident_events as events, users};
use crate::model::EventKind;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn insert(
    conn: &mut PgConnection,
    incident_id: i64,
    at: DateTime<Utc>,
    kind: EventKind,
    actor_id: Option<i64>,
    details: &serde_json::Value,
) -> QueryResult<usize> {
    diesel::insert_into(events::table)
        .values((
            events::incident_id.eq(incident_id),
            events::at.eq(at),
            events::kind.eq(kind),
            events::actor_id.eq(actor_id),
            events::actor_name.eq(name_of(actor_id)),
            events::details.eq(details),
        ))
        .execute(conn)
}

/// A member's name, looked up by id inside the statement.
type NameOf = diesel::dsl::SingleValue<
    diesel::dsl::Select<diesel::dsl::Filter<users::table, diesel::dsl::Eq<users::id, i64>>, users::name>,
>;

/// The current name of a member, as a subquery (`NULL` for the system).
pub fn name_of(user_id: Option<i64>) -> NameOf {
    users::table.filter(users::id.eq(user_id.unwrap_or(0))).select(users::name).single_value()
}

/// Who did something: `(id, name)` from the stored columns.
pub fn who(id: Option<i64>, name: Option<String>) -> Option<(i64, String)> {
    id.map(|id| (id, name.unwrap_or_else(|| "a former member".to_owned())))
}

/// `(id, at, kind, actor (id, name), details)`.
pub type EventRow = (i64, DateTime<Utc>, EventKind, Option<(i64, String)>, serde_json::Value);

/// An incident's timeline, oldest first.
pub fn for_incident(conn: &mut PgConnection, incident_id: i64) -> QueryResult<Vec<EventRow>> {
    type Loaded = (i64, DateTime<Utc>, EventKind, Option<i64>, Option<String>, serde_json::Value);
    let rows: Vec<Loaded> = events::table
        .filter(events::incident_id.eq(incident_id))
        .order((events::at.asc(), events::id.asc()))
        .select((events::id, events::at, events::kind, events::actor_id, events::actor_name, events::details))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, at, kind, actor, name, details)| (id, at, kind, who(actor, name), details)).collect())
}
