//! Queries on `incident_comments`: the team's private notes. Nothing behind
//! a public surface may call these.

use super::incident_events::{name_of, who};
use super::schema::incident_comments as comments;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub incident_id: i64,
    pub author: Option<(i64, String)>,
    pub body: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// A comment as stored: the author's id and the name they had then.
#[derive(Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::pg::Pg))]
struct Stored {
    id: i64,
    incident_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    body: String,
    body_html: String,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
}

impl From<Stored> for CommentRow {
    fn from(row: Stored) -> Self {
        Self {
            id: row.id,
            incident_id: row.incident_id,
            author: who(row.author_id, row.author_name),
            body: row.body,
            body_html: row.body_html,
            created_at: row.created_at,
            edited_at: row.edited_at,
        }
    }
}

pub fn insert(
    conn: &mut PgConnection,
    incident_id: i64,
    author_id: i64,
    body: &str,
    body_html: &str,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(comments::table)
        .values((
            comments::incident_id.eq(incident_id),
            comments::author_id.eq(author_id),
            comments::author_name.eq(name_of(Some(author_id))),
            comments::body.eq(body),
            comments::body_html.eq(body_html),
            comments::created_at.eq(now),
        ))
        .returning(comments::id)
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CommentRow>> {
    let row: Option<Stored> = comments::table.find(id).select(Stored::as_select()).first(conn).optional()?;
    Ok(row.map(CommentRow::from))
}

/// `(incident_id, author_id)` of a comment, locked.
pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<(i64, Option<i64>)>> {
    comments::table.find(id).select((comments::incident_id, comments::author_id)).for_update().first(conn).optional()
}

pub fn edit(conn: &mut PgConnection, id: i64, body: &str, body_html: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(comments::table.find(id))
        .set((comments::body.eq(body), comments::body_html.eq(body_html), comments::edited_at.eq(now)))
        .execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(comments::table.find(id)).execute(conn)
}

/// An incident's comments, oldest first.
pub fn for_incident(conn: &mut PgConnection, incident_id: i64) -> QueryResult<Vec<CommentRow>> {
    let rows: Vec<Stored> = comments::table
        .filter(comments::incident_id.eq(incident_id))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(Stored::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(CommentRow::from).collect())
}
