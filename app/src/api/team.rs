//! The team: members, roles, passwords.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::Role;
use crate::model::{AuditList, ServerInfo, User};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<Role, AppError> {
    role.parse().map_err(|error: crate::model::UnknownValue| AppError::validation("role", error.to_string()))
}

#[server(prefix = "/rpc", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<User>, AppError> {
    use crate::ssr::{as_member, team};
    as_member(move |conn, _| team::list_users(conn)).await
}

#[server(prefix = "/rpc", endpoint = "add_member")]
pub async fn add_member(email: String, name: String, role: String, password: String) -> Result<User, AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, caller| {
        let role = parse_role(&role)?;
        team::create_user(
            conn,
            &caller.actor,
            &team::NewMember { email: &email, name: &name, role, password: &password },
        )
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "change_role")]
pub async fn change_role(user_id: i64, role: String) -> Result<User, AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, caller| team::change_role(conn, &caller.actor, user_id, parse_role(&role)?)).await
}

#[server(prefix = "/rpc", endpoint = "remove_member")]
pub async fn remove_member(user_id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_admin, team};
    as_admin(move |conn, caller| team::remove_user(conn, &caller.actor, user_id)).await
}

#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::ssr::{AppState, reply, team, team::audit::Actor, team::auth};
    let result = async {
        let session = auth::require_session()?;
        let actor = Actor::console(&session.user, &auth::client_address()?);
        AppState::from_context()?
            .db
            .run(move |conn| {
                team::change_password(
                    conn,
                    &actor,
                    session.user.id,
                    Some(session.session_id),
                    &current_password,
                    &new_password,
                    &confirm_password,
                )
            })
            .await
    }
    .await;
    reply(result)
}

/// A page of the audit log (admins), newest first.
#[server(prefix = "/rpc", endpoint = "list_audit_events")]
pub async fn list_audit_events(before: Option<i64>, action: Option<String>) -> Result<AuditList, AppError> {
    use crate::ssr::{as_admin, team::audit};
    as_admin(move |conn, _| {
        let action = match action.as_deref().filter(|a| !a.is_empty()) {
            Some(action) => Some(
                action
                    .parse()
                    .map_err(|error: crate::model::UnknownValue| AppError::validation("action", error.to_string()))?,
            ),
            None => None,
        };
        audit::list(conn, before, action, AUDIT_CONSOLE_PAGE)
    })
    .await
}

/// Audit log entries per console page.
pub const AUDIT_CONSOLE_PAGE: u32 = 50;

/// The server's version and how its scheduled backups went (admins).
#[server(prefix = "/rpc", endpoint = "describe_server")]
pub async fn describe_server() -> Result<ServerInfo, AppError> {
    crate::ssr::server_info()
}
