//! Queries on `notifications`: the alert outbox.

use super::schema::notifications;
use crate::model::NotificationState;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub delivery_id: String,
    pub rule_id: Option<i64>,
    pub rule_name: String,
    pub channel_id: i64,
    pub event: String,
    pub incident_id: Option<i64>,
    pub payload: serde_json::Value,
    pub state: NotificationState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification<'a> {
    pub delivery_id: &'a str,
    pub rule_id: Option<i64>,
    pub rule_name: &'a str,
    pub channel_id: i64,
    pub event: &'a str,
    pub incident_id: Option<i64>,
    pub payload: &'a serde_json::Value,
    pub state: NotificationState,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub fn insert(conn: &mut PgConnection, row: &NewNotification<'_>) -> QueryResult<i64> {
    diesel::insert_into(notifications::table).values(row).returning(notifications::id).get_result(conn)
}

/// How many notifications a rule sent (or is sending) since `since`: what
/// its hourly limit counts.
pub fn sent_since(conn: &mut PgConnection, rule_id: i64, since: DateTime<Utc>) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::rule_id.eq(rule_id))
        .filter(notifications::created_at.ge(since))
        .filter(notifications::state.eq_any(["pending", "delivered", "failed"]))
        .count()
        .get_result(conn)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` pending notifications due at `now`, skipping rows
/// another process holds, and moves their next attempt to `lease_until`: if
/// this process dies while sending, they are due again then.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let claimed: Vec<Claimed> = diesel::sql_query(
        "WITH due AS ( \
             SELECT id FROM notifications \
             WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at LIMIT $3 \
             FOR UPDATE SKIP LOCKED) \
         UPDATE notifications n SET next_attempt_at = $2, attempts = n.attempts + 1 \
         FROM due WHERE n.id = due.id RETURNING n.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let ids: Vec<i64> = claimed.into_iter().map(|c| c.id).collect();
    notifications::table
        .filter(notifications::id.eq_any(ids))
        .order(notifications::id.asc())
        .select(NotificationRow::as_select())
        .load(conn)
}

/// When the next pending notification falls due.
pub fn next_due(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    notifications::table
        .filter(notifications::state.eq("pending"))
        .select(diesel::dsl::min(notifications::next_attempt_at))
        .first(conn)
}

pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<NotificationRow>> {
    notifications::table.find(id).select(NotificationRow::as_select()).for_update().first(conn).optional()
}

/// Records where a notification stands after an attempt.
pub fn set_state(
    conn: &mut PgConnection,
    id: i64,
    state: &str,
    next_attempt_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(notifications::table.find(id))
        .set((
            notifications::state.eq(state),
            notifications::next_attempt_at.eq(next_attempt_at),
            notifications::finished_at.eq(finished_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A channel's notifications, newest first.
pub fn for_channel(
    conn: &mut PgConnection,
    channel_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::channel_id.eq(channel_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<NotificationRow>> {
    notifications::table.find(id).select(NotificationRow::as_select()).first(conn).optional()
}

/// Wakes the dispatchers listening on `channel` once the transaction commits.
pub fn notify(conn: &mut PgConnection, channel: &str) -> QueryResult<usize> {
    diesel::sql_query("SELECT pg_notify($1, '')").bind::<diesel::sql_types::Text, _>(channel).execute(conn)
}
