//! `/status/{slug}/api/v2/…`: the page in Atlassian Statuspage's public
//! JSON shapes (`summary.json`, `status.json`, `components.json`,
//! `incidents.json`, `incidents/unresolved.json`,
//! `scheduled-maintenances.json` and its `upcoming`/`active`), so existing
//! Statuspage clients and aggregators read Vigie pages unchanged.

use super::{cache_key, published, serve};
use app::model::{ComponentStatus, Impact, IncidentKind, IncidentState, PageStatus};
use app::ssr::AppState;
use app::ssr::status_pages::read_model::PageInfo;
use app::ssr::status_pages::read_model::{self as public_status, PublicComponent, PublicIncident, PublicPage};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Summary,
    Status,
    Components,
    Incidents,
    Unresolved,
    Maintenances,
    Upcoming,
    Active,
}

impl Document {
    fn of(path: &str) -> Option<Self> {
        Some(match path {
            "summary.json" => Self::Summary,
            "status.json" => Self::Status,
            "components.json" => Self::Components,
            "incidents.json" => Self::Incidents,
            "incidents/unresolved.json" => Self::Unresolved,
            "scheduled-maintenances.json" => Self::Maintenances,
            "scheduled-maintenances/upcoming.json" => Self::Upcoming,
            "scheduled-maintenances/active.json" => Self::Active,
            _ => return None,
        })
    }
}

fn page_json(page: &PageInfo, base: &str) -> Value {
    json!({
        "id": page.slug,
        "name": page.title,
        "url": format!("{base}/status/{}", page.slug),
        "time_zone": "Etc/UTC",
        "updated_at": page.updated_at,
    })
}

pub(crate) fn status_json(status: PageStatus) -> Value {
    let description = match status {
        PageStatus::AllOperational => "All Systems Operational",
        PageStatus::Maintenance => "Service Under Maintenance",
        PageStatus::Degraded => "Minor Service Outage",
        PageStatus::PartialOutage => "Partial System Outage",
        PageStatus::MajorOutage => "Major System Outage",
    };
    json!({ "indicator": status.indicator(), "description": description })
}

fn component_id(monitor_id: i64) -> String {
    format!("c{monitor_id}")
}

/// Components in Statuspage's shape: groups are components too, with
/// `group: true` and the ids of their members.
pub(crate) fn components_json(page: &PublicPage) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut groups: Vec<(String, Vec<&PublicComponent>)> = Vec::new();
    for component in &page.components {
        if let Some(group) = &component.group {
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, members)) => members.push(component),
                None => groups.push((group.clone(), vec![component])),
            }
        }
    }
    let group_id = |name: &str| groups.iter().position(|(g, _)| g == name).map(|i| format!("g{}", i + 1));
    for (position, component) in page.components.iter().enumerate() {
        out.push(json!({
            "id": component_id(component.monitor_id),
            "name": component.name,
            "status": component.status.as_str(),
            "created_at": page.page.created_at,
            "updated_at": page.page.updated_at,
            "position": position + 1,
            "description": null,
            "showcase": true,
            "start_date": null,
            "group_id": component.group.as_deref().and_then(group_id),
            "page_id": page.page.slug,
            "group": false,
            "only_show_if_degraded": false,
        }));
    }
    for (index, (name, members)) in groups.iter().enumerate() {
        let worst =
            members.iter().map(|m| m.status).max_by_key(|s| s.severity()).unwrap_or(ComponentStatus::Operational);
        out.push(json!({
            "id": format!("g{}", index + 1),
            "name": name,
            "status": worst.as_str(),
            "created_at": page.page.created_at,
            "updated_at": page.page.updated_at,
            "position": page.components.len() + index + 1,
            "description": null,
            "showcase": false,
            "start_date": null,
            "group_id": null,
            "page_id": page.page.slug,
            "group": true,
            "only_show_if_degraded": false,
            "components": members.iter().map(|m| component_id(m.monitor_id)).collect::<Vec<_>>(),
        }));
    }
    out
}

fn impact(impact: Impact) -> &'static str {
    match impact {
        Impact::Operational => "none",
        Impact::Maintenance => "maintenance",
        Impact::DegradedPerformance => "minor",
        Impact::PartialOutage => "major",
        Impact::MajorOutage | Impact::Unknown => "critical",
    }
}

/// Statuspage's incident status: the last update's for an incident, the
/// phase for a maintenance.
fn incident_status(incident: &PublicIncident) -> &'static str {
    match (incident.kind, incident.state) {
        (IncidentKind::Maintenance, IncidentState::Scheduled) => "scheduled",
        (IncidentKind::Maintenance, IncidentState::Ongoing) => "in_progress",
        (IncidentKind::Maintenance, _) => "completed",
        (_, IncidentState::Resolved | IncidentState::Cancelled) => "resolved",
        _ => incident.updates.first().map_or("investigating", |u| match u.status.as_str() {
            "identified" => "identified",
            "monitoring" => "monitoring",
            "resolved" => "resolved",
            _ => "investigating",
        }),
    }
}

