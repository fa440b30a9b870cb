//! The REST API under `/api/v1`: JSON, bearer tokens, errors in the shape
//! `{"error": {"code", "message", "field"}}`, described by the OpenAPI
//! document generated from these handlers.

use app::error::AppError;
use app::model::{
    Actor, AffectedMonitor, AlertEvent, AlertRule, AlertRuleInput, ApiToken, AuditAction, AuditEvent, AuditList,
    AuditVia, BulkAction, BulkInput, BulkOutcome, Channel, ChannelInput, ChannelKind, Check, CheckOutcome, Comment,
    CreatedRegion, CreatedToken, Delivery, DeliveryAttempt, DeliveryList, FailureKind, Impact, Incident,
    IncidentChanges, IncidentDetails, IncidentEvent, IncidentKind, IncidentList, IncidentState, IncidentUpdate,
    KeywordMode, Monitor, MonitorInput, MonitorKind, MonitorList, MonitorStatus, NewIncident, NotificationState,
    PageComponent, Recipients, Region, Role, StatusPage, StatusPageInput, Subscriber, SubscriberInput, SubscriberKind,
    SubscriberList, SubscriberState, UpdateStatus, User,
};
use app::ssr::AppState;
use app::ssr::team::audit;
use app::ssr::team::auth::{ClientAddress, TokenUser, resolve_api_token};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

mod alerts;
pub mod config;
mod incidents;
mod monitors;
mod regions;
mod status_pages;
mod team;

use alerts::*;
use config::*;
use incidents::*;
use monitors::*;
use regions::*;
use status_pages::*;
use team::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", axum::routing::patch(update_user).delete(delete_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/audit-events", get(list_audit_events))
        .route("/config", axum::routing::post(apply_config))
        .route("/config.schema.json", get(config_schema))
        .route("/monitors", get(list_monitors).post(create_monitor))
        .route("/monitors/bulk", axum::routing::post(bulk_monitors))
        .route("/monitors/tags", get(list_monitor_tags))
        .route("/monitors/{id}", get(get_monitor).patch(update_monitor).delete(delete_monitor))
        .route("/monitors/{id}/pause", axum::routing::post(pause_monitor))
        .route("/monitors/{id}/resume", axum::routing::post(resume_monitor))
        .route("/monitors/{id}/ping-url", axum::routing::post(new_ping_url))
        .route("/monitors/{id}/check", axum::routing::post(check_monitor))
        .route("/monitors/{id}/checks", get(list_checks))
        .route("/incidents", get(list_incidents).post(create_incident))
        .route("/incidents/{id}", get(get_incident).patch(change_incident))
        .route("/incidents/{id}/resolve", axum::routing::post(resolve_incident))
        .route("/incidents/{id}/reopen", axum::routing::post(reopen_incident))
        .route("/incidents/{id}/cancel", axum::routing::post(cancel_incident))
        .route("/incidents/{id}/comments", get(list_comments).post(add_comment))
        .route("/incidents/{id}/comments/{comment_id}", axum::routing::patch(edit_comment).delete(delete_comment))
        .route("/incidents/{id}/updates", get(list_updates).post(post_update))
        .route("/incidents/{id}/updates/{update_id}", axum::routing::patch(edit_update).delete(delete_update))
        .route("/channels", get(list_channels).post(create_channel))
        .route("/channels/{id}", get(get_channel).patch(update_channel).delete(delete_channel))
        .route("/channels/{id}/test", axum::routing::post(test_channel))
        .route("/channels/{id}/deliveries", get(list_deliveries))
        .route("/alert-rules", get(list_rules).post(create_rule))
        .route("/alert-rules/{id}", get(get_rule).patch(update_rule).delete(delete_rule))
        .route("/status-pages", get(list_status_pages).post(create_status_page))
        .route("/status-pages/{id}", get(get_status_page).patch(update_status_page).delete(delete_status_page))
        .route("/status-pages/{id}/subscribers", get(list_subscribers).post(add_subscriber))
        .route("/status-pages/{id}/subscribers/{subscriber_id}", axum::routing::delete(remove_subscriber))
        .route("/regions", get(list_regions).post(create_region))
        .route("/regions/{id}", axum::routing::delete(delete_region))
        .route("/regions/{id}/token", axum::routing::post(rotate_region_token))
        .route("/agent/monitors", get(agent_monitors))
        .route("/agent/results", axum::routing::post(agent_results))
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
        error.report();
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

pub(crate) type ApiResult<T> = Result<T, ApiError>;

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

/// A query string whose rejection answers in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(AppError::BadRequest { message: rejection.body_text() })),
        }
    }
}

