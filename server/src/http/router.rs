//! The whole HTTP surface in one router: pages and server functions (Leptos),
//! the REST API, health and metrics, with the layers every request goes
//! through. Tests drive it with `oneshot`.

use super::{metrics, rest, security, session};
use crate::public::subscribe;
use app::app::{App, shell};
use app::ssr::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router, middleware};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router(state: AppState, options: LeptosOptions) -> Router {
    // Install the metrics recorder before the first request is counted.
    metrics::handle();
    let routes = generate_route_list(App);
    let context = state.clone();
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, move || provide_context(context.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);

    // Public status pages answer from their cache, already compressed: they
    // skip the session, tracing, metrics and compression layers, which would
    // cost more than the answer itself when everyone visits at once.
    let public = Router::new()
        .route("/status/{slug}", get(crate::public::status_page))
        .route("/status/{slug}/incidents/{id}", get(crate::public::incident_page))
        .route("/status/{slug}/history", get(crate::public::history_page))
        .route("/status/{slug}/feed.rss", get(crate::public::feeds::rss_feed))
        .route("/status/{slug}/feed.atom", get(crate::public::feeds::atom_feed))
        .route("/status/{slug}/api/v2/{*document}", get(crate::public::statuspage::api))
        // Heartbeats: jobs call these often and with curl; the token is the
        // credential, and the paths stay out of the request log.
        .route("/ping/{token}", get(super::ping::ping).post(super::ping::ping))
        .route("/ping/{token}/{signal}", get(super::ping::ping_signal).post(super::ping::ping_signal))
        .layer(middleware::from_fn(security::limits))
        .with_state(state.clone());

    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/console/status-pages/{id}/preview", get(crate::public::preview))
        .route("/console/status-pages/{id}/subscribers.csv", get(subscribe::export_csv))
        .route("/status/{slug}/subscribe", get(subscribe::subscribe_form).post(subscribe::subscribe))
        .route("/subscriptions/confirm/{confirm}", get(subscribe::confirm_form).post(subscribe::confirm))
        .route("/subscriptions/{link}", get(subscribe::manage_form).post(subscribe::manage))
        .route("/subscriptions/{link}/unsubscribe", get(subscribe::unsubscribe_form).post(subscribe::unsubscribe))
        .nest("/api/v1", rest::router())
        .with_state(state.clone())
        .merge(pages)
        .route_layer(middleware::from_fn(metrics::label_route))
        .layer(middleware::from_fn_with_state(state.clone(), crate::public::root))
        .layer(middleware::from_fn_with_state(state.clone(), session::layer))
        .layer(middleware::from_fn_with_state(state, security::same_origin))
        .layer(middleware::from_fn(security::no_nul))
        .layer(middleware::from_fn(metrics::track))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(security::limits));
    public.merge(app)
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, Json(serde_json::json!({"status": "ok", "database": "ok"})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable", "database": "unreachable"})))
    }
}
