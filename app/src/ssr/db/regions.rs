//! Queries on `regions`.

use super::schema::regions;
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

pub fn find_id(conn: &mut PgConnection, name: &str) -> QueryResult<Option<i64>> {
    regions::table.filter(regions::name.eq(name)).select(regions::id).first(conn).optional()
}
