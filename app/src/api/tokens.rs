//! API tokens: admins create, list and revoke them.

use crate::error::AppError;
use crate::model::{ApiToken, CreatedToken};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    use crate::ssr::{AppState, reply, team, team::auth};
    let result = async {
        auth::require_admin()?;
        AppState::from_context()?.db.run(team::list_tokens).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    use crate::ssr::{AppState, reply, team, team::auth};
    let result = async {
        let owner = auth::require_admin()?.user.id;
        AppState::from_context()?.db.run(move |conn| team::create_token(conn, owner, &name)).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::ssr::{AppState, reply, team, team::auth};
    let result = async {
        auth::require_admin()?;
        let now = chrono::Utc::now();
        AppState::from_context()?.db.run(move |conn| team::revoke_token(conn, id, now)).await
    }
    .await;
    reply(result)
}
