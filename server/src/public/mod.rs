//! Public status pages: `/status/{slug}` and its incidents, and `/` for the
//! default page (or the page whose custom domain the request is for),
//! server-rendered (complete without scripts), through the page cache
//! (rendered once per change, gzipped once); its feeds and Statuspage
//! documents are views of the same read model. Answers carry `ETag` and `Last-Modified` and a
//! short shared lifetime with `stale-while-revalidate`; conditional
//! requests get 304. No session is looked up for them.

pub mod badges;
pub mod feeds;
pub mod notices;
pub mod statuspage;
pub mod subscribe;

use app::error::AppError;
use app::ssr::AppState;
use app::ssr::db::status_pages as pages;
use app::ssr::status_pages::cache::{Directory, Rendered};
use app::ssr::status_pages::read_model as public_status;
use app::ssr::status_pages::read_model::PageInfo;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use diesel::PgConnection;
use std::sync::Arc;

/// How long browsers and proxies may reuse a page, then serve it stale
/// while they fetch a fresh one.
const CACHE_CONTROL: &str = "public, max-age=10, stale-while-revalidate=30";

/// A short public page of fixed text (not found, link expired): `title` and
/// `main` are trusted HTML written here, never user input.
pub(crate) fn plain_page(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"{}\"></head><body class=\"public-status\">\
         <main class=\"status-main\">{main}</main></body></html>",
        site::STYLESHEET
    )
}

pub(crate) fn not_found(state: &AppState) -> Response {
    let body = plain_page("Not found", "<h1>Status page not found</h1>");
    let mut response = (StatusCode::NOT_FOUND, Html(body)).into_response();
    secure(response.headers_mut(), state);
    response
}

/// The security headers of a public answer: no sniffing, the referrer
/// policy, and for pages the public policy (no inline script; framed only
/// where `VIGIE_FRAME_ANCESTORS` allows).
pub(crate) fn secure(headers: &mut HeaderMap, state: &AppState) {
    crate::http::security::set_common(headers);
    if headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html")) {
        headers.insert(header::CONTENT_SECURITY_POLICY, state.security.public_policy.clone());
    }
}

/// Whether the client already has this answer (`If-None-Match`, else
/// `If-Modified-Since`).
fn unchanged(request: &HeaderMap, rendered: &Rendered) -> bool {
    if let Some(tags) = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags.split(',').any(|t| t.trim() == rendered.etag || t.trim() == "*");
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
    let modified = chrono::DateTime::<Utc>::from(rendered.modified).timestamp();
    since.is_some_and(|since| since.timestamp() >= modified)
}

/// Sends a rendered answer: 304 when the client has it, the gzipped bytes
/// when it takes gzip, with its validators and a short shared lifetime.
pub fn respond(state: &AppState, request: &HeaderMap, rendered: &Rendered) -> Response {
    let gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = if unchanged(request, rendered) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let mut response = rendered.gzip.clone().into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        rendered.body.clone().into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(rendered.content_type));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::ETAG, rendered.etag_header.clone());
    headers.insert(header::LAST_MODIFIED, rendered.modified_header.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    secure(headers, state);
    response
}

pub const HTML: &str = "text/html; charset=utf-8";

