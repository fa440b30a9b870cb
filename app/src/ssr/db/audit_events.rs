//! Queries on `audit_events`: written once, read newest first, dropped after
//! the retention period.

use super::schema::audit_events;
use crate::model::{AuditAction, AuditEvent, AuditVia};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub via: AuditVia,
    pub address: Option<String>,
    pub subject: String,
    pub details: Option<String>,
}

impl AuditRow {
    pub fn into_event(self) -> AuditEvent {
        AuditEvent {
            id: self.id,
            at: self.at,
            action: self.action,
            actor_id: self.actor_id,
            actor_email: self.actor_email,
            via: self.via,
            address: self.address,
            subject: self.subject,
            details: self.details,
        }
    }
}

#[derive(Insertable, Debug)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor_id: Option<i64>,
    pub actor_email: Option<&'a str>,
    pub via: AuditVia,
    pub address: Option<&'a str>,
    pub subject: &'a str,
    pub details: Option<&'a str>,
}

pub fn insert(conn: &mut PgConnection, event: &NewAuditEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(audit_events::table).values(event).execute(conn)
}

/// Up to `limit` entries older than the entry `before` (all when `None`),
/// of one action when given, newest first.
pub fn page(
    conn: &mut PgConnection,
    before: Option<i64>,
    action: Option<AuditAction>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query =
        audit_events::table.select(AuditRow::as_select()).order(audit_events::id.desc()).limit(limit).into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    if let Some(action) = action {
        query = query.filter(audit_events::action.eq(action));
    }
    query.load(conn)
}

/// Deletes at most `batch` entries from before `cutoff`; returns how many.
pub fn delete_batch_older_than(conn: &mut PgConnection, cutoff: DateTime<Utc>, batch: i64) -> QueryResult<usize> {
    // Raw SQL: diesel's delete takes no subquery on its own table with a limit.
    diesel::sql_query("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 LIMIT $2)")
        .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
        .bind::<diesel::sql_types::BigInt, _>(batch)
        .execute(conn)
}
