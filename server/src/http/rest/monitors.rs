//! `/api/v1/monitors`: define what is probed. Any team member.

use super::{ApiId, ApiJson, ApiQuery, ApiResult, ApiUser, ErrorBody, LinksBase, number};
use app::model::{BulkInput, BulkOutcome, Check, Monitor, MonitorInput, MonitorList};
use app::ssr::AppState;
use app::ssr::monitoring::monitors::{self, ListQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(super) struct ListParams {
    /// A part of the name, URL or host (any case).
    q: Option<String>,
    /// `up`, `degraded`, `down`, `partial`, `paused`, `maintenance` or `pending`.
    status: Option<String>,
    /// `http`, `tcp`, `heartbeat`, `dns` or `ping`.
    kind: Option<String>,
    /// Only monitors probed from the region of this name.
    region: Option<String>,
    /// Only monitors with this tag (any case).
    tag: Option<String>,
    /// `name` (the default: by name, any case) or `status` (worst first:
    /// down, partial, degraded, pending, maintenance, up, paused; then by name).
    sort: Option<String>,
    /// From 1 to 500 monitors a page (default 100).
    limit: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
}

/// Monitors by name, a page at a time: `{"items": [...], "next": cursor or
/// null}`; pass `next` back as `cursor` for the following page.
#[utoipa::path(get, path = "/api/v1/monitors", tag = "monitors", params(ListParams),
    responses((status = 200, body = MonitorList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_monitors(
    State(state): State<AppState>,
    _auth: ApiUser,
    LinksBase(base): LinksBase,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<MonitorList>> {
    let given = monitors::ListParams {
        search: params.q.as_deref(),
        status: params.status.as_deref(),
        kind: params.kind.as_deref(),
        region: params.region.as_deref(),
        tag: params.tag.as_deref(),
        sort: params.sort.as_deref(),
        cursor: params.cursor.as_deref(),
    };
    let query = ListQuery::new(given, number("limit", params.limit.as_deref())?)?;
    let mut list = state.db.run(move |conn| monitors::page(conn, &query)).await?;
    list.items = list.items.into_iter().map(|monitor| monitor.with_ping_base(&base)).collect();
    Ok(Json(list))
}

/// Creates a monitor. Missing fields take their defaults (GET, `200-299`,
/// 60 s interval, 10 s timeout, the server's region, 3 and 2 confirmations;
/// a heartbeat: every day, an hour's grace, 1 and 1 confirmation). A
/// heartbeat's answer holds its whole `ping_url`, this once.
#[utoipa::path(post, path = "/api/v1/monitors", tag = "monitors", request_body = MonitorInput,
    responses((status = 201, body = Monitor), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    LinksBase(base): LinksBase,
    ApiJson(input): ApiJson<MonitorInput>,
) -> ApiResult<(StatusCode, Json<Monitor>)> {
    let settings = state.monitor_settings.clone();
    let monitor = state.db.run(move |conn| monitors::save(conn, &settings, None, input)).await?;
    Ok((StatusCode::CREATED, Json(monitor.with_ping_base(&base))))
}

#[utoipa::path(get, path = "/api/v1/monitors/{id}", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Monitor), (status = 404, body = ErrorBody)))]
pub(super) async fn get_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    LinksBase(base): LinksBase,
) -> ApiResult<Json<Monitor>> {
    Ok(Json(state.db.run(move |conn| monitors::get(conn, id)).await?.with_ping_base(&base)))
}

/// Changes the fields given; the others stay as they are.
#[utoipa::path(patch, path = "/api/v1/monitors/{id}", tag = "monitors", request_body = MonitorInput,
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Monitor), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    LinksBase(base): LinksBase,
    ApiJson(input): ApiJson<MonitorInput>,
) -> ApiResult<Json<Monitor>> {
    let settings = state.monitor_settings.clone();
    let monitor = state.db.run(move |conn| monitors::save(conn, &settings, Some(id), input)).await?;
    Ok(Json(monitor.with_ping_base(&base)))
}

#[utoipa::path(delete, path = "/api/v1/monitors/{id}", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    state.db.run(move |conn| monitors::delete(conn, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pauses, resumes, deletes, tags or untags up to 500 monitors at once, in
/// one transaction: all of it happens, or none. Ids of no monitor are
/// answered in `missing`.
#[utoipa::path(post, path = "/api/v1/monitors/bulk", tag = "monitors", request_body = BulkInput,
    responses((status = 200, body = BulkOutcome), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn bulk_monitors(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiJson(input): ApiJson<BulkInput>,
) -> ApiResult<Json<BulkOutcome>> {
    Ok(Json(state.db.run(move |conn| monitors::bulk(conn, &input)).await?))
}

/// The tags monitors have, in order (at most 500).
#[utoipa::path(get, path = "/api/v1/monitors/tags", tag = "monitors",
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody)))]
pub(super) async fn list_monitor_tags(State(state): State<AppState>, _auth: ApiUser) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(state.db.run(monitors::tags).await?))
}

/// Stops probing (status `paused`) until resumed.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/pause", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Monitor), (status = 404, body = ErrorBody)))]
pub(super) async fn pause_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    LinksBase(base): LinksBase,
) -> ApiResult<Json<Monitor>> {
    Ok(Json(state.db.run(move |conn| monitors::set_paused(conn, id, true)).await?.with_ping_base(&base)))
}

#[utoipa::path(post, path = "/api/v1/monitors/{id}/resume", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Monitor), (status = 404, body = ErrorBody)))]
pub(super) async fn resume_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    LinksBase(base): LinksBase,
) -> ApiResult<Json<Monitor>> {
    Ok(Json(state.db.run(move |conn| monitors::set_paused(conn, id, false)).await?.with_ping_base(&base)))
}

/// Gives a heartbeat a new ping URL: the old one stops working at once. The
/// answer holds the whole new URL, this once.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/ping-url", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Monitor), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn new_ping_url(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    LinksBase(base): LinksBase,
) -> ApiResult<Json<Monitor>> {
    Ok(Json(state.db.run(move |conn| monitors::new_ping_url(conn, id)).await?.with_ping_base(&base)))
}

/// Checks the monitor once, now, from this server's region, and answers the
/// check (it is not stored).
#[utoipa::path(post, path = "/api/v1/monitors/{id}/check", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id")),
    responses((status = 200, body = Check), (status = 404, body = ErrorBody)))]
pub(super) async fn check_monitor(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Check>> {
    Ok(Json(monitors::check_now(&state, id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub(super) struct ChecksQuery {
    /// How many checks, newest first (1–1000, default 50).
    limit: Option<i64>,
}

/// The newest checks of a monitor, from every region.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/checks", tag = "monitors",
    params(("id" = i64, Path, description = "monitor id"), ChecksQuery),
    responses((status = 200, body = Vec<Check>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_checks(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    ApiQuery(query): ApiQuery<ChecksQuery>,
) -> ApiResult<Json<Vec<Check>>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(app::error::AppError::validation("limit", "Use 1 to 1000.").into());
    }
    let checks = state
        .db
        .run(move |conn| {
            monitors::get(conn, id)?;
            Ok(app::ssr::monitoring::report::recent_checks(conn, id, limit)?)
        })
        .await?;
    Ok(Json(checks))
}
