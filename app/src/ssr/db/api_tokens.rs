//! Queries on `api_tokens`.

use super::schema::{api_tokens, users};
use super::users::UserRow;
use crate::model::ApiToken;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    pub fn into_token(self, owner: &UserRow) -> ApiToken {
        ApiToken {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            owner_id: owner.id,
            owner_name: owner.name.clone(),
            owner_email: owner.email.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a [u8],
}

pub fn insert(conn: &mut PgConnection, new: &NewToken<'_>) -> QueryResult<TokenRow> {
    diesel::insert_into(api_tokens::table).values(new).returning(TokenRow::as_returning()).get_result(conn)
}

/// Tokens not revoked, newest first, with their owners.
pub fn list_live(conn: &mut PgConnection) -> QueryResult<Vec<(TokenRow, UserRow)>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::id.desc())
        .select((TokenRow::as_select(), UserRow::as_select()))
        .load(conn)
}

/// The live token with this hash and its owner.
pub fn find_live_by_hash(conn: &mut PgConnection, token_hash: &[u8]) -> QueryResult<Option<(TokenRow, UserRow)>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((TokenRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

/// Records use, at most once a minute per token to spare writes.
pub fn mark_used(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    let a_minute_ago = now - chrono::Duration::minutes(1);
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(a_minute_ago))),
    )
    .set(api_tokens::last_used_at.eq(now))
    .execute(conn)
}

/// Revokes a live token; returns its name and prefix, `None` when there was none.
pub fn revoke(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<Option<(String, String)>> {
    diesel::update(api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(now))
        .returning((api_tokens::name, api_tokens::prefix))
        .get_result(conn)
        .optional()
}
