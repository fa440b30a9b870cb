//! `/api/v1/incidents`: the incident lifecycle, timeline, private comments
//! and public updates. Any team member.

use super::{ApiError, ApiId, ApiJson, ApiQuery, ApiResult, ApiUser, ErrorBody, number};
use app::error::AppError;
use app::model::{
    Comment, Impact, Incident, IncidentChanges, IncidentDetails, IncidentList, IncidentUpdate, NewIncident,
    UpdateStatus,
};
use app::ssr::AppState;
use app::ssr::incidents::lifecycle::ManualAction;
use app::ssr::incidents::{self, ListQuery};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{StatusCode, request::Parts};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(super) struct ListParams {
    /// `ongoing`, `scheduled`, `resolved` or `cancelled`.
    state: Option<String>,
    /// One of the six impact levels.
    impact: Option<String>,
    /// Only incidents affecting this monitor.
    monitor_id: Option<String>,
    /// From 1 (default); each page holds 25.
    page: Option<String>,
}

/// Incidents, ongoing first, then scheduled, then the rest, newest first:
/// `{"items": [...], "next": page or null}`.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListParams),
    responses((status = 200, body = IncidentList), (status = 422, body = ErrorBody)))]
pub(super) async fn list_incidents(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<IncidentList>> {
    let monitor_id = number("monitor_id", params.monitor_id.as_deref())?;
    let page = number("page", params.page.as_deref())?.unwrap_or(1);
    let query = ListQuery::new(params.state.as_deref(), params.impact.as_deref(), monitor_id, page)?;
    Ok(Json(state.db.run(move |conn| incidents::list(conn, &query)).await?))
}

/// Creates a manual incident (ongoing at once) or, with `kind:
/// "maintenance"` and a window, planned maintenance.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = NewIncident,
    responses((status = 201, body = Incident), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_incident(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(input): ApiJson<NewIncident>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    let actor = auth.0.user.id;
    let incident = state.db.run(move |conn| incidents::create(conn, actor, input, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// An incident with its monitors, timeline (`events`), comments and updates.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = IncidentDetails), (status = 404, body = ErrorBody)))]
pub(super) async fn get_incident(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<IncidentDetails>> {
    Ok(Json(state.db.run(move |conn| incidents::details(conn, id)).await?))
}

/// Changes the title, public title, details, impact, affected monitors or a
/// maintenance's window (each change goes on the timeline).
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", request_body = IncidentChanges,
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn change_incident(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(changes): ApiJson<IncidentChanges>,
) -> ApiResult<Json<Incident>> {
    let actor = auth.0.user.id;
    Ok(Json(state.db.run(move |conn| incidents::change(conn, actor, id, changes, Utc::now())).await?))
}

async fn act(state: AppState, auth: ApiUser, id: i64, action: ManualAction) -> ApiResult<Json<Incident>> {
    let actor = auth.0.user.id;
    Ok(Json(state.db.run(move |conn| incidents::act(conn, actor, id, action, Utc::now())).await?))
}

/// Resolves an ongoing incident (a maintenance ends early).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/resolve", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn resolve_incident(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Incident>> {
    act(state, auth, id, ManualAction::Resolve).await
}

/// Reopens a resolved incident (not a maintenance).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/reopen", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reopen_incident(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Incident>> {
    act(state, auth, id, ManualAction::Reopen).await
}

/// Cancels a maintenance that has not started.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/cancel", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn cancel_incident(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Incident>> {
    act(state, auth, id, ManualAction::Cancel).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Markdown, at most 20,000 characters.
    pub body: String,
}

/// The team's private comments, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/comments", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_comments(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Vec<Comment>>> {
    Ok(Json(state.db.run(move |conn| incidents::comments(conn, id)).await?))
}

/// Adds a private comment; the answer has the Markdown and `body_html`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/comments", tag = "incidents", request_body = CommentRequest,
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 201, body = Comment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_comment(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<CommentRequest>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let actor = auth.0.user.id;
    let comment = state.db.run(move |conn| incidents::add_comment(conn, actor, id, &body.body, Utc::now())).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// What a route names inside an incident, and the name of its path field.
pub trait Child {
    const FIELD: &'static str;
}

pub struct OfComment;
impl Child for OfComment {
    const FIELD: &'static str = "comment_id";
}

pub struct OfUpdate;
impl Child for OfUpdate {
    const FIELD: &'static str = "update_id";
}

/// The `{id}` of an incident and the id of one of its comments or updates.
pub struct ChildPath<C> {
    pub(super) incident: i64,
    pub(super) child: i64,
    kind: std::marker::PhantomData<C>,
}

impl<S: Send + Sync, C: Child> FromRequestParts<S> for ChildPath<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = |field| ApiError(AppError::validation(field, "Must be a whole number."));
        let Path((incident, child)) =
            Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|_| invalid("id"))?;
        let incident = incident.parse::<i64>().map_err(|_| invalid("id"))?;
        let child = child.parse::<i64>().map_err(|_| invalid(C::FIELD))?;
        Ok(Self { incident, child, kind: std::marker::PhantomData })
    }
}

