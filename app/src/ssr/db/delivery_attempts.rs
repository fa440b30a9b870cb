//! Queries on `delivery_attempts`: what each attempt to send a notification got.

use super::schema::delivery_attempts as attempts;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attempts)]
pub struct AttemptRow {
    pub notification_id: i64,
    pub at: DateTime<Utc>,
    pub duration_ms: i32,
    pub ok: bool,
    pub status_code: Option<i32>,
    pub reply: String,
    pub error: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
}

pub fn insert(conn: &mut PgConnection, row: &AttemptRow) -> QueryResult<()> {
    diesel::insert_into(attempts::table).values(row).execute(conn).map(drop)
}

/// The attempts of these notifications, oldest first, by notification.
pub fn for_notifications(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<AttemptRow>>> {
    let rows: Vec<AttemptRow> = attempts::table
        .filter(attempts::notification_id.eq_any(ids))
        .order((attempts::at.asc(), attempts::id.asc()))
        .select(AttemptRow::as_select())
        .load(conn)?;
    let mut by_id: HashMap<i64, Vec<AttemptRow>> = HashMap::new();
    for row in rows {
        by_id.entry(row.notification_id).or_default().push(row);
    }
    Ok(by_id)
}
