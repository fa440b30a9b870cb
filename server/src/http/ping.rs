//! Heartbeat pings: `/ping/{token}` (the job succeeded), `/start`, `/fail`
//! and `/{exit_code}`, by GET, POST or HEAD, called by jobs with curl. No
//! session and no API token: the token in the path is the credential, and a
//! token nobody has is a plain 404, whatever the path after it. The body's
//! first 10 KB become the check's message (the job's output); the rest is
//! not read.

use app::ssr::AppState;
use app::ssr::monitoring::heartbeat::{BODY_KEPT, Ping, PingOutcome, Signal, record_ping};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::net::SocketAddr;

/// The longest a ping waits for its body before it is recorded without it.
const BODY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn ping(state: State<AppState>, Path(token): Path<String>, request: Request) -> Response {
    answer(state, token, None, request).await
}

pub async fn ping_signal(
    state: State<AppState>,
    Path((token, action)): Path<(String, String)>,
    request: Request,
) -> Response {
    answer(state, token, Some(action), request).await
}

async fn answer(State(state): State<AppState>, token: String, action: Option<String>, request: Request) -> Response {
    let at = chrono::Utc::now();
    let Some(signal) = Signal::parse(action.as_deref()) else { return not_found() };
    // Tokens are 64 hex characters: anything else is nobody's, unread.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return not_found();
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let (source, _) = super::security::client_of(peer, request.headers(), &state.security.trusted_proxies);
    let body = tokio::time::timeout(BODY_WAIT, read_start(request.into_body())).await.unwrap_or_default();
    let ping = Ping { signal, at, source, body };
    let token = token.to_ascii_lowercase();
    match state.db.run(move |conn| record_ping(conn, &token, ping)).await {
        Ok(PingOutcome::Recorded | PingOutcome::Paused) => {
            metrics::counter!("vigie_heartbeat_pings_total").increment(1);
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "OK\n").into_response()
        }
        Ok(PingOutcome::Unknown) => not_found(),
        Ok(PingOutcome::TooMany) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            "Too many pings for this check: at most 60 a minute.\n",
        )
            .into_response(),
        Err(error) => super::rest::ApiError(error).into_response(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Not found\n").into_response()
}

/// The body's first [`BODY_KEPT`] bytes; the rest is left unread (the
/// server still answers a client sending more: tested with curl and 1 MB).
async fn read_start(body: Body) -> Vec<u8> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    while kept.len() < BODY_KEPT {
        let Some(Ok(data)) = stream.next().await else { break };
        let room = BODY_KEPT - kept.len();
        kept.extend_from_slice(&data[..data.len().min(room)]);
    }
    kept
}
