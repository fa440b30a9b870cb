//! `/api/v1/regions` (admins) and the agent protocol under `/api/v1/agent`
//! (authenticated by a region's agent token, not a user's).

use super::{ApiError, ApiId, ApiJson, ApiResult, ApiUser, ErrorBody};
use app::error::AppError;
use app::model::{CreatedRegion, Region};
use app::ssr::AppState;
use app::ssr::monitoring::regions::{self, AgentRegion, BatchReceipt, ResultBatch};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Every region, built-in and agent (admins only). Tokens are never listed.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions",
    responses((status = 200, body = Vec<Region>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_regions(State(state): State<AppState>, auth: ApiUser) -> ApiResult<Json<Vec<Region>>> {
    auth.require_admin()?;
    Ok(Json(state.db.run(regions::list_regions).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegionRequest {
    /// 1 to 40 lowercase letters, digits or dashes.
    pub name: String,
}

/// Creates an agent region (admins only). The answer carries the agent token,
/// shown this once: run `vigie agent --server URL --region NAME --token TOKEN`.
#[utoipa::path(post, path = "/api/v1/regions", tag = "regions", request_body = NewRegionRequest,
    responses((status = 201, body = CreatedRegion), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_region(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiJson(body): ApiJson<NewRegionRequest>,
) -> ApiResult<(StatusCode, Json<CreatedRegion>)> {
    auth.require_admin()?;
    let created = state.db.run(move |conn| regions::create_region(conn, &auth.1, &body.name)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Replaces an agent region's token (admins only); the old one stops working.
#[utoipa::path(post, path = "/api/v1/regions/{id}/token", tag = "regions",
    params(("id" = i64, Path, description = "region id")),
    responses((status = 200, body = CreatedRegion), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn rotate_region_token(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<CreatedRegion>> {
    auth.require_admin()?;
    Ok(Json(state.db.run(move |conn| regions::rotate_region_token(conn, &auth.1, id)).await?))
}

/// Deletes an agent region no monitor uses (admins only).
#[utoipa::path(delete, path = "/api/v1/regions/{id}", tag = "regions",
    params(("id" = i64, Path, description = "region id")),
    responses((status = 204), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_region(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    state.db.run(move |conn| regions::delete_region(conn, &auth.1, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- the agent protocol -------------------------------------------------------

/// The region behind the request's agent token.
pub struct Agent(pub AgentRegion);

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = super::bearer_token(parts).ok_or(ApiError(AppError::Unauthorized))?;
        let now = chrono::Utc::now();
        let region = state.db.run(move |conn| Ok(regions::resolve_agent(conn, &token, now)?)).await?;
        region.map(Agent).ok_or(ApiError(AppError::Unauthorized))
    }
}

/// The monitors the agent's region probes. Answers 304 when the list is the
/// one the agent has (`If-None-Match`), so agents can ask every few seconds.
pub(super) async fn agent_monitors(
    State(state): State<AppState>,
    Agent(region): Agent,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let assignment = state.db.run(move |conn| Ok(regions::agent_assignment(conn, &region)?)).await?;
    let body =
        serde_json::to_vec(&assignment).map_err(|e| ApiError(AppError::failed("encode an agent's assignment", e)))?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((StatusCode::OK, [(header::ETAG, etag), (header::CONTENT_TYPE, "application/json".to_owned())], body)
        .into_response())
}

/// Records a batch of the agent's results.
pub(super) async fn agent_results(
    State(state): State<AppState>,
    Agent(region): Agent,
    ApiJson(batch): ApiJson<ResultBatch>,
) -> ApiResult<Json<BatchReceipt>> {
    let retention = state.monitor_settings.check_retention_days;
    let now = chrono::Utc::now();
    let receipt = state.db.run(move |conn| regions::record_agent_results(conn, &region, batch, retention, now)).await?;
    metrics::counter!("vigie_agent_results_total").increment(receipt.accepted as u64);
    Ok(Json(receipt))
}
