//! The REST API under `/api/v1`: JSON, bearer tokens, errors in the shape
//! `{"error": {"code", "message", "field"}}`, described by the OpenAPI
//! document generated from these handlers.

use app::error::AppError;
use app::model::{ApiToken, CreatedToken, Role, User};
use app::ssr::AppState;
use app::ssr::auth::{TokenUser, resolve_api_token};
use app::ssr::team;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", axum::routing::patch(update_user).delete(delete_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .fallback(not_found)
}

// ---- errors --------------------------------------------------------------------

/// The error body every API error answers with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `validation`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `rate_limited`, `bad_request`, `internal`.
    pub code: String,
    pub message: String,
    /// The input field the error is about, when there is one.
    pub field: Option<String>,
}

/// An [`AppError`] answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: error.code().to_owned(),
                message: error.to_string(),
                field: error.field().map(str::to_owned),
            },
        };
        let mut response = (status, Json(body)).into_response();
        match error {
            AppError::Unauthorized => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            AppError::RateLimited { retry_after_seconds } => {
                response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after_seconds));
            }
            _ => {}
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

async fn not_found() -> ApiError {
    ApiError(AppError::not_found("API route"))
}

/// A JSON body whose rejection answers in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(AppError::BadRequest { message: rejection.body_text() })),
        }
    }
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError(AppError::validation("id", "Must be a whole number.")))
}

// ---- authentication -------------------------------------------------------------

/// The user behind the request's bearer token.
pub struct ApiUser(pub TokenUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(AppError::Unauthorized))?;
        let now = chrono::Utc::now();
        let user = state.db.run(move |conn| Ok(resolve_api_token(conn, &token, now)?)).await?;
        user.map(ApiUser).ok_or(ApiError(AppError::Unauthorized))
    }
}

impl ApiUser {
    fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.user.is_admin() { Ok(()) } else { Err(ApiError(AppError::Forbidden)) }
    }
}

// ---- handlers ----------------------------------------------------------------------

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "team",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(auth): ApiUser) -> Json<User> {
    Json(auth.user)
}

/// Every team member.
#[utoipa::path(get, path = "/api/v1/users", tag = "team",
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, _auth: ApiUser) -> ApiResult<Json<Vec<User>>> {
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
async fn create_user(
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
async fn update_user(
    State(state): State<AppState>,
    auth: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<User>> {
    auth.require_admin()?;
    let id = parse_id(&id)?;
    Ok(Json(state.db.run(move |conn| team::change_role(conn, id, body.role)).await?))
}

/// Removes a member (admins only; never the last admin, never oneself).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "team",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_user(State(state): State<AppState>, auth: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    let id = parse_id(&id)?;
    let actor = auth.0.user.id;
    state.db.run(move |conn| team::remove_user(conn, actor, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Live API tokens (admins only). Secrets are never listed.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>), (status = 403, body = ErrorBody)))]
async fn list_tokens(State(state): State<AppState>, auth: ApiUser) -> ApiResult<Json<Vec<ApiToken>>> {
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
async fn create_token(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    auth.require_admin()?;
    let owner = auth.0.user.id;
    let created = state.db.run(move |conn| team::create_token(conn, owner, &body.name)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token (admins only).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(State(state): State<AppState>, auth: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    let id = parse_id(&id)?;
    let now = chrono::Utc::now();
    state.db.run(move |conn| team::revoke_token(conn, id, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- OpenAPI ---------------------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie API", description = "Uptime monitoring, incidents and status pages."),
    paths(me, list_users, create_user, update_user, delete_user, list_tokens, create_token, revoke_token),
    components(schemas(ErrorBody, ErrorDetail, User, Role, ApiToken, CreatedToken,
                       NewUserRequest, UpdateUserRequest, NewTokenRequest)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "team", description = "Team members"), (name = "tokens", description = "API tokens"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, built once. It describes the API and is public.
async fn openapi() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc.to_json().unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}
