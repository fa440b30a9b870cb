//! `/status/{slug}/feed.rss` (RSS 2.0) and `/status/{slug}/feed.atom`: one
//! item per public event of the page's incidents over the last 90 days —
//! opened, each update, resolved; maintenance scheduled, started, completed
//! or cancelled — newest first, at most 50, with GUIDs that never change.

use super::{cache_key, published, serve};
use app::model::{IncidentKind, IncidentState};
use app::ssr::AppState;
use app::ssr::alerts::notify::escape;
use app::ssr::status_pages::read_model::PageInfo;
use app::ssr::status_pages::read_model::{PublicIncident, feed_incidents};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

const DAYS: i64 = 90;
const ITEMS_MAX: usize = 50;

/// One thing that happened, as a feed item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Stable: `urn:vigie:incident:<id>:<event>`.
    pub id: String,
    pub title: String,
    pub at: DateTime<Utc>,
    /// When it last changed (a corrected update), if after `at`.
    pub edited: Option<DateTime<Utc>>,
    pub link: String,
    /// Sanitized HTML.
    pub html: String,
}

fn items_of(incident: &PublicIncident, link: &str) -> Vec<Item> {
    let base = format!("urn:vigie:incident:{}", incident.id);
    let affected = if incident.components.is_empty() {
        String::new()
    } else {
        format!("<p>Affected: {}</p>", escape(&incident.components.join(", ")))
    };
    let item = |event: String, title: String, at: DateTime<Utc>, html: String| Item {
        id: format!("{base}:{event}"),
        title,
        at,
        edited: None,
        link: link.to_owned(),
        html,
    };
    let mut items = Vec::new();
    let maintenance = incident.kind == IncidentKind::Maintenance;
    if maintenance {
        let window = match (incident.scheduled_start, incident.scheduled_end) {
            (Some(start), Some(end)) => {
                format!("<p>From {} to {} (UTC).</p>", start.format("%Y-%m-%d %H:%M"), end.format("%Y-%m-%d %H:%M"))
            }
            _ => String::new(),
        };
        items.push(item(
            "scheduled".into(),
            format!("Maintenance scheduled: {}", incident.title),
            incident.created_at,
            format!("{window}{affected}"),
        ));
        for moved in &incident.reschedules {
            items.push(item(
                format!("rescheduled:{}", moved.id),
                format!("Maintenance rescheduled: {}", incident.title),
                moved.at,
                format!(
                    "<p>Now from {} to {} (UTC).</p>{affected}",
                    moved.start.format("%Y-%m-%d %H:%M"),
                    moved.end.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
        if let Some(start) = incident.started_at {
            items.push(item(
                "started".into(),
                format!("Maintenance started: {}", incident.title),
                start,
                affected.clone(),
            ));
        }
        match (incident.state, incident.resolved_at) {
            (IncidentState::Resolved, Some(end)) => items.push(item(
                "completed".into(),
                format!("Maintenance completed: {}", incident.title),
                end,
                affected.clone(),
            )),
            // Readers were told it was coming: they are told it is not.
            (IncidentState::Cancelled, Some(at)) => items.push(item(
                "cancelled".into(),
                format!("Maintenance cancelled: {}", incident.title),
                at,
                format!("<p>This maintenance will not take place.</p>{affected}"),
            )),
            _ => {}
        }
    } else {
        let opened = incident.started_at.unwrap_or(incident.created_at);
        items.push(item("opened".into(), format!("Incident: {}", incident.title), opened, affected.clone()));
        if let (IncidentState::Resolved, Some(end)) = (incident.state, incident.resolved_at) {
            items.push(item("resolved".into(), format!("Resolved: {}", incident.title), end, affected.clone()));
        }
    }
    for update in &incident.updates {
        let status = update.status.as_str();
        let mut label = status.to_owned();
        if let Some(first) = label.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        // A corrected update keeps its id: readers see the new text.
        items.push(Item {
            edited: update.edited_at,
            ..item(
                format!("update:{}", update.id),
                format!("{label}: {}", incident.title),
                update.published_at,
                update.body_html.clone(),
            )
        });
    }
    items
}

/// The feed's items, newest first.
pub fn items(incidents: &[PublicIncident], base: &str, slug: &str) -> Vec<Item> {
    let mut all: Vec<Item> = incidents
        .iter()
        .flat_map(|incident| items_of(incident, &format!("{base}/status/{slug}/incidents/{}", incident.id)))
        .collect();
    all.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    all.truncate(ITEMS_MAX);
    all
}

pub fn rss(page: &PageInfo, items: &[Item], base: &str, now: DateTime<Utc>) -> String {
    let channel = rss::Channel {
        title: page.title.clone(),
        link: format!("{base}/status/{}", page.slug),
        description: if page.description.is_empty() {
            format!("Incidents and maintenance of {}", page.title)
        } else {
            page.description.clone()
        },
        language: Some("en".into()),
        last_build_date: Some(items.first().map_or(now, |i| i.at).to_rfc2822()),
        generator: Some("Vigie".into()),
        ttl: Some("1".into()),
        items: items
            .iter()
            .map(|item| rss::Item {
                title: Some(item.title.clone()),
                link: Some(item.link.clone()),
                description: Some(item.html.clone()),
                guid: Some(rss::Guid { value: item.id.clone(), permalink: false }),
                pub_date: Some(item.at.to_rfc2822()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    channel.to_string()
}

pub fn atom(page: &PageInfo, items: &[Item], base: &str, now: DateTime<Utc>) -> String {
    use atom_syndication::{Content, Entry, Feed, Link, Text};
    let link = |href: String, rel: &str| Link { href, rel: rel.to_owned(), ..Default::default() };
    let feed = Feed {
        title: Text::plain(page.title.clone()),
        id: format!("urn:vigie:status-page:{}", page.id),
        updated: items.first().map_or(now, |i| i.at).fixed_offset(),
        links: vec![
            link(format!("{base}/status/{}", page.slug), "alternate"),
            link(format!("{base}/status/{}/feed.atom", page.slug), "self"),
        ],
        entries: items
            .iter()
            .map(|item| Entry {
                title: Text::plain(item.title.clone()),
                id: item.id.clone(),
                updated: item.edited.unwrap_or(item.at).fixed_offset(),
                published: Some(item.at.fixed_offset()),
                links: vec![link(item.link.clone(), "alternate")],
                content: Some(Content {
                    value: Some(item.html.clone()),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    feed.to_string()
}

/// Where links point: `VIGIE_PUBLIC_URL`, else the host asked for.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

async fn feed(state: AppState, slug: String, headers: HeaderMap, atom_format: bool) -> Response {
    let base = base_url(&state, &headers);
    let (file, content_type) = if atom_format {
        ("feed.atom", "application/atom+xml; charset=utf-8")
    } else {
        ("feed.rss", "application/rss+xml; charset=utf-8")
    };
    if !super::may_be_published(&state, &slug).await {
        return StatusCode::NOT_FOUND.into_response();
    }
    let key = cache_key(&state, &headers, &format!("/status/{slug}/{file}"), true);
    serve(&state, &headers, key, content_type, move |conn| {
        let Some(page) = published(conn, &slug)? else { return Ok(None) };
        let now = Utc::now();
        let incidents = feed_incidents(conn, &page, now, DAYS)?;
        let items = items(&incidents, &base, &page.slug);
        Ok(Some(if atom_format { atom(&page, &items, &base, now) } else { rss(&page, &items, &base, now) }))
    })
    .await
}

/// `GET /status/{slug}/feed.rss`.
pub async fn rss_feed(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    feed(state, slug, headers, false).await
}

/// `GET /status/{slug}/feed.atom`.
pub async fn atom_feed(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    feed(state, slug, headers, true).await
}
