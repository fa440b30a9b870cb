//! Queries on `regions`.

use super::schema::{monitor_regions, monitors, regions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Creates the region if it does not exist (the server's built-in one).
pub fn ensure(conn: &mut PgConnection, name: &str) -> QueryResult<()> {
    diesel::insert_into(regions::table)
        .values(regions::name.eq(name))
        .on_conflict(regions::name)
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

pub fn list_names(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    regions::table.order(regions::name.asc()).select(regions::name).load(conn)
}

/// `(id, name)` of the regions with these names.
pub fn find_by_names(conn: &mut PgConnection, names: &[String]) -> QueryResult<Vec<(i64, String)>> {
    regions::table.filter(regions::name.eq_any(names)).select((regions::id, regions::name)).load(conn)
}

/// A region's name.
pub fn name(conn: &mut PgConnection, id: i64) -> QueryResult<String> {
    regions::table.find(id).select(regions::name).first(conn)
}

pub fn find_id(conn: &mut PgConnection, name: &str) -> QueryResult<Option<i64>> {
    regions::table.filter(regions::name.eq(name)).select(regions::id).first(conn).optional()
}

/// A region as listed: built-in ones have no agent token.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: i64,
    pub name: String,
    pub token_hash: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<RegionRow>> {
    regions::table.order(regions::name.asc()).select(RegionRow::as_select()).load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table.find(id).select(RegionRow::as_select()).first(conn).optional()
}

/// How many monitors each region probes, by region id.
pub fn monitor_counts(conn: &mut PgConnection) -> QueryResult<Vec<(i64, i64)>> {
    monitor_regions::table
        .group_by(monitor_regions::region_id)
        .select((monitor_regions::region_id, diesel::dsl::count_star()))
        .load(conn)
}

/// How many monitors one region probes.
pub fn monitor_count(conn: &mut PgConnection, region_id: i64) -> QueryResult<i64> {
    monitor_regions::table.filter(monitor_regions::region_id.eq(region_id)).count().get_result(conn)
}

/// Inserts an agent region; `None` when the name is taken.
pub fn insert_agent(conn: &mut PgConnection, name: &str, token_hash: &[u8]) -> QueryResult<Option<RegionRow>> {
    diesel::insert_into(regions::table)
        .values((regions::name.eq(name), regions::token_hash.eq(token_hash)))
        .on_conflict(regions::name)
        .do_nothing()
        .returning(RegionRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn set_token_hash(conn: &mut PgConnection, id: i64, token_hash: &[u8]) -> QueryResult<Option<RegionRow>> {
    diesel::update(regions::table.find(id))
        .set(regions::token_hash.eq(token_hash))
        .returning(RegionRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Locks a region's row until the transaction ends.
pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table.find(id).select(RegionRow::as_select()).for_update().first(conn).optional()
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(regions::table.find(id)).execute(conn)
}

/// The agent region holding this token, marked as seen now.
pub fn touch_by_token_hash(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(i64, String)>> {
    diesel::update(regions::table.filter(regions::token_hash.eq(token_hash)))
        .set(regions::last_seen_at.eq(now))
        .returning((regions::id, regions::name))
        .get_result(conn)
        .optional()
}

/// Ids of the monitors a region probes, paused ones left out.
pub fn active_monitor_ids(conn: &mut PgConnection, region_id: i64) -> QueryResult<Vec<i64>> {
    monitor_regions::table
        .inner_join(monitors::table)
        .filter(monitor_regions::region_id.eq(region_id))
        .filter(monitors::paused.eq(false))
        // The server itself watches heartbeats; no agent probes them.
        .filter(monitors::kind.ne(crate::model::MonitorKind::Heartbeat))
        .order(monitors::id.asc())
        .select(monitors::id)
        .load(conn)
}
