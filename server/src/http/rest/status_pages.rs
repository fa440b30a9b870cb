//! `/api/v1/status-pages`: the public pages' configuration. Any team member.

use super::{ApiId, ApiJson, ApiResult, ApiUser, ErrorBody};
use app::model::{StatusPage, StatusPageInput};
use app::ssr::{AppState, status_pages};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

/// Status pages, by title.
#[utoipa::path(get, path = "/api/v1/status-pages", tag = "status pages",
    responses((status = 200, body = [StatusPage])))]
pub(super) async fn list_status_pages(
    State(state): State<AppState>,
    _auth: ApiUser,
) -> ApiResult<Json<Vec<StatusPage>>> {
    Ok(Json(state.db.run(status_pages::list).await?))
}

/// Creates a page: `slug`, `title`, `description`, `default`, `published`,
/// `custom_domain`, `logo_url`, `accent_color`, `components`
/// (`[{monitor_id, name, group}]`, in order).
#[utoipa::path(post, path = "/api/v1/status-pages", tag = "status pages", request_body = StatusPageInput,
    responses((status = 201, body = StatusPage), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_status_page(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(input): ApiJson<StatusPageInput>,
) -> ApiResult<(StatusCode, Json<StatusPage>)> {
    let page = state.db.run(move |conn| status_pages::create(conn, &auth.1, input, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(page)))
}

#[utoipa::path(get, path = "/api/v1/status-pages/{id}", tag = "status pages",
    params(("id" = i64, Path, description = "status page id")),
    responses((status = 200, body = StatusPage), (status = 404, body = ErrorBody)))]
pub(super) async fn get_status_page(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<StatusPage>> {
    Ok(Json(state.db.run(move |conn| status_pages::get(conn, id)).await?))
}

/// Changes a page; fields left out stay, `components` replaces the list.
#[utoipa::path(patch, path = "/api/v1/status-pages/{id}", tag = "status pages", request_body = StatusPageInput,
    params(("id" = i64, Path, description = "status page id")),
    responses((status = 200, body = StatusPage), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
               (status = 422, body = ErrorBody)))]
pub(super) async fn update_status_page(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(input): ApiJson<StatusPageInput>,
) -> ApiResult<Json<StatusPage>> {
    Ok(Json(state.db.run(move |conn| status_pages::update(conn, &auth.1, id, input, Utc::now())).await?))
}

#[utoipa::path(delete, path = "/api/v1/status-pages/{id}", tag = "status pages",
    params(("id" = i64, Path, description = "status page id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_status_page(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    state.db.run(move |conn| status_pages::delete(conn, &auth.1, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
