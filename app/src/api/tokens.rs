//! API tokens: admins create, list and revoke them.

use crate::error::AppError;
use crate::model::{ApiToken, CreatedToken};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, _| team::list_tokens(conn)).await
}

#[server(prefix = "/rpc", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, caller| team::create_token(conn, &caller.actor, caller.id, &name)).await
}

#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, caller| team::revoke_token(conn, &caller.actor, id, chrono::Utc::now())).await
}
