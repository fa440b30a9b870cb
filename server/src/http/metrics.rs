//! Prometheus metrics: HTTP requests by route and status, request latency,
//! and the database pool's use, rendered at `GET /metrics`.

use app::ssr::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process-wide recorder (installed on first use).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed, and then ours just
        // records nothing: never worth stopping the server for.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The route a request matched, carried from the inner router to [`track`].
#[derive(Clone)]
struct RouteLabel(String);

/// Inner layer (`route_layer`): notes which route pattern matched.
pub async fn label_route(request: Request, next: Next) -> Response {
    let label = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(label) = label {
        response.extensions_mut().insert(RouteLabel(label));
    }
    response
}

/// Outer layer: counts every request and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let response = next.run(request).await;
    // Unmatched requests (static files, unknown paths) share one label, so a
    // scan of random URLs cannot blow up the metric's cardinality.
    let route = response.extensions().get::<RouteLabel>().map_or_else(|| "other".to_owned(), |l| l.0.clone());
    let labels = [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("vigie_http_requests_total", &labels).increment(1);
    metrics::histogram!("vigie_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics` on the main address: only with `VIGIE_METRICS_TOKEN` as a
/// Bearer token; without one configured, it is not there (a separate
/// address, `VIGIE_METRICS_BIND`, serves [`exposition`] instead).
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.security.metrics_token else { return StatusCode::NOT_FOUND.into_response() };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    // Compared as digests: the time taken says nothing about the token.
    let secret_hash = app::ssr::team::auth::secret_hash;
    if given.is_none_or(|given| secret_hash(given) != secret_hash(token)) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    exposition(State(state)).await.into_response()
}

/// The metrics in Prometheus' text format.
pub async fn exposition(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.db.pool();
    let pool_state = pool.state();
    metrics::gauge!("vigie_db_pool_connections").set(f64::from(pool_state.connections));
    metrics::gauge!("vigie_db_pool_idle_connections").set(f64::from(pool_state.idle_connections));
    metrics::gauge!("vigie_db_pool_max_connections").set(f64::from(pool.max_size()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}
