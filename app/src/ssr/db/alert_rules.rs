//! Queries on `alert_rules`.

use super::schema::{alert_rules as rules, channels};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rules)]
pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub events: Vec<String>,
    pub channel_id: i64,
    pub monitor_ids: Option<Vec<i64>>,
    pub enabled: bool,
    pub max_per_hour: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = rules)]
pub struct RuleValues<'a> {
    pub name: &'a str,
    pub events: &'a [String],
    pub channel_id: i64,
    #[diesel(treat_none_as_null = true)]
    pub monitor_ids: Option<&'a [i64]>,
    pub enabled: bool,
    #[diesel(treat_none_as_null = true)]
    pub max_per_hour: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

/// Rules with their channel's name, by name.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<(RuleRow, String)>> {
    rules::table
        .inner_join(channels::table)
        .order((rules::name.asc(), rules::id.asc()))
        .select((RuleRow::as_select(), channels::name))
        .load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<(RuleRow, String)>> {
    rules::table
        .inner_join(channels::table)
        .filter(rules::id.eq(id))
        .select((RuleRow::as_select(), channels::name))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, values: &RuleValues<'_>) -> QueryResult<i64> {
    diesel::insert_into(rules::table).values(values).returning(rules::id).get_result(conn)
}

pub fn update(conn: &mut PgConnection, id: i64, values: &RuleValues<'_>) -> QueryResult<bool> {
    Ok(diesel::update(rules::table.find(id)).set(values).execute(conn)? > 0)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(rules::table.find(id)).execute(conn)? > 0)
}

/// The enabled rules that fire on `event` for any of `monitor_ids`. They are
/// held (`FOR KEY SHARE`) so that none is deleted before its notification is
/// written; concurrent events do not wait for each other.
pub fn lock_matching(conn: &mut PgConnection, event: &str, monitor_ids: &[i64]) -> QueryResult<Vec<RuleRow>> {
    rules::table
        .filter(rules::enabled.eq(true))
        .filter(rules::events.contains(vec![event.to_owned()]))
        .filter(rules::monitor_ids.is_null().or(rules::monitor_ids.overlaps_with(monitor_ids.to_vec())))
        .order(rules::id.asc())
        .select(RuleRow::as_select())
        .for_key_share()
        .load(conn)
}
