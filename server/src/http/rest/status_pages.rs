//! `/api/v1/status-pages`: the public pages' configuration, and their
//! subscribers. Any team member.

use super::incidents::{Child, ChildPath};
use super::{ApiId, ApiJson, ApiQuery, ApiResult, ApiUser, ErrorBody};
use app::error::AppError;
use app::model::{StatusPage, StatusPageInput, Subscriber, SubscriberInput, SubscriberList, SubscriberState};
use app::ssr::status_pages::{subscriber_mail, subscribers};
use app::ssr::{AppState, status_pages};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;

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

// ---- subscribers -------------------------------------------------------------------

pub struct OfSubscriber;
impl Child for OfSubscriber {
    const FIELD: &'static str = "subscriber_id";
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct SubscriberQuery {
    /// Subscribers per page, newest first (1–100, default 50).
    limit: Option<u32>,
    /// Only subscribers older than this id (the `next` of the previous page).
    before: Option<i64>,
    /// Only addresses containing this text (case-insensitive).
    search: Option<String>,
    /// Only subscribers in this state.
    state: Option<SubscriberState>,
}

/// A page's subscribers, newest first, paginated: `{items, next}`. Webhook
/// URLs are shown with their path hidden.
#[utoipa::path(get, path = "/api/v1/status-pages/{id}/subscribers", tag = "status pages",
    params(("id" = i64, Path, description = "status page id"), SubscriberQuery),
    responses((status = 200, body = SubscriberList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_subscribers(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
    ApiQuery(query): ApiQuery<SubscriberQuery>,
) -> ApiResult<Json<SubscriberList>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=subscribers::LIST_MAX).contains(&limit) {
        return Err(AppError::validation("limit", format!("Use 1 to {}.", subscribers::LIST_MAX)).into());
    }
    let list = state
        .db
        .run(move |conn| subscribers::list(conn, id, query.search.as_deref(), query.state, query.before, limit))
        .await?;
    Ok(Json(list))
}

/// Adds a subscriber: `{kind, address, monitor_ids, skip_confirmation}`. An
/// email address is sent a link to confirm unless `skip_confirmation` (the
/// person already agreed); a webhook is active at once.
#[utoipa::path(post, path = "/api/v1/status-pages/{id}/subscribers", tag = "status pages",
    request_body = SubscriberInput, params(("id" = i64, Path, description = "status page id")),
    responses((status = 201, body = Subscriber), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
               (status = 422, body = ErrorBody)))]
pub(super) async fn add_subscriber(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    headers: axum::http::HeaderMap,
    ApiJson(input): ApiJson<SubscriberInput>,
) -> ApiResult<(StatusCode, Json<Subscriber>)> {
    let (subscriber, confirm, page) = state
        .db
        .run(move |conn| {
            let (subscriber, confirm) = subscribers::add(conn, &auth.1, id, &input, Utc::now())?;
            let page = app::ssr::db::status_pages::find(conn, id)?.ok_or_else(|| AppError::not_found("status page"))?;
            Ok((subscriber, confirm.map(|token| (token, input.address)), page))
        })
        .await?;
    if let Some((token, address)) = confirm {
        let base = subscriber_mail::links_base(state.public_url.as_deref(), &headers, false);
        let sender = subscriber_mail::Sender { title: page.title, accent: page.accent_color };
        subscriber_mail::send_confirmation(&state.notifier, &sender, address.trim(), &base, &token);
    }
    Ok((StatusCode::CREATED, Json(subscriber)))
}

#[utoipa::path(delete, path = "/api/v1/status-pages/{id}/subscribers/{subscriber_id}", tag = "status pages",
    params(("id" = i64, Path, description = "status page id"), ("subscriber_id" = i64, Path, description = "subscriber id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_subscriber(
    State(state): State<AppState>,
    auth: ApiUser,
    path: ChildPath<OfSubscriber>,
) -> ApiResult<StatusCode> {
    let (page, id) = (path.incident, path.child);
    state.db.run(move |conn| subscribers::remove(conn, &auth.1, page, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
