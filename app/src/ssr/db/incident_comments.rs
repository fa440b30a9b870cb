//! Queries on `incident_comments`: the team's private notes. Nothing behind
//! a public surface may call these.

use super::schema::{incident_comments as comments, users};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable)]
pub struct CommentRow {
    pub id: i64,
    pub incident_id: i64,
    pub author: Option<(i64, String)>,
    pub body: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

type Columns = (
    comments::id,
    comments::incident_id,
    diesel::dsl::Nullable<(users::id, users::name)>,
    comments::body,
    comments::body_html,
    comments::created_at,
    comments::edited_at,
);

fn columns() -> Columns {
    (
        comments::id,
        comments::incident_id,
        (users::id, users::name).nullable(),
        comments::body,
        comments::body_html,
        comments::created_at,
        comments::edited_at,
    )
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
            comments::body.eq(body),
            comments::body_html.eq(body_html),
            comments::created_at.eq(now),
        ))
        .returning(comments::id)
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CommentRow>> {
    comments::table.left_join(users::table).filter(comments::id.eq(id)).select(columns()).first(conn).optional()
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
    comments::table
        .left_join(users::table)
        .filter(comments::incident_id.eq(incident_id))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(columns())
        .load(conn)
}
