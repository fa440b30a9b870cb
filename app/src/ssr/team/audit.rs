//! The audit log: who changed the team's access and settings, from where.
//! Entries are written in the transaction of the change they record, so a
//! change that fails leaves no entry and a change never happens unrecorded.

use crate::error::AppError;
use crate::model::limits::{AUDIT_PAGE_MAX, AUDIT_RETENTION_DAYS};
use crate::model::{AuditAction, AuditList, AuditVia, User};
use crate::ssr::db::audit_events::{self, NewAuditEvent};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// What is kept of a subject or of the details (both are made by the server,
/// but may quote what someone typed, like the email of a failed sign-in).
const TEXT_MAX: usize = 300;
/// Entries deleted per statement when the retention period passes.
const PURGE_BATCH: i64 = 5_000;

/// Who is acting, as the audit log records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub via: AuditVia,
    pub address: Option<String>,
}

impl Actor {
    /// A signed-in member in the console.
    pub fn console(user: &User, address: &str) -> Self {
        Self::member(user, AuditVia::Console, address)
    }

    /// A member's API token.
    pub fn api(user: &User, address: &str) -> Self {
        Self::member(user, AuditVia::Api, address)
    }

    /// Someone at the server's command line.
    pub fn command_line() -> Self {
        Self { user_id: None, email: None, via: AuditVia::CommandLine, address: None }
    }

    /// Someone not signed in, at the sign-in form.
    pub fn visitor(address: &str) -> Self {
        Self { user_id: None, email: None, via: AuditVia::Console, address: Some(address.to_owned()) }
    }

    fn member(user: &User, via: AuditVia, address: &str) -> Self {
        Self { user_id: Some(user.id), email: Some(user.email.clone()), via, address: Some(address.to_owned()) }
    }
}

fn bounded(text: &str) -> &str {
    match text.char_indices().nth(TEXT_MAX) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Writes one entry, now.
pub fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    action: AuditAction,
    subject: &str,
    details: Option<&str>,
) -> QueryResult<()> {
    audit_events::insert(
        conn,
        &NewAuditEvent {
            at: Utc::now(),
            action,
            actor_id: actor.user_id,
            actor_email: actor.email.as_deref(),
            via: actor.via,
            address: actor.address.as_deref(),
            subject: bounded(subject),
            details: details.map(bounded),
        },
    )?;
    Ok(())
}

/// "name, url and secret": the fields whose flag is set, or `None`.
pub fn changed_fields(fields: &[(&str, bool)]) -> Option<String> {
    let changed: Vec<&str> = fields.iter().filter(|(_, changed)| *changed).map(|(name, _)| *name).collect();
    match changed.as_slice() {
        [] => None,
        [one] => Some(format!("changed {one}")),
        [init @ .., last] => Some(format!("changed {} and {last}", init.join(", "))),
    }
}

/// A page of the log, newest first: `limit` entries (at most
/// [`AUDIT_PAGE_MAX`]) older than the entry `before`.
pub fn list(
    conn: &mut PgConnection,
    before: Option<i64>,
    action: Option<AuditAction>,
    limit: u32,
) -> Result<AuditList, AppError> {
    let limit = limit.clamp(1, AUDIT_PAGE_MAX);
    let mut rows = audit_events::page(conn, before, action, i64::from(limit) + 1)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|row| row.id) } else { None };
    Ok(AuditList { items: rows.into_iter().map(audit_events::AuditRow::into_event).collect(), next })
}

/// Deletes the entries past the retention period, in batches so a large
/// backlog never holds one long transaction. Returns how many went.
pub fn purge(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let cutoff = now - Duration::days(AUDIT_RETENTION_DAYS);
    let mut deleted = 0;
    loop {
        let batch = audit_events::delete_batch_older_than(conn, cutoff, PURGE_BATCH)?;
        deleted += batch;
        if batch < PURGE_BATCH as usize {
            return Ok(deleted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_read_as_a_sentence() {
        assert_eq!(changed_fields(&[("name", false), ("url", false)]), None);
        assert_eq!(changed_fields(&[("name", true), ("url", false)]).as_deref(), Some("changed name"));
        assert_eq!(
            changed_fields(&[("name", true), ("url", true), ("secret", true)]).as_deref(),
            Some("changed name, url and secret")
        );
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(TEXT_MAX + 10);
        assert_eq!(bounded(&long).chars().count(), TEXT_MAX);
        assert_eq!(bounded("short"), "short");
    }
}
