//! Queries on `monitors` and `monitor_regions`.

use super::schema::{monitor_regions, monitors, regions};
use crate::model::{DnsMatch, DnsProtocol, DnsRecordType, KeywordMode, MonitorKind, MonitorStatus};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = monitors)]
pub struct MonitorRow {
    pub id: i64,
    pub name: String,
    pub kind: MonitorKind,
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<i32>,
    pub method: String,
    pub headers: serde_json::Value,
    pub body: Option<String>,
    pub accepted_status: String,
    pub keyword: Option<String>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    pub interval_seconds: i32,
    pub timeout_seconds: i32,
    pub region_threshold: i32,
    pub incident_confirmations: i32,
    pub recovery_confirmations: i32,
    pub ssl_expiry_days: i32,
    pub paused: bool,
    pub status: MonitorStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ping_token_hint: Option<String>,
    pub period_seconds: Option<i32>,
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub grace_seconds: Option<i32>,
    pub run_started_at: Option<DateTime<Utc>>,
    pub dns_record_type: Option<DnsRecordType>,
    pub dns_server: Option<String>,
    pub dns_protocol: Option<DnsProtocol>,
    pub expected_values: serde_json::Value,
    pub expected_match: Option<DnsMatch>,
    pub ping_count: Option<i32>,
    pub max_loss_percent: Option<i32>,
    pub degraded_after_ms: Option<i32>,
    pub degraded_incident: bool,
    pub parent_id: Option<i64>,
    pub tags: Vec<String>,
}

/// Every column a caller sets, for insert and update alike.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = monitors, treat_none_as_null = true)]
pub struct MonitorFields<'a> {
    pub name: &'a str,
    pub kind: MonitorKind,
    pub url: Option<&'a str>,
    pub host: Option<&'a str>,
    pub port: Option<i32>,
    pub method: &'a str,
    pub headers: serde_json::Value,
    pub body: Option<&'a str>,
    pub accepted_status: &'a str,
    pub keyword: Option<&'a str>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    pub interval_seconds: i32,
    pub timeout_seconds: i32,
    pub region_threshold: i32,
    pub incident_confirmations: i32,
    pub recovery_confirmations: i32,
    pub ssl_expiry_days: i32,
    pub period_seconds: Option<i32>,
    pub cron: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub grace_seconds: Option<i32>,
    pub dns_record_type: Option<DnsRecordType>,
    pub dns_server: Option<&'a str>,
    pub dns_protocol: Option<DnsProtocol>,
    pub expected_values: serde_json::Value,
    pub expected_match: Option<DnsMatch>,
    pub ping_count: Option<i32>,
    pub max_loss_percent: Option<i32>,
    pub degraded_after_ms: Option<i32>,
    pub degraded_incident: bool,
    pub parent_id: Option<i64>,
    pub tags: &'a [String],
}

/// A heartbeat's ping token as stored: its hash and its last characters.
pub type StoredToken = (Vec<u8>, String);

/// Inserts a monitor; a heartbeat comes with its token (the table requires one).
pub fn insert(
    conn: &mut PgConnection,
    fields: &MonitorFields<'_>,
    token: Option<StoredToken>,
) -> QueryResult<MonitorRow> {
    let (hash, hint) = token.unzip();
    diesel::insert_into(monitors::table)
        .values((fields, monitors::ping_token_hash.eq(hash), monitors::ping_token_hint.eq(hint)))
        .returning(MonitorRow::as_returning())
        .get_result(conn)
}

/// Changes a monitor; `token` is given when it becomes a heartbeat.
pub fn update(
    conn: &mut PgConnection,
    id: i64,
    fields: &MonitorFields<'_>,
    token: Option<StoredToken>,
) -> QueryResult<Option<MonitorRow>> {
    let target = monitors::table.find(id);
    let query = match token {
        Some((hash, hint)) => diesel::update(target)
            .set((
                fields,
                monitors::updated_at.eq(diesel::dsl::now),
                monitors::ping_token_hash.eq(Some(hash)),
                monitors::ping_token_hint.eq(Some(hint)),
            ))
            .returning(MonitorRow::as_returning())
            .get_result(conn),
        None => diesel::update(target)
            .set((fields, monitors::updated_at.eq(diesel::dsl::now)))
            .returning(MonitorRow::as_returning())
            .get_result(conn),
    };
    query.optional()
}