/// A whole number from the query string, with its field named when it is not one.
fn number<T: std::str::FromStr>(field: &str, value: Option<&str>) -> Result<Option<T>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| ApiError(AppError::validation(field, "Not a valid value."))),
    }
}

/// The `{id}` of a route, answered with the API's error shape when it is not
/// a whole number.
pub struct ApiId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = || ApiError(AppError::validation("id", "Must be a whole number."));
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| invalid())?;
        raw.parse().map(Self).map_err(|_| invalid())
    }
}

/// Where links to this server point (`VIGIE_PUBLIC_URL`, else the host the
/// request was for), for URLs in answers such as a heartbeat's ping URL.
pub struct LinksBase(pub String);

impl FromRequestParts<AppState> for LinksBase {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let https = parts.extensions.get::<app::ssr::team::auth::OverHttps>().is_some_and(|o| o.0);
        Ok(Self(app::ssr::status_pages::subscriber_mail::links_base(
            state.public_url.as_deref(),
            &parts.headers,
            https,
        )))
    }
}

// ---- authentication -------------------------------------------------------------

/// The token of an `Authorization: Bearer` header.
fn bearer_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The user behind the request's bearer token, and how the audit log names
/// them (with the client's address).
pub struct ApiUser(pub TokenUser, pub audit::Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(ApiError(AppError::Unauthorized))?;
        let now = chrono::Utc::now();
        let user = state.db.run(move |conn| Ok(resolve_api_token(conn, &token, now)?)).await?;
        let user = user.ok_or(ApiError(AppError::Unauthorized))?;
        let address = parts.extensions.get::<ClientAddress>().map_or("unknown", |a| a.0.as_str());
        let actor = audit::Actor::api(&user.user, address);
        Ok(ApiUser(user, actor))
    }
}

impl ApiUser {
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.user.is_admin() { Ok(()) } else { Err(ApiError(AppError::Forbidden)) }
    }
}

// ---- OpenAPI ---------------------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie API", description = "Uptime monitoring, incidents and status pages."),
    paths(me, list_users, create_user, update_user, delete_user, list_tokens, create_token, revoke_token,
          list_audit_events,
          list_monitors, create_monitor, get_monitor, update_monitor, delete_monitor, pause_monitor, resume_monitor,
          new_ping_url, bulk_monitors, list_monitor_tags,
          check_monitor, list_checks, list_regions, create_region, rotate_region_token, delete_region,
          list_incidents, create_incident, get_incident, change_incident, resolve_incident, reopen_incident,
          cancel_incident, list_comments, add_comment, edit_comment, delete_comment, list_updates, post_update,
          edit_update, delete_update,
          list_channels, create_channel, get_channel, update_channel, delete_channel, test_channel,
          list_deliveries, list_rules, create_rule, get_rule, update_rule, delete_rule,
          list_status_pages, create_status_page, get_status_page, update_status_page, delete_status_page,
          list_subscribers, add_subscriber, remove_subscriber, apply_config, config_schema),
    components(schemas(ErrorBody, ErrorDetail, User, Role, ApiToken, CreatedToken, AuditEvent, AuditAction, AuditVia,
                       AuditList,
                       NewUserRequest, UpdateUserRequest, NewTokenRequest,
                       Monitor, MonitorList, MonitorInput, BulkInput, BulkAction, BulkOutcome, MonitorKind, KeywordMode, MonitorStatus, Check, CheckOutcome,
                       FailureKind,
                       Region, CreatedRegion, NewRegionRequest,
                       Incident, IncidentKind, Impact, IncidentState, IncidentDetails, IncidentEvent, IncidentList,
                       IncidentChanges, NewIncident, Actor, AffectedMonitor, Comment, IncidentUpdate, UpdateStatus,
                       CommentRequest, UpdateRequest,
                       Channel, ChannelInput, ChannelKind, Recipients, AlertRule, AlertRuleInput, AlertEvent,
                       Delivery, DeliveryAttempt, DeliveryList, NotificationState,
                       StatusPage, StatusPageInput, PageComponent, Subscriber, SubscriberList, SubscriberInput,
                       SubscriberKind, SubscriberState,
                       ConfigRequest, ConfigOutcome, ConfigChange, ConfigField, MadeSecret)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "team", description = "Team members"), (name = "tokens", description = "API tokens"),
         (name = "audit", description = "The audit log of access and settings changes"),
         (name = "monitors", description = "What is probed"),
         (name = "regions", description = "Where probes run from"),
         (name = "incidents", description = "Incidents, their timeline, comments and updates"),
         (name = "alerts", description = "Alert channels, rules and deliveries"),
         (name = "status pages", description = "Public status pages' configuration"),
         (name = "configuration", description = "The configuration file (vigie.yaml) applied as code"))
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
