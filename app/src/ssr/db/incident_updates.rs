//! Queries on `incident_updates`: public messages. Each keeps its author's
//! name as it was then.

use super::incident_events::{name_of, who};
use super::schema::incident_updates as updates;
use crate::model::UpdateStatus;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct UpdateRow {
    pub id: i64,
    pub incident_id: i64,
    pub status: UpdateStatus,
    pub body: String,
    pub body_html: String,
    pub author: Option<(i64, String)>,
    pub published_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

pub fn insert(
    conn: &mut PgConnection,
    incident_id: i64,
    status: UpdateStatus,
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
            updates::author_name.eq(name_of(Some(author_id))),
            updates::published_at.eq(now),
        ))
        .returning(updates::id)
        .get_result(conn)
}

/// `(incident_id, status, body)` of an update, locked.
pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<(i64, UpdateStatus, String)>> {
    updates::table
        .find(id)
        .select((updates::incident_id, updates::status, updates::body))
        .for_update()
        .first(conn)
        .optional()
}

/// Corrects an update: same id, same publication time, marked as edited.
pub fn edit(
    conn: &mut PgConnection,
    id: i64,
    status: UpdateStatus,
    body: &str,
    body_html: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(updates::table.find(id))
        .set((
            updates::status.eq(status),
            updates::body.eq(body),
            updates::body_html.eq(body_html),
            updates::edited_at.eq(now),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(updates::table.find(id)).execute(conn)
}

/// An update as stored: the author's id and the name they had then.
#[derive(Queryable, Selectable)]
#[diesel(table_name = updates, check_for_backend(diesel::pg::Pg))]
struct Stored {
    id: i64,
    incident_id: i64,
    status: UpdateStatus,
    body: String,
    body_html: String,
    author_id: Option<i64>,
    author_name: Option<String>,
    published_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
}

/// An incident's updates, oldest first.
pub fn for_incident(conn: &mut PgConnection, incident_id: i64) -> QueryResult<Vec<UpdateRow>> {
    let rows: Vec<Stored> = updates::table
        .filter(updates::incident_id.eq(incident_id))
        .order((updates::published_at.asc(), updates::id.asc()))
        .select(Stored::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| UpdateRow {
            id: row.id,
            incident_id: row.incident_id,
            status: row.status,
            body: row.body,
            body_html: row.body_html,
            author: who(row.author_id, row.author_name),
            published_at: row.published_at,
            edited_at: row.edited_at,
        })
        .collect())
}