/// Every monitor, by id (for the configuration file: one statement, as
/// many rows as monitors).
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<MonitorRow>> {
    monitors::table.order(monitors::id.asc()).select(MonitorRow::as_select()).load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<MonitorRow>> {
    monitors::table.find(id).select(MonitorRow::as_select()).first(conn).optional()
}

/// What a list of monitors is narrowed to (each `None`: any).
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// A part of the name, URL or host, any case.
    pub search: Option<&'a str>,
    pub status: Option<MonitorStatus>,
    pub kind: Option<MonitorKind>,
    /// Only monitors probed from the region of this name.
    pub region: Option<&'a str>,
    /// Only monitors with this tag (as spelled).
    pub tag: Option<&'a str>,
}

/// A filter as one SQL condition (NULL, like false, keeps nothing).
type Condition<'a> = Box<
    dyn BoxableExpression<
            monitors::table,
            diesel::pg::Pg,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        > + 'a,
>;

fn condition<'a>(filter: &Filter<'a>) -> Condition<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    let mut all: Condition<'a> = Box::new(sql::<Bool>("TRUE").nullable());
    if let Some(part) = filter.search {
        let pattern = super::contains_pattern(part);
        let found = monitors::name
            .ilike(pattern.clone())
            .nullable()
            .or(monitors::url.ilike(pattern.clone()))
            .or(monitors::host.ilike(pattern));
        all = Box::new(all.and(found));
    }
    // A paused monitor keeps the status of its last checks underneath.
    match filter.status {
        Some(MonitorStatus::Paused) => all = Box::new(all.and(monitors::paused.nullable())),
        Some(status) => {
            all = Box::new(all.and(monitors::status.eq(status).and(monitors::paused.eq(false)).nullable()));
        }
        None => {}
    }
    if let Some(kind) = filter.kind {
        all = Box::new(all.and(monitors::kind.eq(kind).nullable()));
    }
    if let Some(region) = filter.region {
        let probed_there = monitor_regions::table
            .inner_join(regions::table)
            .filter(regions::name.eq(region))
            .select(monitor_regions::monitor_id);
        all = Box::new(all.and(monitors::id.eq_any(probed_there).nullable()));
    }
    if let Some(tag) = filter.tag {
        all = Box::new(all.and(monitors::tags.contains(vec![tag.to_owned()]).nullable()));
    }
    all
}

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// How bad a monitor's state is, worst first: down, partial, degraded,
/// pending, maintenance, up, then paused. [`severity_of`] says the same of a row.
const SEVERITY: &str = "CASE WHEN monitors.paused THEN 6 ELSE CASE monitors.status \
    WHEN 'down' THEN 0 WHEN 'partial' THEN 1 WHEN 'degraded' THEN 2 WHEN 'pending' THEN 3 \
    WHEN 'maintenance' THEN 4 ELSE 5 END END";

pub fn severity_of(row: &MonitorRow) -> i32 {
    if row.paused {
        return 6;
    }
    match row.status {
        MonitorStatus::Down => 0,
        MonitorStatus::Partial => 1,
        MonitorStatus::Degraded => 2,
        MonitorStatus::Pending => 3,
        MonitorStatus::Maintenance => 4,
        MonitorStatus::Up | MonitorStatus::Paused => 5,
    }
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By name in any case, then id.
    Name,
    /// Worst state first ([`severity_of`]), then by name.
    Severity,
}

/// Where the previous page ended: its last monitor's severity (when listed
/// by it), name and id.
#[derive(Debug, Clone, Copy)]
pub struct After<'a> {
    pub severity: i32,
    pub name: &'a str,
    pub id: i64,
}

