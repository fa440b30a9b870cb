//! The whole HTTP surface in one router: pages and server functions (Leptos),
//! the REST API, health and metrics, with the layers every request goes
//! through. Tests drive it with `oneshot`.

use super::{assets, metrics, rest, security, session};
use crate::public::subscribe;
use app::app::{App, shell};
use app::ssr::AppState;
use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted anywhere but a configuration file.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The largest body a request to `path` may carry: a configuration file
/// (`POST /api/v1/config`) may be large, anything else is small.
pub fn body_limit(path: &str) -> usize {
    if path == "/api/v1/config" { rest::config::FILE_MAX_BYTES } else { MAX_BODY_BYTES }
}

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
        .fallback({
            let context = state.clone();
            let options = options.clone();
            move |request: Request| not_found(context.clone(), options.clone(), request)
        })
        .with_state(options);

    // Public status pages answer from their cache, already compressed: they
    // skip the session, tracing, metrics and compression layers, which would
    // cost more than the answer itself when everyone visits at once.
    let mut public = Router::new()
        // The site's own files, from the binary: no session, no compression
        // layer (they are compressed already).
        .route("/pkg/{file}", get(assets::serve))
        .route("/status/{slug}", get(crate::public::status_page))
        .route("/status/{slug}/incidents/{id}", get(crate::public::incident_page))
        .route("/status/{slug}/history", get(crate::public::history_page))
        .route("/status/{slug}/feed.rss", get(crate::public::feeds::rss_feed))
        .route("/status/{slug}/feed.atom", get(crate::public::feeds::atom_feed))
        .route("/status/{slug}/api/v2/{*document}", get(crate::public::statuspage::api))
        .route("/status/{slug}/badge/{badge}", get(crate::public::badges::badge))
        // Heartbeats: jobs call these often and with curl; the token is the
        // credential, and the paths stay out of the request log.
        .route("/ping/{token}", get(super::ping::ping).post(super::ping::ping))
        .route("/ping/{token}/{signal}", get(super::ping::ping_signal).post(super::ping::ping_signal));
    for path in assets::top_level() {
        public = public.route(path, get(assets::serve));
    }
    let public = public.layer(middleware::from_fn(security::limits)).with_state(state.clone());

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
        .layer(middleware::from_fn(security::body_limit))
        .layer(middleware::from_fn(security::limits));
    public.merge(app)
}

/// Any other path: the app's own "not found" page, with a 404 (unless the
/// page chose another status, such as a redirect).
async fn not_found(state: AppState, options: LeptosOptions, request: Request) -> Response {
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(state.clone()),
        move || shell(options.clone()),
    );
    let mut response = render(request).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise; the
/// version and commit, and how the scheduled backups went.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let up = state.db.ping().await;
    let mut body = serde_json::json!({
        "status": if up { "ok" } else { "unavailable" },
        "database": if up { "ok" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
        "commit": crate::COMMIT,
    });
    // A failing backup is reported, not made a failed check: taking the
    // server out of a load balancer would not mend it. Anyone may ask, so
    // only the times: folders, files and errors are for admins (console).
    if let Some(backups) = &state.operations.backups {
        let report = backups.report();
        body["backups"] = serde_json::json!({
            "failing": report.failing,
            "last_success_at": report.last_success_at,
            "last_failure_at": report.last_failure_at,
        });
    }
    (if up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}
