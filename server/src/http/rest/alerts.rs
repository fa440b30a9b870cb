//! `/api/v1/channels` and `/api/v1/alert-rules`: where alerts go and which
//! events send them; a channel's deliveries and a test send. Any team
//! member. Secrets are write-only: answers carry them masked.

use super::{ApiError, ApiId, ApiJson, ApiQuery, ApiResult, ApiUser, ErrorBody};
use app::error::AppError;
use app::model::{AlertRule, AlertRuleInput, Channel, ChannelInput, DeliveryAttempt, DeliveryList};
use app::ssr::{AppState, alerts, alerts::notify};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

/// Channels, by name.
#[utoipa::path(get, path = "/api/v1/channels", tag = "alerts", responses((status = 200, body = [Channel])))]
pub(super) async fn list_channels(State(state): State<AppState>, _auth: ApiUser) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(state.db.run(alerts::list_channels).await?))
}

/// Creates a channel: `kind` (`webhook`, `slack`, `discord`, `email`),
/// `name`, and `url` + `secret` (webhook), `url` (Slack, Discord) or `to`
/// (email: one address or a list).
#[utoipa::path(post, path = "/api/v1/channels", tag = "alerts", request_body = ChannelInput,
    responses((status = 201, body = Channel), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_channel(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(input): ApiJson<ChannelInput>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let channel = state.db.run(move |conn| alerts::create_channel(conn, &auth.1, input, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(channel)))
}

#[utoipa::path(get, path = "/api/v1/channels/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "channel id")),
    responses((status = 200, body = Channel), (status = 404, body = ErrorBody)))]
pub(super) async fn get_channel(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Channel>> {
    Ok(Json(state.db.run(move |conn| alerts::get_channel(conn, id)).await?))
}

/// Changes a channel; fields left out (or an empty `secret`) stay as they are.
#[utoipa::path(patch, path = "/api/v1/channels/{id}", tag = "alerts", request_body = ChannelInput,
    params(("id" = i64, Path, description = "channel id")),
    responses((status = 200, body = Channel), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_channel(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(input): ApiJson<ChannelInput>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(state.db.run(move |conn| alerts::update_channel(conn, &auth.1, id, input, Utc::now())).await?))
}

/// Deletes a channel, its rules and its deliveries.
#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "channel id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_channel(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    state.db.run(move |conn| alerts::delete_channel(conn, &auth.1, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a test notification now and answers what the attempt got.
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", tag = "alerts",
    params(("id" = i64, Path, description = "channel id")),
    responses((status = 200, body = DeliveryAttempt), (status = 404, body = ErrorBody)))]
pub(super) async fn test_channel(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<DeliveryAttempt>> {
    Ok(Json(notify::send_test(&state.db, &state.notifier, id).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(super) struct PageParams {
    /// From 1 (default); each page holds 50.
    page: Option<String>,
}

/// A channel's deliveries with every attempt, newest first:
/// `{"items": [...], "next": page or null}`.
#[utoipa::path(get, path = "/api/v1/channels/{id}/deliveries", tag = "alerts",
    params(("id" = i64, Path, description = "channel id"), PageParams),
    responses((status = 200, body = DeliveryList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_deliveries(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<DeliveryList>> {
    let page = match params.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(text) => text
            .parse()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| ApiError(AppError::validation("page", "Not a valid value.")))?,
    };
    Ok(Json(state.db.run(move |conn| alerts::deliveries(conn, id, page)).await?))
}

/// Alert rules, by name.
#[utoipa::path(get, path = "/api/v1/alert-rules", tag = "alerts", responses((status = 200, body = [AlertRule])))]
pub(super) async fn list_rules(State(state): State<AppState>, _auth: ApiUser) -> ApiResult<Json<Vec<AlertRule>>> {
    Ok(Json(state.db.run(alerts::list_rules).await?))
}

/// Creates a rule: `name`, `events`, `channel_id`, `monitor_ids` (null or
/// absent: all monitors), `enabled` (default true), `max_per_hour` (null or
/// absent: no limit).
#[utoipa::path(post, path = "/api/v1/alert-rules", tag = "alerts", request_body = AlertRuleInput,
    responses((status = 201, body = AlertRule), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_rule(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiJson(input): ApiJson<AlertRuleInput>,
) -> ApiResult<(StatusCode, Json<AlertRule>)> {
    let rule = state.db.run(move |conn| alerts::create_rule(conn, input, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(get, path = "/api/v1/alert-rules/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "rule id")),
    responses((status = 200, body = AlertRule), (status = 404, body = ErrorBody)))]
pub(super) async fn get_rule(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<AlertRule>> {
    Ok(Json(state.db.run(move |conn| alerts::get_rule(conn, id)).await?))
}

/// Changes a rule; fields left out stay as they are.
#[utoipa::path(patch, path = "/api/v1/alert-rules/{id}", tag = "alerts", request_body = AlertRuleInput,
    params(("id" = i64, Path, description = "rule id")),
    responses((status = 200, body = AlertRule), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_rule(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(input): ApiJson<AlertRuleInput>,
) -> ApiResult<Json<AlertRule>> {
    Ok(Json(state.db.run(move |conn| alerts::update_rule(conn, id, input, Utc::now())).await?))
}

#[utoipa::path(delete, path = "/api/v1/alert-rules/{id}", tag = "alerts",
    params(("id" = i64, Path, description = "rule id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_rule(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    state.db.run(move |conn| alerts::delete_rule(conn, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
