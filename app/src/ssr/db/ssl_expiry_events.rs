//! Queries on `ssl_expiry_events`: certificates seen expiring soon.

use super::schema::ssl_expiry_events as events;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Records that a monitor's certificate expires at `expires_at`, unless it
/// was already recorded. Returns whether this is the first time.
pub fn raise(
    conn: &mut PgConnection,
    monitor_id: i64,
    region_id: i64,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(events::table)
        .values((
            events::monitor_id.eq(monitor_id),
            events::region_id.eq(region_id),
            events::expires_at.eq(expires_at),
            events::raised_at.eq(now),
        ))
        .on_conflict((events::monitor_id, events::expires_at))
        .do_nothing()
        .execute(conn)?;
    Ok(inserted > 0)
}

/// Certificates warned of that expire after `since`, soonest first:
/// `(monitor id, name, expires_at)`.
pub fn expiring_after(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, DateTime<Utc>)>> {
    use super::schema::monitors;
    events::table
        .inner_join(monitors::table)
        .filter(events::expires_at.gt(since))
        .order((events::expires_at.asc(), events::id.asc()))
        .limit(limit)
        .select((monitors::id, monitors::name, events::expires_at))
        .load(conn)
}

/// `(expires_at, raised_at)` of a monitor's warnings, newest first.
pub fn for_monitor(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    events::table
        .filter(events::monitor_id.eq(monitor_id))
        .order(events::raised_at.desc())
        .select((events::expires_at, events::raised_at))
        .load(conn)
}
