//! Managing the team and API tokens: the rules (validation, the last admin,
//! who may do what) shared by the console, the REST API and the CLI.

pub mod audit;
pub mod auth;

use crate::error::AppError;
use crate::model::{ApiToken, AuditAction, CreatedToken, Role, User, limits};
use crate::ssr::db::{api_tokens, is_unique_violation, sessions, users};
use crate::ssr::team::audit::Actor;
use crate::ssr::team::auth::{
    check_password, hash_password, new_secret, normalize_email, secret_hash, verify_password,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Every API token starts with this, so scanners can recognise leaked ones.
pub const TOKEN_PREFIX: &str = "vigie_";
/// How much of a token is kept in clear to recognise it in lists.
const TOKEN_VISIBLE_CHARS: usize = TOKEN_PREFIX.len() + 6;

pub struct NewMember<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

pub fn create_user(conn: &mut PgConnection, actor: &Actor, new: &NewMember<'_>) -> Result<User, AppError> {
    let email = normalize_email(new.email)?;
    let name = crate::ssr::text::required_line("name", new.name, limits::NAME_MAX, "Enter a name.")?;
    check_password("password", new.password)?;
    let hash = hash_password(new.password)?;
    conn.transaction(|conn| {
        let row =
            users::insert(conn, &users::NewUser { email: &email, name: &name, role: new.role, password_hash: &hash })
                .map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::conflict(Some("email"), format!("A team member with the email {email} already exists."))
                } else {
                    e.into()
                }
            })?;
        audit::record(conn, actor, AuditAction::MemberAdded, &email, Some(&format!("as {}", new.role)))?;
        Ok(row.into_user())
    })
}

pub fn list_users(conn: &mut PgConnection) -> Result<Vec<User>, AppError> {
    Ok(users::list(conn)?.into_iter().map(users::UserRow::into_user).collect())
}

/// Fails when changing `target` away from admin would leave no admin.
/// Must run inside a transaction: it locks the admin rows.
fn ensure_another_admin(conn: &mut PgConnection, target: i64) -> Result<(), AppError> {
    let admins = users::lock_admin_ids(conn)?;
    if admins.contains(&target) && admins.len() == 1 {
        return Err(AppError::conflict(None, "The team must keep at least one admin."));
    }
    Ok(())
}

pub fn change_role(conn: &mut PgConnection, actor: &Actor, target: i64, role: Role) -> Result<User, AppError> {
    conn.transaction(|conn| {
        if role != Role::Admin {
            ensure_another_admin(conn, target)?;
        }
        let before = users::find(conn, target)?.ok_or_else(|| AppError::not_found("team member"))?;
        if users::set_role(conn, target, role)? == 0 {
            return Err(AppError::not_found("team member"));
        }
        if before.role != role {
            let details = format!("{} → {role}", before.role);
            audit::record(conn, actor, AuditAction::RoleChanged, &before.email, Some(&details))?;
        }
        users::find(conn, target)?.map(users::UserRow::into_user).ok_or_else(|| AppError::not_found("team member"))
    })
}

pub fn remove_user(conn: &mut PgConnection, actor: &Actor, target: i64) -> Result<(), AppError> {
    if actor.user_id == Some(target) {
        return Err(AppError::conflict(None, "You cannot remove yourself; ask another admin."));
    }
    conn.transaction(|conn| {
        ensure_another_admin(conn, target)?;
        let removed = users::find(conn, target)?.ok_or_else(|| AppError::not_found("team member"))?;
        if users::delete(conn, target)? == 0 {
            return Err(AppError::not_found("team member"));
        }
        audit::record(conn, actor, AuditAction::MemberRemoved, &removed.email, None)?;
        Ok(())
    })
}

/// Changes a user's own password, checking the current one, and ends their
/// other sessions.
pub fn change_password(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: i64,
    keep_session: Option<i64>,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), AppError> {
    let user = users::find(conn, user_id)?.ok_or(AppError::Unauthorized)?;
    if !verify_password(current, &user.password_hash) {
        return Err(AppError::validation("current_password", "The current password is not right."));
    }
    check_password("new_password", new)?;
    if new != confirm {
        return Err(AppError::validation("confirm_password", "The two new passwords differ."));
    }
    let hash = hash_password(new)?;
    conn.transaction(|conn| {
        users::set_password_hash(conn, user_id, &hash)?;
        let ended = sessions::delete_for_user_except(conn, user_id, keep_session)?;
        let details = format!("{ended} other session(s) signed out");
        audit::record(conn, actor, AuditAction::PasswordChanged, &user.email, Some(&details))?;
        Ok(())
    })
}

/// A token as the audit log names it: never more of it than the list shows.
fn token_subject(name: &str, prefix: &str) -> String {
    format!("{name} ({prefix}…)")
}

pub fn create_token(
    conn: &mut PgConnection,
    actor: &Actor,
    owner_id: i64,
    name: &str,
) -> Result<CreatedToken, AppError> {
    let name = crate::ssr::text::required_line("name", name, limits::TOKEN_NAME_MAX, "Enter a name.")?;
    let owner = users::find(conn, owner_id)?.ok_or_else(|| AppError::not_found("team member"))?;
    let secret = new_secret(TOKEN_PREFIX);
    let prefix = &secret[..TOKEN_VISIBLE_CHARS];
    conn.transaction(|conn| {
        let row = api_tokens::insert(
            conn,
            &api_tokens::NewToken { user_id: owner.id, name: &name, prefix, token_hash: &secret_hash(&secret) },
        )?;
        let details = format!("owned by {}", owner.email);
        audit::record(conn, actor, AuditAction::TokenCreated, &token_subject(&name, prefix), Some(&details))?;
        Ok(CreatedToken { token: row.into_token(&owner), secret: secret.clone() })
    })
}

pub fn list_tokens(conn: &mut PgConnection) -> Result<Vec<ApiToken>, AppError> {
    Ok(api_tokens::list_live(conn)?.into_iter().map(|(token, owner)| token.into_token(&owner)).collect())
}

pub fn revoke_token(conn: &mut PgConnection, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let (name, prefix) = api_tokens::revoke(conn, id, now)?.ok_or_else(|| AppError::not_found("API token"))?;
        audit::record(conn, actor, AuditAction::TokenRevoked, &token_subject(&name, &prefix), None)?;
        Ok(())
    })
}
