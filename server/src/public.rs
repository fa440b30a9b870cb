//! Public status pages: `/status/{slug}` and its incidents, and `/` for the
//! default page (or the page whose custom domain the request is for),
//! server-rendered without scripts. Answers carry an `ETag` (a hash of the
//! page) and a short shared cache lifetime; a request with a matching
//! `If-None-Match` gets 304. No session is looked up for them.

use app::error::AppError;
use app::ssr::AppState;
use app::ssr::db::status_pages::{self as pages, PageRow};
use app::ssr::public_status;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use diesel::PgConnection;
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

/// Answers `body` with its validator, or 304 when the client has it.
pub fn cached(request: &HeaderMap, content_type: &'static str, body: String) -> Response {
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..32]);
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}

const HTML: &str = "text/html; charset=utf-8";

/// Renders what `work` finds (`None`: 404) for a published page.
async fn serve<F>(state: &AppState, headers: &HeaderMap, work: F) -> Response
where
    F: FnOnce(&mut PgConnection) -> Result<Option<String>, AppError> + Send + 'static,
{
    match state.db.run(work).await {
        Ok(Some(html)) => cached(headers, HTML, html),
        Ok(None) => not_found(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A published page by slug.
pub fn published(conn: &mut PgConnection, slug: &str) -> Result<Option<PageRow>, AppError> {
    Ok(pages::find_by_slug(conn, slug)?.filter(|p| p.published))
}

fn render_page(conn: &mut PgConnection, page: PageRow) -> Result<String, AppError> {
    Ok(app::pages::status::render(public_status::load(conn, page, Utc::now())?))
}

/// `GET /status/{slug}`: the page, if it exists and is published.
pub async fn status_page(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    serve(&state, &headers, move |conn| published(conn, &slug)?.map(|page| render_page(conn, page)).transpose()).await
}

/// `GET /status/{slug}/incidents/{id}`: one incident the page shows.
pub async fn incident_page(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found() };
    serve(&state, &headers, move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let incident = public_status::load_incident(conn, &page, id)?;
        Ok(incident.map(|incident| app::pages::status::render_incident(&page, incident)))
    })
    .await
}

/// Serves `/` from the status page for the request's host (its custom
/// domain) or the default page, when there is one; otherwise the request
/// goes on to the home page.
pub async fn root(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/" || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_lowercase());
    let found = state.db.run(move |conn| Ok(pages::find_for_root(conn, host.as_deref())?)).await;
    match found {
        Ok(Some(page)) => {
            let headers = request.headers().clone();
            serve(&state, &headers, move |conn| render_page(conn, page).map(Some)).await
        }
        _ => next.run(request).await,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct HistoryQuery {
    month: Option<String>,
}

/// `GET /status/{slug}/history?month=YYYY-MM` (default: this month).
pub async fn history_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<HistoryQuery>,
    headers: HeaderMap,
) -> Response {
    use chrono::{Datelike, Months, NaiveDate};
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let month = match query.month.as_deref().filter(|m| !m.is_empty()) {
        None => this_month,
        Some(text) => match NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
            Ok(month) if month <= this_month && month.year() >= 2000 => month,
            _ => return not_found(),
        },
    };
    let (Some(previous), Some(following)) =
        (month.checked_sub_months(Months::new(1)), month.checked_add_months(Months::new(1)))
    else {
        return not_found();
    };
    let next = (following <= this_month).then_some(following);
    let start = month.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = following.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    serve(&state, &headers, move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let incidents = public_status::history(conn, &page, start, end)?;
        Ok(Some(app::pages::status::render_history(&page, month, incidents, previous, next)))
    })
    .await
}
