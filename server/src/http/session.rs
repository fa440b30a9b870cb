//! The session middleware: finds who is signed in from the session cookie,
//! hands it to pages and server functions through the request's extensions,
//! renews the cookie as the session slides, sends anyone not signed in
//! from `/console/...` to `/login?next=...`, and refuses their server
//! function calls before the arguments are even read.

use app::error::AppError;
use app::ssr::AppState;
use app::ssr::team::auth::{
    ClientAddress, OverHttps, SessionUser, resolve_session, session_cookie, session_token_from_cookies,
};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

fn is_console(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// The server functions a stranger may call: each of the others checks the
/// session itself, and this refuses strangers before their arguments are read.
pub const PUBLIC_SERVER_FNS: &[&str] = &["/rpc/sign_in", "/rpc/sign_out"];

fn refused_server_fn(path: &str) -> bool {
    path.starts_with("/rpc/") && !PUBLIC_SERVER_FNS.contains(&path)
}

/// Paths that never need the session (assets, probes, the token-based API).
fn skips_session(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/api/v1/")
        || path.starts_with("/status/")
        || matches!(path, "/healthz" | "/metrics" | "/favicon.ico")
}

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let (address, forwarded_https) =
        super::security::client_of(peer, request.headers(), &state.security.trusted_proxies);
    let secure = state.secure_cookies || forwarded_https;
    request.extensions_mut().insert(ClientAddress(address));
    request.extensions_mut().insert(OverHttps(secure));

    let path = request.uri().path().to_owned();
    if skips_session(&path) {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| session_token_from_cookies(header, secure))
        .map(str::to_owned);
    let now = chrono::Utc::now();
    let session = match token.clone() {
        Some(token) => state.db.run(move |conn| Ok(resolve_session(conn, &token, now)?)).await.ok().flatten(),
        None => None,
    };

    match &session {
        None if refused_server_fn(&path) => {
            let body = serde_json::to_string(&AppError::Unauthorized).unwrap_or_default();
            return (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        None if is_console(&path) => {
            let wanted = request.uri().path_and_query().map_or(path.clone(), |pq| pq.as_str().to_owned());
            let next: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        Some(_) if path == "/login" => return Redirect::to("/console").into_response(),
        _ => {}
    }

    let renewed = session.as_ref().and_then(|s: &SessionUser| s.renewed_until);
    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }
    let mut response = next.run(request).await;
    if let (Some(until), Some(token)) = (renewed, token)
        && let Ok(value) = HeaderValue::from_str(&session_cookie(&token, until, now, secure))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
