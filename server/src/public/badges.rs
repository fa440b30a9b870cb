//! `/status/{slug}/badge/c{id}.svg`: a component's badge (state, uptime or
//! response time; `app::ssr::status_pages::badges`), for READMEs. The
//! figures go through the page cache like the page; the label is put on
//! when answering.

use super::{cached, may_be_published, published, respond};
use app::ssr::AppState;
use app::ssr::status_pages::badges::{self, Badge, Request};
use app::ssr::status_pages::cache::Rendered;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

const SVG: &str = "image/svg+xml";

#[derive(Debug, Deserialize)]
pub struct BadgeQuery {
    kind: Option<String>,
    window: Option<String>,
    label: Option<String>,
}

/// The monitor id of a component's badge file (`c42.svg`), as in the
/// Statuspage documents' component ids.
fn component_of(file: &str) -> Option<i64> {
    file.strip_suffix(".svg")?.strip_prefix('c')?.parse().ok().filter(|id| *id > 0)
}

/// `GET /status/{slug}/badge/{component}.svg?kind=&window=&label=`.
pub async fn badge(
    State(state): State<AppState>,
    Path((slug, badge)): Path<(String, String)>,
    Query(query): Query<BadgeQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(monitor_id) = component_of(&badge) else { return StatusCode::NOT_FOUND.into_response() };
    let request = match Request::parse(query.kind.as_deref(), query.window.as_deref(), query.label.as_deref()) {
        Ok(request) => request,
        Err(error) => {
            let text = format!("{}: {}\n", error.field().unwrap_or("query"), error);
            return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
                .into_response();
        }
    };
    if !may_be_published(&state, &slug).await {
        return StatusCode::NOT_FOUND.into_response();
    }
    let key = format!("/status/{slug}/badge/c{monitor_id}.svg?{}", request.key());
    let label = request.label.clone();
    let figures = cached(&state, key, "application/json", move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let badge = badges::load(conn, &page, monitor_id, &request, Utc::now())?;
        Ok(badge.and_then(|badge| serde_json::to_string(&badge).ok()))
    })
    .await;
    match figures {
        Ok(Some(rendered)) => match serde_json::from_slice::<Badge>(&rendered.body) {
            Ok(badge) => respond(&state, &headers, &Rendered::new(SVG, badge.labelled(label).svg())),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::component_of;

    #[test]
    fn badge_files_name_a_component_by_its_id() {
        assert_eq!(component_of("c42.svg"), Some(42));
        for file in ["42.svg", "c42.png", "c.svg", "c-1.svg", "c0.svg", "cx.svg", "c42.svg.svg"] {
            assert_eq!(component_of(file), None, "{file}");
        }
    }
}