/// Edits one's own comment (marked as edited).
#[utoipa::path(patch, path = "/api/v1/incidents/{id}/comments/{comment_id}", tag = "incidents",
    request_body = CommentRequest,
    params(("id" = i64, Path, description = "incident id"), ("comment_id" = i64, Path, description = "comment id")),
    responses((status = 200, body = Comment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn edit_comment(
    State(state): State<AppState>,
    auth: ApiUser,
    path: ChildPath<OfComment>,
    ApiJson(body): ApiJson<CommentRequest>,
) -> ApiResult<Json<Comment>> {
    let actor = auth.0.user.id;
    let now = Utc::now();
    let (incident, comment) = (path.incident, path.child);
    Ok(Json(state.db.run(move |conn| incidents::edit_comment(conn, actor, incident, comment, &body.body, now)).await?))
}

/// Deletes a comment: one's own, or anyone's for an admin (the timeline
/// keeps that it was deleted, and whose it was).
#[utoipa::path(delete, path = "/api/v1/incidents/{id}/comments/{comment_id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id"), ("comment_id" = i64, Path, description = "comment id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_comment(
    State(state): State<AppState>,
    auth: ApiUser,
    path: ChildPath<OfComment>,
) -> ApiResult<StatusCode> {
    let actor = auth.0.user;
    let (incident, comment) = (path.incident, path.child);
    state.db.run(move |conn| incidents::delete_comment(conn, &actor, incident, comment, Utc::now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    pub status: UpdateStatus,
    /// Markdown, at most 20,000 characters.
    pub body: String,
    /// Sets the incident's impact in the same step. While the impact is
    /// `unknown`, status pages show no update (only that the components are
    /// down).
    #[serde(default)]
    pub impact: Option<Impact>,
    /// Tell the status pages' subscribers (default true); false for a
    /// correction nobody needs to be mailed about.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub notify_subscribers: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCorrection {
    pub status: Option<UpdateStatus>,
    /// Markdown, at most 20,000 characters.
    pub body: Option<String>,
}

/// Public updates, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/updates", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, body = Vec<IncidentUpdate>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_updates(
    State(state): State<AppState>,
    _auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Vec<IncidentUpdate>>> {
    Ok(Json(
        state
            .db
            .run(move |conn| {
                incidents::get(conn, id)?;
                incidents::updates(conn, id)
            })
            .await?,
    ))
}

/// Publishes an update at once (with `impact`, sets the impact in the same
/// step). A `resolved` update does not resolve the incident by itself: call
/// `/resolve` too.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "incidents", request_body = UpdateRequest,
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 201, body = IncidentUpdate), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn post_update(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> ApiResult<(StatusCode, Json<IncidentUpdate>)> {
    let actor = auth.0.user.id;
    let now = Utc::now();
    let update = state
        .db
        .run(move |conn| {
            incidents::post_update(conn, actor, id, body.status, &body.body, body.impact, body.notify_subscribers, now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(update)))
}

/// Corrects a public update's status or text: same id and publication time,
/// `edited_at` set; feeds carry the new text under the same id.
#[utoipa::path(patch, path = "/api/v1/incidents/{id}/updates/{update_id}", tag = "incidents",
    request_body = UpdateCorrection,
    params(("id" = i64, Path, description = "incident id"), ("update_id" = i64, Path, description = "update id")),
    responses((status = 200, body = IncidentUpdate), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn edit_update(
    State(state): State<AppState>,
    auth: ApiUser,
    path: ChildPath<OfUpdate>,
    ApiJson(body): ApiJson<UpdateCorrection>,
) -> ApiResult<Json<IncidentUpdate>> {
    let actor = auth.0.user.id;
    let (incident, update) = (path.incident, path.child);
    Ok(Json(
        state
            .db
            .run(move |conn| {
                incidents::edit_update(conn, actor, incident, update, body.status, body.body.as_deref(), Utc::now())
            })
            .await?,
    ))
}

/// Withdraws a public update from every page and feed (the timeline keeps
/// that it was published and deleted).
#[utoipa::path(delete, path = "/api/v1/incidents/{id}/updates/{update_id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id"), ("update_id" = i64, Path, description = "update id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_update(
    State(state): State<AppState>,
    auth: ApiUser,
    path: ChildPath<OfUpdate>,
) -> ApiResult<StatusCode> {
    let actor = auth.0.user.id;
    let (incident, update) = (path.incident, path.child);
    state.db.run(move |conn| incidents::delete_update(conn, actor, incident, update, Utc::now())).await?;
    Ok(StatusCode::NO_CONTENT)
}
