//! Public status pages: `/status/{slug}`, server-rendered, without scripts.
//! Answers carry an `ETag` (a hash of the page) and a short shared cache
//! lifetime; a request with a matching `If-None-Match` gets 304.

use app::ssr::AppState;
use app::ssr::db::status_pages as pages;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use sha2::{Digest, Sha256};

/// How long browsers and proxies may reuse a page, then serve it stale
/// while they fetch a fresh one.
const CACHE_CONTROL: &str = "public, max-age=10, stale-while-revalidate=30";

fn not_found() -> Response {
    let body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>\
                <link rel=\"stylesheet\" href=\"/pkg/vigie.css\"></head><body class=\"public-status\">\
                <main class=\"status-main\"><h1>Status page not found</h1></main></body></html>";
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

/// Answers `html` with its validator, or 304 when the client has it.
fn cached(request: &HeaderMap, html: String) -> Response {
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(html.as_bytes()))[..32]);
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { Html(html).into_response() };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}

/// `GET /status/{slug}`: the page, if it exists and is published.
pub async fn status_page(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let loaded = state
        .db
        .run(move |conn| {
            let Some(page) = pages::find_by_slug(conn, &slug)?.filter(|p| p.published) else { return Ok(None) };
            Ok(Some(app::ssr::public_status::load(conn, page, Utc::now())?))
        })
        .await;
    match loaded {
        Ok(Some(page)) => cached(&headers, app::pages::status::render(page)),
        Ok(None) => not_found(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
