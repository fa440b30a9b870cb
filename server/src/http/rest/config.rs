//! `/api/v1/config`: the configuration file (`vigie.yaml`) applied over the
//! API, for CI pipelines, and its JSON Schema for editors. The same plan and
//! transaction as `vigie apply`; `${NAME}` references are read from the
//! request's `variables`, never from the server's environment.

use super::{ApiError, ApiQuery, ApiResult, ApiUser, ErrorBody};
use app::error::AppError;
use app::ssr::AppState;
use app::ssr::config::{self, Document, FileError, Operation, apply::Context};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::ToSchema;

/// The largest file taken (the router lets this route's bodies be this big).
pub const FILE_MAX_BYTES: usize = 16 * 1024 * 1024;
/// At most this many variables in one request.
pub const VARIABLES_MAX: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ConfigQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    prune: bool,
}

/// A JSON request that carries a file and the values of its references.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRequest {
    /// The file's text, YAML or JSON, as `vigie export` writes it.
    pub file: String,
    /// Values of the file's `${NAME}` references (secrets).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// What an apply did (or, in a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigOutcome {
    /// True when nothing was changed (`?dry_run=true`).
    pub dry_run: bool,
    pub changes: Vec<ConfigChange>,
    pub created: usize,
    pub changed: usize,
    pub deleted: usize,
    /// The plan as `vigie apply` prints it.
    pub plan: String,
    /// Secrets made by this apply (a new region's agent token, a new
    /// heartbeat's ping path), shown this once. Empty in a dry run.
    pub made: Vec<MadeSecret>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigChange {
    /// `create`, `change` or `delete`.
    pub operation: String,
    /// `region`, `monitor`, `channel`, `rule` or `status_page`.
    pub kind: String,
    pub key: String,
    /// Field by field; secrets are shown as `(secret)`.
    pub fields: Vec<ConfigField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigField {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeSecret {
    pub what: String,
    pub secret: String,
}

/// Applies a configuration file (admins only): YAML (`Content-Type:
/// application/yaml`), JSON, or JSON `{"file": "...", "variables": {...}}`
/// to give the values of the file's `${NAME}` references. All of it in one
/// transaction, or nothing; `?dry_run=true` answers the plan and changes
/// nothing; `?prune=true` removes objects a file made that this one no
/// longer lists. A file that cannot be read or applied is refused with 422,
/// its `field` (`monitors[2].interval_seconds`) and `line`.
#[utoipa::path(post, path = "/api/v1/config", tag = "configuration",
    params(("dry_run" = Option<bool>, Query, description = "plan only, change nothing"),
           ("prune" = Option<bool>, Query, description = "remove managed objects the file no longer lists")),
    request_body(description = "the file: YAML, JSON, or JSON with the file and its variables",
                 content((String = "application/yaml"), (ConfigRequest = "application/json"))),
    responses((status = 200, body = ConfigOutcome), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn apply_config(
    State(state): State<AppState>,
    auth: ApiUser,
    ApiQuery(query): ApiQuery<ConfigQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    auth.require_admin()?;
    let (text, variables) = match read_request(&headers, &body) {
        Ok(read) => read,
        Err(refused) => return Ok(*refused),
    };
    let document = match Document::parse_any(&text) {
        Ok(document) => document,
        Err(error) => return Ok(refusal(error)),
    };
    let settings = state.monitor_settings.clone();
    let actor = auth.1;
    let ConfigQuery { dry_run, prune } = query;
    let result = state
        .db
        .run(move |conn| {
            let env = |name: &str| variables.get(name).cloned();
            let context = Context { actor: &actor, settings: &settings, env: &env, prune, now: chrono::Utc::now() };
            Ok(if dry_run {
                config::plan(conn, &context, &document, &text).map(|plan| config::Applied { plan, made: Vec::new() })
            } else {
                config::apply(conn, &context, &document, &text)
            })
        })
        .await?;
    let applied = match result {
        Ok(applied) => applied,
        Err(error) => return Ok(refusal(error)),
    };
    Ok(Json(outcome(applied, dry_run)).into_response())
}

/// The file's text and the variables, from a YAML or a JSON body; or the
/// answer that refuses the body.
fn read_request(headers: &HeaderMap, body: &[u8]) -> Result<(String, BTreeMap<String, String>), Box<Response>> {
    let refuse = |error: AppError| Box::new(ApiError(error).into_response());
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let kind = kind.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let text = std::str::from_utf8(body)
        .map_err(|_| refuse(AppError::validation("file", "The file is not UTF-8 text.")))?
        .to_owned();
    match kind.as_str() {
        "application/json" => {
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|error| refuse(AppError::BadRequest { message: format!("The body is not JSON: {error}.") }))?;
            if value.get("file").is_none() {
                return Ok((text, BTreeMap::new()));
            }
            let request: ConfigRequest = serde_json::from_value(value)
                .map_err(|error| refuse(AppError::BadRequest { message: format!("{error}.") }))?;
            if request.variables.len() > VARIABLES_MAX {
                return Err(refuse(AppError::validation("variables", format!("At most {VARIABLES_MAX}."))));
            }
            Ok((request.file, request.variables))
        }
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" | "text/plain" | "" => {
            Ok((text, BTreeMap::new()))
        }
        other => {
            let message = format!(
                "Send the file as `Content-Type: application/yaml` or `application/json`, not `{other}` \
                 (curl: -H 'Content-Type: application/yaml' --data-binary @vigie.yaml)."
            );
            let body = serde_json::json!({"error": {"code": "bad_request", "message": message, "field": null}});
            Err(Box::new((StatusCode::UNSUPPORTED_MEDIA_TYPE, Json(body)).into_response()))
        }
    }
}

/// A file refused: 422 with the field and, when known, the line.
fn refusal(error: FileError) -> Response {
    let body = serde_json::json!({
        "error": {"code": "validation", "message": error.message, "field": error.field, "line": error.line}
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn outcome(applied: config::Applied, dry_run: bool) -> ConfigOutcome {
    let (created, changed, deleted) = applied.plan.counts();
    let plan = applied.plan.to_string();
    let changes = applied
        .plan
        .changes
        .into_iter()
        .map(|change| ConfigChange {
            operation: match change.operation {
                Operation::Create => "create",
                Operation::Change => "change",
                Operation::Delete => "delete",
            }
            .to_owned(),
            kind: change.kind.to_owned(),
            key: change.key,
            fields: change
                .fields
                .into_iter()
                .map(|f| ConfigField { field: f.field, before: f.before, after: f.after })
                .collect(),
        })
        .collect();
    let made = applied.made.into_iter().map(|(what, secret)| MadeSecret { what, secret }).collect();
    ConfigOutcome { dry_run, changes, created, changed, deleted, plan, made }
}

/// The JSON Schema of the configuration file, for editors (public, like
/// the OpenAPI document): in YAML, `# yaml-language-server: $schema=<this URL>`.
#[utoipa::path(get, path = "/api/v1/config.schema.json", tag = "configuration", security(()),
    responses((status = 200, description = "JSON Schema (draft 2020-12)", content_type = "application/schema+json")))]
pub(super) async fn config_schema() -> Response {
    static SCHEMA: OnceLock<String> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| serde_json::to_string_pretty(&config::json_schema()).unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/schema+json")], schema.clone()).into_response()
}
