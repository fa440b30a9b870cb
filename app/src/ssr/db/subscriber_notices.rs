//! Queries on `subscriber_notices` and `subscriber_deliveries`: what pages
//! published for their subscribers, and each message to each subscriber.

use super::schema::{subscriber_deliveries as deliveries, subscriber_notices as notices, subscribers};
use super::subscribers::SubscriberRow;
use crate::model::{NoticeKind, SubscriberDeliveryState, SubscriberState};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: i64,
    pub page_id: i64,
    /// None for a component's notice.
    pub incident_id: Option<i64>,
    pub kind: NoticeKind,
    pub update_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub content: Option<serde_json::Value>,
    pub fanned_out_to: i64,
    pub fanned_out_at: Option<DateTime<Utc>>,
}

/// Records `kind` about an incident for every published page that allows
/// subscriptions, shows one of the incident's monitors and has confirmed
/// subscribers: a few rows, however many subscribers there are.
pub fn announce(
    conn: &mut PgConnection,
    incident_id: i64,
    kind: NoticeKind,
    update_id: Option<i64>,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO subscriber_notices (page_id, incident_id, kind, update_id, created_at) \
         SELECT p.id, $1, $2, $3, $4 FROM status_pages p \
         WHERE p.published AND p.allow_subscriptions \
           AND EXISTS (SELECT 1 FROM status_page_components c \
                       JOIN incident_monitors im ON im.monitor_id = c.monitor_id \
                       WHERE c.page_id = p.id AND im.incident_id = $1) \
           AND EXISTS (SELECT 1 FROM subscribers s WHERE s.page_id = p.id AND s.state = 'confirmed')",
    )
    .bind::<BigInt, _>(incident_id)
    .bind::<Text, _>(kind.as_str())
    .bind::<Nullable<BigInt>, _>(update_id)
    .bind::<Timestamptz, _>(at)
    .execute(conn)
}

/// Records a notice whose message is already written (a component's).
pub fn insert_written(
    conn: &mut PgConnection,
    page_id: i64,
    kind: NoticeKind,
    content: &serde_json::Value,
    at: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(notices::table)
        .values((
            notices::page_id.eq(page_id),
            notices::kind.eq(kind),
            notices::content.eq(content),
            notices::created_at.eq(at),
        ))
        .returning(notices::id)
        .get_result(conn)
}

/// Published pages that take subscriptions and have a confirmed webhook subscriber.
pub fn pages_with_webhooks(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    use super::schema::status_pages as pages;
    pages::table
        .filter(pages::published.eq(true))
        .filter(pages::allow_subscriptions.eq(true))
        .filter(diesel::dsl::exists(
            subscribers::table
                .filter(subscribers::page_id.eq(pages::id))
                .filter(subscribers::kind.eq("webhook"))
                .filter(subscribers::state.eq(SubscriberState::Confirmed)),
        ))
        .select(pages::id)
        .load(conn)
}

/// The component states last told on a page, locked: `(monitor, status)`.
pub fn lock_component_states(conn: &mut PgConnection, page_id: i64) -> QueryResult<Vec<(i64, String)>> {
    use super::schema::subscriber_component_states as states;
    states::table
        .filter(states::page_id.eq(page_id))
        .select((states::monitor_id, states::status))
        .for_update()
        .load(conn)
}

/// Records the state told of a component.
pub fn set_component_state(
    conn: &mut PgConnection,
    page_id: i64,
    monitor_id: i64,
    status: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    use super::schema::subscriber_component_states as states;
    diesel::insert_into(states::table)
        .values((
            states::page_id.eq(page_id),
            states::monitor_id.eq(monitor_id),
            states::status.eq(status),
            states::changed_at.eq(at),
        ))
        .on_conflict((states::page_id, states::monitor_id))
        .do_update()
        .set((states::status.eq(status), states::changed_at.eq(at)))
        .execute(conn)
}

/// The oldest notice not yet fanned out that no other process holds,
/// locked for the caller's transaction.
pub fn lock_unfanned(conn: &mut PgConnection) -> QueryResult<Option<NoticeRow>> {
    notices::table
        .filter(notices::fanned_out_at.is_null())
        .order(notices::id.asc())
        .select(NoticeRow::as_select())
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()
}

pub fn set_content(conn: &mut PgConnection, id: i64, content: &serde_json::Value) -> QueryResult<usize> {
    diesel::update(notices::table.find(id)).set(notices::content.eq(content)).execute(conn)
}

/// Marks a notice done without messages (nothing public to say any more).
pub fn drop_notice(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(notices::table.find(id)).set(notices::fanned_out_at.eq(now)).execute(conn)
}

#[derive(QueryableByName)]
struct Batch {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    last: Option<i64>,
}

/// Writes the deliveries of a notice for the next `limit` subscribers (by
/// id) who follow the whole page or one of `monitor_ids`, confirmed before
/// the notice was written; ends the fan-out after the last batch. Returns
/// how many subscribers the batch covered.
pub fn fan_out_batch(
    conn: &mut PgConnection,
    notice: &NoticeRow,
    kinds: &[&str],
    monitor_ids: &[i64],
    limit: i64,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let batch: Batch = diesel::sql_query(
        "WITH chosen AS ( \
             SELECT s.id FROM subscribers s \
             WHERE s.page_id = $1 AND s.state = 'confirmed' AND s.id > $2 AND s.confirmed_at <= $3 \
               AND s.kind = ANY($4) AND (s.monitor_ids IS NULL OR s.monitor_ids && $5) \
             ORDER BY s.id LIMIT $6), \
         written AS ( \
             INSERT INTO subscriber_deliveries (notice_id, subscriber_id, state, next_attempt_at) \
             SELECT $7, id, 'pending', $8 FROM chosen ON CONFLICT DO NOTHING) \
         SELECT count(*) AS count, max(id) AS last FROM chosen",
    )
    .bind::<BigInt, _>(notice.page_id)
    .bind::<BigInt, _>(notice.fanned_out_to)
    .bind::<Timestamptz, _>(notice.created_at)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<BigInt>, _>(monitor_ids)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(notice.id)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)?;
    let done = batch.count < limit;
    diesel::update(notices::table.find(notice.id))
        .set((
            notices::fanned_out_to.eq(batch.last.unwrap_or(notice.fanned_out_to)),
            notices::fanned_out_at.eq(done.then_some(now)),
        ))
        .execute(conn)?;
    Ok(usize::try_from(batch.count).unwrap_or(0))
}

