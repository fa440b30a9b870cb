//! Queries on `users`.

use super::schema::users;
use crate::model::{Role, User};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserRow {
    pub fn into_user(self) -> User {
        User { role: self.role, id: self.id, email: self.email, name: self.name, created_at: self.created_at }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

pub fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table).values(new).returning(UserRow::as_returning()).get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<UserRow>> {
    users::table.order((users::name.asc(), users::id.asc())).select(UserRow::as_select()).load(conn)
}

/// Locks every admin row until the transaction ends and returns their ids, so
/// that two concurrent demotions cannot both leave the team without an admin.
pub fn lock_admin_ids(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    users::table.filter(users::role.eq(Role::Admin.as_str())).select(users::id).for_update().load(conn)
}

pub fn set_role(conn: &mut PgConnection, id: i64, role: Role) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role.as_str()), users::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
}

pub fn set_password_hash(conn: &mut PgConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}