/// At most `limit` monitors that pass `filter`, in `order`, after `after`.
pub fn page(
    conn: &mut PgConnection,
    filter: &Filter,
    order: Order,
    after: Option<After<'_>>,
    limit: i64,
) -> QueryResult<Vec<MonitorRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::Integer;
    let mut query = monitors::table.filter(condition(filter)).into_boxed();
    if let Some(after) = after {
        // The database lowers both sides, so that they are lowered alike.
        let by_name = lower(monitors::name)
            .gt(lower(after.name.to_owned()))
            .or(lower(monitors::name).eq(lower(after.name.to_owned())).and(monitors::id.gt(after.id)));
        query = match order {
            Order::Name => query.filter(by_name),
            Order::Severity => query.filter(
                sql::<Integer>(SEVERITY)
                    .gt(after.severity)
                    .or(sql::<Integer>(SEVERITY).eq(after.severity).and(by_name)),
            ),
        };
    }
    query = match order {
        Order::Name => query.order((lower(monitors::name).asc(), monitors::id.asc())),
        Order::Severity => {
            query.order((sql::<Integer>(SEVERITY).asc(), lower(monitors::name).asc(), monitors::id.asc()))
        }
    };
    query.limit(limit).select(MonitorRow::as_select()).load(conn)
}

