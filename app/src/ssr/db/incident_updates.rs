//! Queries on `incident_updates`: public messages.

use super::schema::{incident_updates as updates, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable)]
pub struct UpdateRow {
    pub id: i64,
    pub incident_id: i64,
    pub status: String,
    pub body: String,
    pub body_html: String,
    pub author: Option<(i64, String)>,
    pub published_at: DateTime<Utc>,
}

pub fn insert(
    conn: &mut PgConnection,
    incident_id: i64,
    status: &str,
    body: &str,
    body_html: &str,
    author_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(updates::table)
        .values((
            updates::incident_id.eq(incident_id),
            updates::status.eq(status),
            updates::body.eq(body),
            updates::body_html.eq(body_html),
            updates::author_id.eq(author_id),
            updates::published_at.eq(now),
        ))
        .returning(updates::id)
        .get_result(conn)
}

/// An incident's updates, oldest first.
pub fn for_incident(conn: &mut PgConnection, incident_id: i64) -> QueryResult<Vec<UpdateRow>> {
    updates::table
        .left_join(users::table)
        .filter(updates::incident_id.eq(incident_id))
        .order((updates::published_at.asc(), updates::id.asc()))
        .select((
            updates::id,
            updates::incident_id,
            updates::status,
            updates::body,
            updates::body_html,
            (users::id, users::name).nullable(),
            updates::published_at,
        ))
        .load(conn)
}