pub(crate) fn incident_json(incident: &PublicIncident, page: &PublicPage, base: &str) -> Value {
    let components: Vec<Value> = page
        .components
        .iter()
        .filter(|c| incident.monitor_ids.contains(&c.monitor_id))
        .map(|c| json!({ "id": component_id(c.monitor_id), "name": c.name, "status": c.status.as_str() }))
        .collect();
    let updates: Vec<Value> = incident
        .updates
        .iter()
        .map(|u| {
            json!({
                "id": format!("u{}", u.id),
                "status": u.status.as_str(),
                "body": app::ssr::markdown::to_text(&u.body),
                "incident_id": format!("i{}", incident.id),
                "created_at": u.published_at,
                "updated_at": u.edited_at.unwrap_or(u.published_at),
                "display_at": u.published_at,
                "affected_components": null,
                "deliver_notifications": true,
                "custom_tweet": null,
                "tweet_id": null,
            })
        })
        .collect();
    let status = incident_status(incident);
    json!({
        "id": format!("i{}", incident.id),
        "name": incident.title,
        "status": status,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "monitoring_at": incident.updates.iter().find(|u| u.status.as_str() == "monitoring").map(|u| u.published_at),
        "resolved_at": incident.resolved_at,
        "impact": impact(incident.impact),
        "shortlink": format!("{base}/status/{}/incidents/{}", page.page.slug, incident.id),
        "started_at": incident.started_at.or(incident.scheduled_start).unwrap_or(incident.created_at),
        "page_id": page.page.slug,
        "incident_updates": updates,
        "components": components,
        "scheduled_for": incident.scheduled_start,
        "scheduled_until": incident.scheduled_end,
    })
}

/// Builds the document asked for.
pub fn document(kind: Document, page: &PublicPage, history: &[PublicIncident], base: &str) -> Value {
    let page_json = page_json(&page.page, base);
    let incidents = |list: &[&PublicIncident]| list.iter().map(|i| incident_json(i, page, base)).collect::<Vec<_>>();
    let unresolved: Vec<&PublicIncident> = page.active.iter().collect();
    let maintenance = |state: Option<IncidentState>| -> Vec<&PublicIncident> {
        page.maintenance.iter().filter(|m| state.is_none_or(|s| m.state == s)).collect()
    };
    match kind {
        Document::Summary => json!({
            "page": page_json,
            "components": components_json(page),
            "incidents": incidents(&unresolved),
            "scheduled_maintenances": incidents(&maintenance(None)),
            "status": status_json(page.status),
        }),
        Document::Status => json!({ "page": page_json, "status": status_json(page.status) }),
        Document::Components => json!({ "page": page_json, "components": components_json(page) }),
        Document::Incidents => {
            let list: Vec<&PublicIncident> =
                history.iter().filter(|i| i.kind != IncidentKind::Maintenance).take(50).collect();
            json!({ "page": page_json, "incidents": incidents(&list) })
        }
        Document::Unresolved => json!({ "page": page_json, "incidents": incidents(&unresolved) }),
        Document::Maintenances => {
            // Statuspage has no state for a cancelled maintenance: it is left out.
            let list: Vec<&PublicIncident> = history
                .iter()
                .filter(|i| i.kind == IncidentKind::Maintenance && i.state != IncidentState::Cancelled)
                .take(50)
                .collect();
            json!({ "page": page_json, "scheduled_maintenances": incidents(&list) })
        }
        Document::Upcoming => {
            json!({ "page": page_json, "scheduled_maintenances": incidents(&maintenance(Some(IncidentState::Scheduled))) })
        }
        Document::Active => {
            json!({ "page": page_json, "scheduled_maintenances": incidents(&maintenance(Some(IncidentState::Ongoing))) })
        }
    }
}

/// `GET /status/{slug}/api/v2/{document}`.
pub async fn api(
    State(state): State<AppState>,
    Path((slug, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = Document::of(&path) else { return StatusCode::NOT_FOUND.into_response() };
    let base = super::feeds::base_url(&state, &headers);
    if !super::may_be_published(&state, &slug).await {
        return StatusCode::NOT_FOUND.into_response();
    }
    let key = cache_key(&state, &headers, &format!("/status/{slug}/api/v2/{path}"), true);
    let mut response = serve(&state, &headers, key, "application/json", move |conn| {
        let Some(row) = published(conn, &slug)? else { return Ok(None) };
        let now = Utc::now();
        let history = if matches!(kind, Document::Incidents | Document::Maintenances) {
            public_status::feed_incidents(conn, &row, now, 90)?
        } else {
            Vec::new()
        };
        let page = public_status::load(conn, row, now)?;
        Ok(Some(document(kind, &page, &history, &base).to_string()))
    })
    .await;
    // Aggregators read these from other origins.
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    response
}
