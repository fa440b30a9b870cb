//! `/api/v1/me`, `/users`, `/tokens` and `/audit-events`.

use super::{ApiId, ApiJson, ApiQuery, ApiResult, ApiUser, ErrorBody};
use app::error::AppError;
use app::model::limits::AUDIT_PAGE_MAX;
use app::model::{ApiToken, AuditAction, AuditList, CreatedToken, Role, User};
use app::ssr::AppState;
use app::ssr::team::{self, audit};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "team",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub(super) async fn me(ApiUser(auth, _): ApiUser) -> Json<User> {
    Json(auth.user)
}

/// Every team member.
#[utoipa::path(get, path = "/api/v1/users", tag = "team",
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody)))]
pub(super) async fn list_users(State(state): State<AppState>, _auth: ApiUser) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.db.run(team::list_users).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The initial password (at least 10 characters).
    pub password: String,
}

/// Adds a team member (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "team", request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    auth.require_admin()?;
    let user = state
        .db
        .run(move |conn| {
            team::create_user(
                conn,
                &auth.1,
                &team::NewMember { email: &body.email, name: &body.name, role: body.role, password: &body.password },
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    pub role: Role,
}

/// Changes a member's role (admins only; the team always keeps one admin).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "team", request_body = UpdateUserRequest,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_user(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<User>> {
    auth.require_admin()?;
    Ok(Json(state.db.run(move |conn| team::change_role(conn, &auth.1, id, body.role)).await?))
}

/// Removes a member (admins only; never the last admin, never oneself).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "team",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_user(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    state.db.run(move |conn| team::remove_user(conn, &auth.1, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Live API tokens (admins only). Secrets are never listed.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_tokens(State(state): State<AppState>, auth: ApiUser) -> ApiResult<Json<Vec<ApiToken>>> {
    auth.require_admin()?;
    Ok(Json(state.db.run(team::list_tokens).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
}

/// Creates a token owned by the caller (admins only); the answer is the only
/// time its secret is shown.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    auth.require_admin()?;
    let owner = auth.0.user.id;
    let created = state.db.run(move |conn| team::create_token(conn, &auth.1, owner, &body.name)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token (admins only).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    let now = chrono::Utc::now();
    state.db.run(move |conn| team::revoke_token(conn, &auth.1, id, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct AuditQuery {
    /// Entries per page, newest first (1–200, default 50).
    limit: Option<u32>,
    /// Only entries older than this entry id (the `next` of the previous page).
    before: Option<i64>,
    /// Only this action.
    action: Option<AuditAction>,
}

/// The audit log (admins only): sign-ins, failed sign-ins, members, roles,
/// tokens, regions, channels and status pages changed, kept 90 days.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_audit_events(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    auth.require_admin()?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(AppError::validation("limit", format!("Use 1 to {AUDIT_PAGE_MAX}.")).into());
    }
    Ok(Json(state.db.run(move |conn| audit::list(conn, query.before, query.action, limit)).await?))
}