/// A delivery claimed for sending, with its subscriber and notice.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub attempts: i32,
    pub subscriber: SubscriberRow,
    pub notice_id: i64,
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` pending deliveries due at `now` that no other
/// process holds, and moves their next attempt to `lease_until`: if this
/// process dies while sending, they are due again then.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let claimed: Vec<ClaimedId> = diesel::sql_query(
        "WITH due AS ( \
             SELECT id FROM subscriber_deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at LIMIT $3 \
             FOR UPDATE SKIP LOCKED) \
         UPDATE subscriber_deliveries d SET next_attempt_at = $2, attempts = d.attempts + 1 \
         FROM due WHERE d.id = due.id RETURNING d.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let ids: Vec<i64> = claimed.into_iter().map(|c| c.id).collect();
    let rows: Vec<(i64, i32, i64, SubscriberRow)> = deliveries::table
        .inner_join(subscribers::table)
        .filter(deliveries::id.eq_any(ids))
        .order(deliveries::id.asc())
        .select((deliveries::id, deliveries::attempts, deliveries::notice_id, SubscriberRow::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, attempts, notice_id, subscriber)| Claimed { id, attempts, subscriber, notice_id })
        .collect())
}

/// The notices with these ids.
pub fn find_many(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<NoticeRow>> {
    notices::table.filter(notices::id.eq_any(ids)).select(NoticeRow::as_select()).load(conn)
}

/// When the next pending delivery falls due.
pub fn next_due(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    deliveries::table
        .filter(deliveries::state.eq(SubscriberDeliveryState::Pending))
        .select(diesel::dsl::min(deliveries::next_attempt_at))
        .first(conn)
}

/// Whether a notice waits to be fanned out.
pub fn any_unfanned(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(notices::table.filter(notices::fanned_out_at.is_null()))).get_result(conn)
}

pub fn mark_delivered(conn: &mut PgConnection, ids: &[i64], now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(deliveries::table.filter(deliveries::id.eq_any(ids)))
        .set((
            deliveries::state.eq(SubscriberDeliveryState::Delivered),
            deliveries::finished_at.eq(now),
            deliveries::error.eq(None::<String>),
        ))
        .execute(conn)
}

/// After a failed attempt: due again at `retry_at`, or failed for good.
pub fn mark_failed(
    conn: &mut PgConnection,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let target = deliveries::table.find(id);
    match retry_at {
        Some(at) => {
            diesel::update(target).set((deliveries::next_attempt_at.eq(at), deliveries::error.eq(error))).execute(conn)
        }
        None => diesel::update(target)
            .set((
                deliveries::state.eq(SubscriberDeliveryState::Failed),
                deliveries::finished_at.eq(now),
                deliveries::error.eq(error),
            ))
            .execute(conn),
    }
}

/// A subscriber whose mail bounced for good: skipped from now on.
pub fn mark_bounced(conn: &mut PgConnection, subscriber_id: i64) -> QueryResult<usize> {
    diesel::update(subscribers::table.find(subscriber_id))
        .set(subscribers::state.eq(SubscriberState::Bounced))
        .execute(conn)
}

/// Forgets notices (and their deliveries) written before `before`, at most
/// `limit` of them; returns how many.
pub fn delete_older_than(conn: &mut PgConnection, before: DateTime<Utc>, limit: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM subscriber_notices WHERE id IN ( \
             SELECT id FROM subscriber_notices WHERE created_at < $1 AND fanned_out_at IS NOT NULL LIMIT $2)",
    )
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .execute(conn)
}

/// A page's latest notices, newest first.
pub fn recent_for_page(conn: &mut PgConnection, page_id: i64, limit: i64) -> QueryResult<Vec<NoticeRow>> {
    notices::table
        .filter(notices::page_id.eq(page_id))
        .order(notices::id.desc())
        .limit(limit)
        .select(NoticeRow::as_select())
        .load(conn)
}

/// `(notice, state, count)` of these notices' deliveries.
pub fn counts_for(
    conn: &mut PgConnection,
    notice_ids: &[i64],
) -> QueryResult<Vec<(i64, SubscriberDeliveryState, i64)>> {
    deliveries::table
        .filter(deliveries::notice_id.eq_any(notice_ids))
        .group_by((deliveries::notice_id, deliveries::state))
        .select((deliveries::notice_id, deliveries::state, diesel::dsl::count_star()))
        .load(conn)
}

/// `(state, count)` of a notice's deliveries.
pub fn delivery_counts(conn: &mut PgConnection, notice_id: i64) -> QueryResult<Vec<(SubscriberDeliveryState, i64)>> {
    deliveries::table
        .filter(deliveries::notice_id.eq(notice_id))
        .group_by(deliveries::state)
        .select((deliveries::state, diesel::dsl::count_star()))
        .load(conn)
}