/// What a public answer is cached under: the path with its query, and the
/// host when the answer's links are made from it (`links`: feeds and
/// Statuspage documents, without `VIGIE_PUBLIC_URL`). Pages do not depend
/// on the host, so made-up `Host` headers all share their entry.
pub fn cache_key(state: &AppState, headers: &HeaderMap, path_and_query: &str, links: bool) -> String {
    if !links || state.public_url.is_some() {
        return path_and_query.to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    format!("{host}{path_and_query}")
}

/// What is published (slugs, custom domains), from the cache's directory;
/// `None` without a cache or when it cannot be read (the render decides).
async fn directory(state: &AppState) -> Option<Arc<Directory>> {
    let cache = state.page_cache.as_ref()?;
    let db = state.db.clone();
    let load = || async move {
        let names = db.run(|conn| Ok(pages::published_names(conn)?)).await?;
        let mut directory = Directory::default();
        for (slug, domain) in names {
            directory.slugs.insert(slug);
            directory.domains.extend(domain);
        }
        Ok::<_, AppError>(directory)
    };
    cache.directory(load).await.ok()
}

/// False when `slug` is surely not a published page: it is answered 404
/// without a render or a cache entry, however many made-up slugs come.
pub async fn may_be_published(state: &AppState, slug: &str) -> bool {
    directory(state).await.is_none_or(|directory| directory.slugs.contains(slug))
}

/// What `work` renders for `key` (`None`: nothing to show), through the
/// page cache when the server has one.
async fn cached<F>(state: &AppState, key: String, content_type: &'static str, work: F) -> CacheResult
where
    F: FnOnce(&mut PgConnection) -> Result<Option<String>, AppError> + Send + 'static,
{
    let render = || async {
        let body = state.db.run(work).await?;
        metrics::counter!("vigie_status_renders_total").increment(1);
        Ok::<_, AppError>(body.map(|body| Rendered::new(content_type, body)))
    };
    match &state.page_cache {
        Some(cache) => cache.get_or_render(&key, render).await,
        None => render().await.map(|r| r.map(Arc::new)),
    }
}

type CacheResult = Result<Option<Arc<Rendered>>, AppError>;

/// Answers what `work` renders (`None`: 404), through the page cache when
/// the server has one.
pub async fn serve<F>(
    state: &AppState,
    headers: &HeaderMap,
    key: String,
    content_type: &'static str,
    work: F,
) -> Response
where
    F: FnOnce(&mut PgConnection) -> Result<Option<String>, AppError> + Send + 'static,
{
    match cached(state, key, content_type, work).await {
        Ok(Some(rendered)) => respond(state, headers, &rendered),
        Ok(None) if content_type == HTML => not_found(state),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A published page by slug.
pub fn published(conn: &mut PgConnection, slug: &str) -> Result<Option<PageInfo>, AppError> {
    Ok(pages::find_by_slug(conn, slug)?.filter(|p| p.published).map(PageInfo::from))
}

fn render_page(conn: &mut PgConnection, page: PageInfo) -> Result<String, AppError> {
    Ok(app::pages::status::render(public_status::load(conn, page, Utc::now())?))
}

/// `GET /status/{slug}`: the page, if it exists and is published.
pub async fn status_page(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    if !may_be_published(&state, &slug).await {
        return not_found(&state);
    }
    let key = cache_key(&state, &headers, &format!("/status/{slug}"), false);
    serve(&state, &headers, key, HTML, move |conn| {
        published(conn, &slug)?.map(|page| render_page(conn, page)).transpose()
    })
    .await
}

/// `GET /status/{slug}/incidents/{id}`: one incident the page shows.
pub async fn incident_page(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found(&state) };
    if !may_be_published(&state, &slug).await {
        return not_found(&state);
    }
    let key = cache_key(&state, &headers, &format!("/status/{slug}/incidents/{id}"), false);
    serve(&state, &headers, key, HTML, move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let incident = public_status::load_incident(conn, &page, id)?;
        Ok(incident.map(|incident| app::pages::status::render_incident(&page, incident)))
    })
    .await
}

/// Serves `/` from the status page for the request's host (its custom
/// domain) or the default page, when there is one; otherwise the request
/// goes on to the home page. Which it is is cached with the page.
pub async fn root(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/" || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_lowercase());
    // Only a custom domain's own page depends on the host: every other host
    // shares the default page's entry.
    let host = match directory(&state).await {
        Some(directory) => host.filter(|h| directory.domains.contains(h)),
        None => host,
    };
    let key = format!("{}/", host.as_deref().unwrap_or(""));
    let found = cached(&state, key, HTML, move |conn| {
        pages::find_for_root(conn, host.as_deref())?.map(|page| render_page(conn, page.into())).transpose()
    })
    .await;
    match found {
        Ok(Some(rendered)) => respond(&state, request.headers(), &rendered),
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
            _ => return not_found(&state),
        },
    };
    let (Some(previous), Some(following)) =
        (month.checked_sub_months(Months::new(1)), month.checked_add_months(Months::new(1)))
    else {
        return not_found(&state);
    };
    let next = (following <= this_month).then_some(following);
    let start = month.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = following.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    if !may_be_published(&state, &slug).await {
        return not_found(&state);
    }
    let key = cache_key(&state, &headers, &format!("/status/{slug}/history?month={}", month.format("%Y-%m")), false);
    serve(&state, &headers, key, HTML, move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let incidents = public_status::history(conn, &page, start, end)?;
        Ok(Some(app::pages::status::render_history(&page, month, incidents, previous, next)))
    })
    .await
}

/// `GET /console/status-pages/{id}/preview`: a page as the public would see
/// it, published or not, for the team only (never cached).
pub async fn preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Option<axum::Extension<app::ssr::team::auth::SessionUser>>,
) -> Response {
    if session.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(id) = id.parse::<i64>() else { return not_found(&state) };
    let rendered = state
        .db
        .run(move |conn| {
            let Some(page) = pages::find(conn, id)? else { return Ok(None) };
            Ok(Some(app::pages::status::render_preview(public_status::load(conn, page.into(), Utc::now())?)))
        })
        .await;
    match rendered {
        Ok(Some(html)) => {
            let mut response = Html(html).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => not_found(&state),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
