//! The browser-facing defences every answer goes through: state-changing
//! requests must come from our own pages (CSRF), and HTML answers tell the
//! browser what it may run, embed and send (security headers). Public
//! status pages set their own headers where they are cached
//! (`public::respond`).

use app::error::AppError;
use app::ssr::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use std::net::IpAddr;

/// Refuses a state-changing request a browser sent from another site: the
/// session cookie would otherwise act for whoever made the visitor's
/// browser send it. Requests with a Bearer token carry their own proof and
/// pass; so do requests no browser made (no `Origin`, `Sec-Fetch-Site` or
/// `Referer`: scripts and tools).
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_cross_site(request.method(), request.headers(), state.public_url.as_deref()) {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "This request came from another site and was refused.\n").into_response();
    }
    next.run(request).await
}

pub fn is_cross_site(method: &Method, headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if text(header::AUTHORIZATION).is_some_and(|v| v.starts_with("Bearer ")) {
        return false;
    }
    let host = text(header::HOST);
    let ours = |url: &str| {
        let Ok(url) = url::Url::parse(url) else { return false };
        let origin = url.origin().ascii_serialization();
        if public_url.and_then(|p| url::Url::parse(p).ok()).is_some_and(|p| p.origin().ascii_serialization() == origin)
        {
            return true;
        }
        // Host as the browser wrote it: the port only when it is not the scheme's default.
        let authority = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => return false,
        };
        host.is_some_and(|host| host.eq_ignore_ascii_case(&authority))
    };
    if let Some(origin) = text(header::ORIGIN) {
        return !ours(origin);
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(referer) = text(header::REFERER) {
        return !ours(referer);
    }
    false
}

/// The console's pages, sign-in and server functions hold private data: no
/// cache keeps them.
fn is_private(path: &str) -> bool {
    path == "/console"
        || path.starts_with("/console/")
        || path.starts_with("/rpc/")
        || path == "/login"
        || path.starts_with("/api/v1/")
}

/// For HTML that set no policy of its own (error pages, previews): our own
/// scripts only, no inline script, no framing.
pub const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Headers on every answer but the public pages' own (`public::respond`
/// sets theirs): `nosniff` and the referrer policy everywhere; HTML gets
/// [`DEFAULT_POLICY`] unless the page set one (the console's carries its
/// nonce) and may not be framed; private answers are never stored.
pub async fn headers(request: Request, next: Next) -> Response {
    let private = is_private(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_common(headers);
    let html = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        let policy = headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_POLICY));
        // The older header for older browsers, where the policy forbids framing
        // (a public page's policy may allow some sites to embed it).
        if policy.to_str().is_ok_and(|p| p.contains("frame-ancestors 'none'")) {
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// What every answer carries.
pub fn set_common(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
}

/// The longest request target (path and query) taken.
pub const URI_MAX: usize = 8 * 1024;
/// The longest query string taken.
pub const QUERY_MAX: usize = 4 * 1024;
/// The most header bytes (names and values) and headers taken.
pub const HEADER_BYTES_MAX: usize = 32 * 1024;
pub const HEADERS_MAX: usize = 100;

/// Refuses requests whose address or headers are larger than any client of
/// ours sends, before any work: 414 and 431, in the API's error shape.
/// (Bodies are limited by the router, JSON nesting by the parser: 128 levels.)
pub async fn limits(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let target = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    let query = uri.query().map_or(0, str::len);
    if target > URI_MAX || query > QUERY_MAX {
        let message = format!("The address is too long (at most {URI_MAX} bytes, {QUERY_MAX} of them in the query).");
        return refuse(StatusCode::URI_TOO_LONG, &message);
    }
    let headers = request.headers();
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if bytes > HEADER_BYTES_MAX || headers.len() > HEADERS_MAX {
        let message =
            format!("The request's headers are too large (at most {HEADERS_MAX} headers, {HEADER_BYTES_MAX} bytes).");
        return refuse(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, &message);
    }
    next.run(request).await
}

/// Limits every request's body to [`super::router::body_limit`] of its
/// path: a declared length beyond it is refused at once (413, in the API's
/// error shape), a body that runs beyond it fails when read.
pub async fn body_limit(request: Request, next: Next) -> Response {
    let limit = super::router::body_limit(request.uri().path());
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The request body is too large (at most {limit} bytes)."),
        );
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// Refuses text holding the NUL character in the body of an API call or a
/// server function (JSON or a form), naming the field: PostgreSQL cannot
/// store it, and no form of ours sends it. Other bodies pass untouched.
pub async fn no_nul(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/v1/");
    if !(api || path.starts_with("/rpc/")) || matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let kind = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (json, form) = (kind.starts_with("application/json"), kind.starts_with("application/x-www-form-urlencoded"));
    if !json && !form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The router's body limit stands behind this one.
    let Ok(bytes) = axum::body::to_bytes(body, super::router::body_limit(parts.uri.path())).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.");
    };
    let field = if json {
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|value| nul_in(&value, ""))
    } else {
        url::form_urlencoded::parse(&bytes).find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.into())
    };
    if let Some(field) = field {
        let error = AppError::validation(&field, "The NUL character is not allowed.");
        return if api {
            crate::http::rest::ApiError(error).into_response()
        } else {
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(error)).into_response()
        };
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// Where in `value` a string (or a key) holds NUL: `to[0]`, `headers.x`.
fn nul_in(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") };
    match value {
        Value::String(text) => text.contains('\0').then(|| at.to_owned()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| nul_in(item, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') { Some(join(&key.replace('\0', ""))) } else { nul_in(item, &join(key)) }
        }),
        _ => None,
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": "bad_request", "message": message, "field": null } });
    (status, axum::Json(body)).into_response()
}

/// The client behind a request and whether it came over https, as far as
/// can be believed: the peer itself, or, when the peer is a trusted proxy,
/// the right-most `X-Forwarded-For` address that is not a trusted proxy and
/// the proxy's `X-Forwarded-Proto`. Anyone else's forwarded headers are
/// ignored (a client could write anything there).
pub fn client_of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> (String, bool) {
    let Some(peer) = peer else { return ("unknown".to_owned(), false) };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return (peer.to_string(), false);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|address| address.trim().parse().ok())
        .collect();
    let client = forwarded.iter().rev().find(|ip| !is_trusted(ip)).copied().unwrap_or(peer);
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    (client.to_string(), https)
}

#[cfg(test)]
mod tests {
    use super::nul_in;
    use serde_json::json;

    #[test]
    fn nul_is_found_where_it_hides() {
        assert_eq!(nul_in(&json!({"name": "ok", "to": ["a", "b\u{0}"]}), "").as_deref(), Some("to[1]"));
        assert_eq!(nul_in(&json!({"headers": {"x": "a\u{0}"}}), "").as_deref(), Some("headers.x"));
        assert_eq!(nul_in(&json!({"a\u{0}b": 1}), "").as_deref(), Some("ab"));
        assert_eq!(nul_in(&json!({"body": "a \\u0000 typed as text"}), ""), None);
        assert_eq!(nul_in(&json!([1, true, null, "fine"]), ""), None);
    }
}
