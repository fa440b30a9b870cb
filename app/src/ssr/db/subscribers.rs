//! Queries on `subscribers` and `subscriber_links`.

use super::schema::{subscriber_links as links, subscribers};
use crate::model::{SubscriberKind, SubscriberState};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = subscribers)]
pub struct SubscriberRow {
    pub id: i64,
    pub page_id: i64,
    pub kind: SubscriberKind,
    pub address: String,
    pub monitor_ids: Option<Vec<i64>>,
    pub state: SubscriberState,
    pub confirm_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = subscribers)]
pub struct NewSubscriber<'a> {
    pub page_id: i64,
    pub kind: SubscriberKind,
    pub address: &'a str,
    pub monitor_ids: Option<&'a [i64]>,
    pub state: SubscriberState,
    pub confirm_hash: Option<&'a [u8]>,
    pub confirm_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The subscription of this address to this page, locked for the caller's transaction.
pub fn lock_by_address(
    conn: &mut PgConnection,
    page_id: i64,
    kind: SubscriberKind,
    address: &str,
) -> QueryResult<Option<SubscriberRow>> {
    subscribers::table
        .filter(subscribers::page_id.eq(page_id))
        .filter(subscribers::kind.eq(kind))
        .filter(subscribers::address.eq(address))
        .select(SubscriberRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Inserts a subscription; `None` when the address is already subscribed
/// (a concurrent request won).
pub fn insert(conn: &mut PgConnection, new: &NewSubscriber<'_>) -> QueryResult<Option<SubscriberRow>> {
    diesel::insert_into(subscribers::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(SubscriberRow::as_returning())
        .get_result(conn)
        .optional()
}

/// A new confirmation link for a pending subscription (and what it follows).
pub fn reissue_confirmation(
    conn: &mut PgConnection,
    id: i64,
    monitor_ids: Option<&[i64]>,
    confirm_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(subscribers::table.find(id))
        .set((
            subscribers::monitor_ids.eq(monitor_ids),
            subscribers::state.eq(SubscriberState::Pending),
            subscribers::confirm_hash.eq(confirm_hash),
            subscribers::confirm_sent_at.eq(now),
        ))
        .execute(conn)
}

/// Confirms the pending subscription whose link was sent after `since`.
pub fn confirm(
    conn: &mut PgConnection,
    confirm_hash: &[u8],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<Option<SubscriberRow>> {
    diesel::update(
        subscribers::table
            .filter(subscribers::confirm_hash.eq(confirm_hash))
            .filter(subscribers::state.eq(SubscriberState::Pending))
            .filter(subscribers::confirm_sent_at.gt(since)),
    )
    .set((
        subscribers::state.eq(SubscriberState::Confirmed),
        subscribers::confirm_hash.eq(None::<Vec<u8>>),
        subscribers::confirmed_at.eq(now),
    ))
    .returning(SubscriberRow::as_returning())
    .get_result(conn)
    .optional()
}

pub fn insert_link(
    conn: &mut PgConnection,
    subscriber_id: i64,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::insert_into(links::table)
        .values((links::token_hash.eq(token_hash), links::subscriber_id.eq(subscriber_id), links::created_at.eq(now)))
        .execute(conn)
}

/// The subscription a link's token belongs to.
pub fn find_by_link(conn: &mut PgConnection, token_hash: &[u8]) -> QueryResult<Option<SubscriberRow>> {
    links::table
        .inner_join(subscribers::table)
        .filter(links::token_hash.eq(token_hash))
        .select(SubscriberRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_monitors(conn: &mut PgConnection, id: i64, monitor_ids: Option<&[i64]>) -> QueryResult<usize> {
    diesel::update(subscribers::table.find(id)).set(subscribers::monitor_ids.eq(monitor_ids)).execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(subscribers::table.find(id)).execute(conn)
}

/// Forgets the pending subscriptions whose link was sent before `before`.
pub fn delete_unconfirmed(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        subscribers::table
            .filter(subscribers::state.eq(SubscriberState::Pending))
            .filter(subscribers::confirm_sent_at.lt(before)),
    )
    .execute(conn)
}

/// Stores the links of several messages at once: `(token hash, subscriber)`.
pub fn insert_links(conn: &mut PgConnection, rows: &[(Vec<u8>, i64)], now: DateTime<Utc>) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|(hash, subscriber_id)| {
            (links::token_hash.eq(hash), links::subscriber_id.eq(*subscriber_id), links::created_at.eq(now))
        })
        .collect();
    diesel::insert_into(links::table).values(values).execute(conn)
}

/// Forgets links made before `before` (their messages are that old), at
/// most `limit`; returns how many.
pub fn delete_links_older_than(conn: &mut PgConnection, before: DateTime<Utc>, limit: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM subscriber_links WHERE token_hash IN ( \
             SELECT token_hash FROM subscriber_links WHERE created_at < $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
}

/// The pending subscription a confirmation link was sent for after `since`.
pub fn find_pending(
    conn: &mut PgConnection,
    confirm_hash: &[u8],
    since: DateTime<Utc>,
) -> QueryResult<Option<SubscriberRow>> {
    subscribers::table
        .filter(subscribers::confirm_hash.eq(confirm_hash))
        .filter(subscribers::state.eq(SubscriberState::Pending))
        .filter(subscribers::confirm_sent_at.gt(since))
        .select(SubscriberRow::as_select())
        .first(conn)
        .optional()
}

/// A page's subscribers, newest first: those before `before` (an id),
/// whose address contains `search` (case-insensitive), in `state`.
pub fn page_of_list(
    conn: &mut PgConnection,
    page_id: i64,
    search: Option<&str>,
    state: Option<SubscriberState>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<SubscriberRow>> {
    let mut query = subscribers::table
        .filter(subscribers::page_id.eq(page_id))
        .order(subscribers::id.desc())
        .limit(limit)
        .select(SubscriberRow::as_select())
        .into_boxed();
    if let Some(search) = search {
        query = query.filter(subscribers::address.ilike(super::contains_pattern(search)));
    }
    if let Some(state) = state {
        query = query.filter(subscribers::state.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(subscribers::id.lt(before));
    }
    query.load(conn)
}

/// `(state, count)` of a page's subscribers.
pub fn counts(conn: &mut PgConnection, page_id: i64) -> QueryResult<Vec<(SubscriberState, i64)>> {
    subscribers::table
        .filter(subscribers::page_id.eq(page_id))
        .group_by(subscribers::state)
        .select((subscribers::state, diesel::dsl::count_star()))
        .load(conn)
}

/// A subscriber of this page.
pub fn find_in_page(conn: &mut PgConnection, page_id: i64, id: i64) -> QueryResult<Option<SubscriberRow>> {
    subscribers::table
        .filter(subscribers::page_id.eq(page_id))
        .filter(subscribers::id.eq(id))
        .select(SubscriberRow::as_select())
        .first(conn)
        .optional()
}

/// Every subscriber of a page, oldest first, `limit` after `after` (an id).
pub fn all_after(conn: &mut PgConnection, page_id: i64, after: i64, limit: i64) -> QueryResult<Vec<SubscriberRow>> {
    subscribers::table
        .filter(subscribers::page_id.eq(page_id))
        .filter(subscribers::id.gt(after))
        .order(subscribers::id.asc())
        .limit(limit)
        .select(SubscriberRow::as_select())
        .load(conn)
}
