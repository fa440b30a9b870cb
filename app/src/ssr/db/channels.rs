//! Queries on `channels`.

use super::schema::channels;
use crate::model::ChannelKind;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub recipients: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = channels)]
pub struct ChannelValues<'a> {
    pub kind: ChannelKind,
    pub name: &'a str,
    #[diesel(treat_none_as_null = true)]
    pub url: Option<&'a str>,
    #[diesel(treat_none_as_null = true)]
    pub secret: Option<&'a str>,
    pub recipients: &'a [String],
    pub updated_at: DateTime<Utc>,
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<ChannelRow>> {
    channels::table.order((channels::name.asc(), channels::id.asc())).select(ChannelRow::as_select()).load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<ChannelRow>> {
    channels::table.find(id).select(ChannelRow::as_select()).first(conn).optional()
}

/// Channels by id (the ones that exist).
pub fn find_many(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<ChannelRow>> {
    channels::table.filter(channels::id.eq_any(ids)).select(ChannelRow::as_select()).load(conn)
}

pub fn insert(conn: &mut PgConnection, values: &ChannelValues<'_>) -> QueryResult<ChannelRow> {
    diesel::insert_into(channels::table).values(values).returning(ChannelRow::as_returning()).get_result(conn)
}

pub fn update(conn: &mut PgConnection, id: i64, values: &ChannelValues<'_>) -> QueryResult<Option<ChannelRow>> {
    diesel::update(channels::table.find(id))
        .set(values)
        .returning(ChannelRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Deletes a channel; returns its name, `None` when there was none.
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<Option<String>> {
    diesel::delete(channels::table.find(id)).returning(channels::name).get_result(conn).optional()
}
