//! Queries on `login_failures`: the memory of the rate limits (sign-in,
//! and subscribing to a status page).

use super::schema::login_failures;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub const SCOPE_ACCOUNT: &str = "account";
pub const SCOPE_ADDRESS: &str = "address";
pub const SCOPE_SUBSCRIBE_ADDRESS: &str = "subscribe_address";
pub const SCOPE_SUBSCRIBE_EMAIL: &str = "subscribe_email";

pub fn record(conn: &mut PgConnection, scope: &str, key: &str, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::scope.eq(scope), login_failures::key.eq(key), login_failures::failed_at.eq(at)))
        .execute(conn)
}

/// The newest `limit` failures for a key since `since`, newest first.
pub fn recent(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<DateTime<Utc>>> {
    login_failures::table
        .filter(login_failures::scope.eq(scope))
        .filter(login_failures::key.eq(key))
        .filter(login_failures::failed_at.gt(since))
        .order(login_failures::failed_at.desc())
        .limit(limit)
        .select(login_failures::failed_at)
        .load(conn)
}

pub fn clear(conn: &mut PgConnection, scope: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::scope.eq(scope)).filter(login_failures::key.eq(key)))
        .execute(conn)
}

pub fn delete_older_than(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before))).execute(conn)
}