/// How many monitors that pass `filter` are in each status, paused or not
/// (`(paused, status, count)`).
pub fn count_by_status(conn: &mut PgConnection, filter: &Filter) -> QueryResult<Vec<(bool, MonitorStatus, i64)>> {
    monitors::table
        .filter(condition(filter))
        .group_by((monitors::paused, monitors::status))
        .select((monitors::paused, monitors::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Gives a heartbeat a new ping token (stored hashed, with its last
/// characters as a hint), or takes it away (`None`).
pub fn set_ping_token(conn: &mut PgConnection, id: i64, token: Option<StoredToken>) -> QueryResult<usize> {
    let (hash, hint) = token.unzip();
    diesel::update(monitors::table.find(id))
        .set((monitors::ping_token_hash.eq(hash), monitors::ping_token_hint.eq(hint)))
        .execute(conn)
}

/// The monitor behind a ping token's hash, locked until the transaction ends.
pub fn lock_by_ping_token(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<Option<MonitorRow>> {
    monitors::table
        .filter(monitors::ping_token_hash.eq(hash))
        .select(MonitorRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// When the heartbeat's current run started (`None`: no run under way).
pub fn set_run_started(conn: &mut PgConnection, id: i64, at: Option<DateTime<Utc>>) -> QueryResult<usize> {
    diesel::update(monitors::table.find(id)).set(monitors::run_started_at.eq(at)).execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(monitors::table.find(id)).execute(conn)
}

pub fn set_paused(conn: &mut PgConnection, id: i64, paused: bool) -> QueryResult<Option<MonitorRow>> {
    diesel::update(monitors::table.find(id))
        .set((monitors::paused.eq(paused), monitors::updated_at.eq(diesel::dsl::now)))
        .returning(MonitorRow::as_returning())
        .get_result(conn)
        .optional()
}

// ---- bulk actions --------------------------------------------------------------

/// Which of these ids are monitors', locked until the transaction ends.
pub fn lock_existing(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    monitors::table.filter(monitors::id.eq_any(ids)).order(monitors::id).select(monitors::id).for_update().load(conn)
}

/// Pauses or resumes those of `ids` that are not so already; returns them.
pub fn set_paused_many(conn: &mut PgConnection, ids: &[i64], paused: bool) -> QueryResult<Vec<MonitorRow>> {
    diesel::update(monitors::table.filter(monitors::id.eq_any(ids)).filter(monitors::paused.ne(paused)))
        .set((monitors::paused.eq(paused), monitors::updated_at.eq(diesel::dsl::now)))
        .returning(MonitorRow::as_returning())
        .get_results(conn)
}

/// How many of `ids` have `max` tags already, without `tag`.
pub fn count_full_of_tags(conn: &mut PgConnection, ids: &[i64], tag: &str, max: usize) -> QueryResult<i64> {
    monitors::table
        .filter(monitors::id.eq_any(ids))
        .filter(diesel::dsl::not(monitors::tags.contains(vec![tag.to_owned()])))
        .filter(array_length(monitors::tags, 1).ge(i32::try_from(max).unwrap_or(i32::MAX)))
        .count()
        .get_result(conn)
}

/// Adds `tag` to those of `ids` without it; returns how many.
pub fn add_tag(conn: &mut PgConnection, ids: &[i64], tag: &str) -> QueryResult<usize> {
    let tag = vec![tag.to_owned()];
    diesel::update(
        monitors::table.filter(monitors::id.eq_any(ids)).filter(diesel::dsl::not(monitors::tags.contains(tag.clone()))),
    )
    .set((monitors::tags.eq(monitors::tags.concat(tag)), monitors::updated_at.eq(diesel::dsl::now)))
    .execute(conn)
}

/// Takes `tag` away from those of `ids` that have it; returns how many.
pub fn remove_tag(conn: &mut PgConnection, ids: &[i64], tag: &str) -> QueryResult<usize> {
    diesel::update(
        monitors::table.filter(monitors::id.eq_any(ids)).filter(monitors::tags.contains(vec![tag.to_owned()])),
    )
    .set((monitors::tags.eq(array_remove(monitors::tags, tag.to_owned())), monitors::updated_at.eq(diesel::dsl::now)))
    .execute(conn)
}

diesel::define_sql_function!(
    fn array_remove(
        array: diesel::sql_types::Array<diesel::sql_types::Text>,
        element: diesel::sql_types::Text,
    ) -> diesel::sql_types::Array<diesel::sql_types::Text>
);
diesel::define_sql_function!(
    fn array_length(
        array: diesel::sql_types::Array<diesel::sql_types::Text>,
        dimension: diesel::sql_types::Integer,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Integer>
);

#[derive(QueryableByName)]
struct TagRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tag: String,
}

/// The tags monitors have, in order (at most `limit`).
pub fn tags_in_use(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<String>> {
    let rows: Vec<TagRow> =
        diesel::sql_query("SELECT DISTINCT unnest(tags) AS tag FROM monitors ORDER BY tag LIMIT $1")
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .load(conn)?;
    Ok(rows.into_iter().map(|row| row.tag).collect())
}

/// Replaces the regions that probe a monitor, keeping the scheduler's state
/// of regions that stay (a new region is due at once).
pub fn set_regions(conn: &mut PgConnection, monitor_id: i64, region_ids: &[i64]) -> QueryResult<()> {
    use super::schema::monitor_region_state as state;
    diesel::delete(monitor_regions::table.filter(monitor_regions::monitor_id.eq(monitor_id))).execute(conn)?;
    diesel::delete(state::table.filter(state::monitor_id.eq(monitor_id)).filter(state::region_id.ne_all(region_ids)))
        .execute(conn)?;
    let rows: Vec<_> = region_ids
        .iter()
        .map(|&region_id| (monitor_regions::monitor_id.eq(monitor_id), monitor_regions::region_id.eq(region_id)))
        .collect();
    diesel::insert_into(monitor_regions::table).values(rows).execute(conn)?;
    let states: Vec<_> = region_ids
        .iter()
        .map(|&region_id| (state::monitor_id.eq(monitor_id), state::region_id.eq(region_id)))
        .collect();
    diesel::insert_into(state::table).values(states).on_conflict_do_nothing().execute(conn)?;
    Ok(())
}

pub fn find_many(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<MonitorRow>> {
    monitors::table.filter(monitors::id.eq_any(ids)).select(MonitorRow::as_select()).load(conn)
}

/// Region names per monitor, for the given monitors, sorted by name.
pub fn region_names(conn: &mut PgConnection, monitor_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    let pairs: Vec<(i64, String)> = monitor_regions::table
        .inner_join(regions::table)
        .filter(monitor_regions::monitor_id.eq_any(monitor_ids))
        .order(regions::name.asc())
        .select((monitor_regions::monitor_id, regions::name))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for (monitor_id, name) in pairs {
        map.entry(monitor_id).or_default().push(name);
    }
    Ok(map)
}

/// Monitors whose name contains `part` (any case), by name in any case, at
/// most `limit`.
pub fn find_by_name(conn: &mut PgConnection, part: &str, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    monitors::table
        .filter(monitors::name.ilike(super::contains_pattern(part)))
        .order((lower(monitors::name).asc(), monitors::id.asc()))
        .limit(limit)
        .select((monitors::id, monitors::name))
        .load(conn)
}

/// The names of those of `ids` that are monitors, by name in any case.
pub fn names_of(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    monitors::table
        .filter(monitors::id.eq_any(ids))
        .order((lower(monitors::name).asc(), monitors::id.asc()))
        .select((monitors::id, monitors::name))
        .load(conn)
}

/// Takes the lock that serializes changes of parents, so that two changes
/// made at once cannot close a cycle between them (until the transaction ends).
pub fn lock_parents(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('vigie monitor parents'))").execute(conn).map(drop)
}

/// A monitor's parent, if it exists and has one.
pub fn parent_of(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Option<i64>>> {
    monitors::table.find(id).select(monitors::parent_id).first(conn).optional()
}

#[derive(QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Which monitors [`lock_waiting_children`] looks among.
#[derive(Debug, Clone, Copy)]
pub enum Among<'a> {
    /// The children of this monitor.
    ChildrenOf(i64),
    /// These monitors.
    Ids(&'a [i64]),
    /// Every monitor with a parent.
    All,
}

/// Monitors that depend on another and are down with no ongoing
/// programmatic incident covering them (their own, or one they joined) and
/// no outage a person closed: waiting for their parent's verdict. Only
/// those `among` the given ones; at most `limit`; locked, skipping those
/// another transaction holds (it is deciding them). Each way of choosing
/// has a statement of its own, so that each is planned with its index
/// (a parent's children, ids) instead of one plan for all.
pub fn lock_waiting_children(conn: &mut PgConnection, among: Among<'_>, limit: i64) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{Array, BigInt};
    let chosen = match among {
        Among::ChildrenOf(_) => "m.parent_id = $2",
        Among::Ids(_) => "m.id = ANY($2) AND m.parent_id IS NOT NULL",
        Among::All => "m.parent_id IS NOT NULL",
    };
    let query = diesel::sql_query(format!(
        "SELECT m.id FROM monitors m \
         WHERE {chosen} \
           AND m.status = 'down' AND NOT m.paused AND m.outage_closed_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM incident_monitors im JOIN incidents i ON i.id = im.incident_id \
                           WHERE im.monitor_id = m.id AND i.kind = 'programmatic' AND i.state = 'ongoing') \
         ORDER BY m.id LIMIT $1 \
         FOR UPDATE OF m SKIP LOCKED"
    ))
    .bind::<BigInt, _>(limit);
    let rows: Vec<Waiting> = match among {
        Among::ChildrenOf(parent) => query.bind::<BigInt, _>(parent).load(conn)?,
        Among::Ids(ids) => query.bind::<Array<BigInt>, _>(ids).load(conn)?,
        Among::All => query.load(conn)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The stored status of these monitors as the public sees it (a paused
/// monitor counts as pending: it says nothing).
pub fn public_statuses(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<HashMap<i64, MonitorStatus>> {
    let rows: Vec<(i64, MonitorStatus, bool)> = monitors::table
        .filter(monitors::id.eq_any(ids))
        .select((monitors::id, monitors::status, monitors::paused))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, status, paused)| (id, if paused { MonitorStatus::Pending } else { status }))
        .collect())
}
