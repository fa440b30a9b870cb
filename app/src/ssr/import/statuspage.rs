//! `vigie import statuspage DIR`: a Statuspage page, from the JSON of its
//! public API saved by its owner (`summary.json`, and when saved
//! `incidents.json` and `scheduled-maintenances.json`), recreated as a
//! status page with its components and groups, and its public history:
//! incidents and maintenance with their updates and times.
//!
//! Statuspage components are set by hand; a Vigie component shows a
//! monitor. Each component becomes a paused heartbeat monitor of the same
//! name (tagged `statuspage`), a placeholder the team replaces with the
//! monitor that really watches it: paused, it never opens an incident, and
//! the component shows what the incidents say, as on Statuspage. The page
//! is made unpublished, for the team to look at before publishing it.

use super::history::{self, PastIncident, PastUpdate};
use super::{Report, cut};
use crate::error::AppError;
use crate::model::incident_limits::{BODY_MAX, TITLE_MAX};
use crate::model::status_page_limits::{COMPONENTS_MAX, NAME_MAX};
use crate::model::{Impact, IncidentState, MonitorKind, PageComponent, StatusPageInput, UpdateStatus};
use crate::ssr::MonitorSettings;
use crate::ssr::config::document::FileError;
use crate::ssr::monitoring::monitors;
use crate::ssr::status_pages;
use crate::ssr::team::audit::Actor;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The files read from the folder, in the order they are read.
pub const FILES: [&str; 3] = ["summary.json", "incidents.json", "scheduled-maintenances.json"];
/// The largest file read.
pub const FILE_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// The tag of the placeholder monitors.
pub const TAG: &str = "statuspage";

#[derive(Debug, Deserialize)]
struct Summary {
    page: Page,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    incidents: Vec<Incident>,
    #[serde(default)]
    scheduled_maintenances: Vec<Incident>,
}

#[derive(Debug, Deserialize)]
struct Page {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Component {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    position: i64,
    #[serde(default)]
    group_id: Option<String>,
    #[serde(default)]
    group: bool,
    #[serde(default)]
    only_show_if_degraded: bool,
}

#[derive(Debug, Deserialize)]
struct IncidentList {
    #[serde(default)]
    incidents: Vec<Incident>,
}

#[derive(Debug, Deserialize)]
struct MaintenanceList {
    #[serde(default)]
    scheduled_maintenances: Vec<Incident>,
}

#[derive(Debug, Clone, Deserialize)]
struct Incident {
    id: String,
    name: String,
    status: String,
    #[serde(default)]
    impact: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    scheduled_for: Option<DateTime<Utc>>,
    #[serde(default)]
    scheduled_until: Option<DateTime<Utc>>,
    #[serde(default)]
    incident_updates: Vec<Update>,
    #[serde(default)]
    components: Vec<ComponentRef>,
}

#[derive(Debug, Clone, Deserialize)]
struct Update {
    status: String,
    #[serde(default)]
    body: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    display_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
struct ComponentRef {
    id: String,
}

/// What was read from the folder.
#[derive(Debug)]
pub struct Export {
    summary: Summary,
    incidents: Vec<Incident>,
    maintenances: Vec<Incident>,
    /// The files that were there.
    pub read: Vec<String>,
}

/// Reads the folder: `summary.json` must be there, the two others may be.
/// A file that is not what Statuspage writes is refused with its name, the
/// line and the field.
pub fn read(dir: &Path) -> Result<Export, FileError> {
    let text = |name: &str| -> Result<Option<String>, FileError> {
        let path = dir.join(name);
        let size = match std::fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(FileError::new(None, name, format!("cannot be read: {error}"))),
        };
        if size > FILE_MAX_BYTES {
            return Err(FileError::new(None, name, format!("is larger than {FILE_MAX_BYTES} bytes")));
        }
        std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|error| FileError::new(None, name, format!("cannot be read: {error}")))
    };
    let summary_text = text(FILES[0])?.ok_or_else(|| {
        FileError::new(None, FILES[0], format!("is missing from {}: save it with curl first", dir.display()))
    })?;
    let mut read = vec![FILES[0].to_owned()];
    let summary: Summary = parse(FILES[0], &summary_text)?;
    let incidents = match text(FILES[1])? {
        Some(text) => {
            read.push(FILES[1].to_owned());
            parse::<IncidentList>(FILES[1], &text)?.incidents
        }
        None => Vec::new(),
    };
    let maintenances = match text(FILES[2])? {
        Some(text) => {
            read.push(FILES[2].to_owned());
            parse::<MaintenanceList>(FILES[2], &text)?.scheduled_maintenances
        }
        None => Vec::new(),
    };
    Ok(Export { summary, incidents, maintenances, read })
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, FileError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]).to_owned();
        FileError::new(Some(inner.line()), format!("{file}: {field}"), message)
    })
}

/// How the page is made.
pub struct Options<'a> {
    /// The new page's address (`/status/<slug>`); by default made from its name.
    pub slug: Option<&'a str>,
    pub actor: &'a Actor,
    pub settings: &'a MonitorSettings,
    pub now: DateTime<Utc>,
}

/// Recreates the page, its placeholder monitors and its history, in the
/// caller's transaction. Refuses a slug a page already has (an import is
/// not merged into an existing page).
pub fn import(conn: &mut PgConnection, export: &Export, options: &Options<'_>) -> Result<Report, AppError> {
    let mut report = Report::default();
    let summary = &export.summary;
    let slug = match options.slug {
        Some(slug) => slug.to_owned(),
        None => crate::ssr::config::export::slug(&summary.page.name),
    };
    if crate::ssr::db::status_pages::find_by_slug(conn, &slug)?.is_some() {
        return Err(AppError::conflict(
            Some("slug"),
            format!("A status page has the address /status/{slug} already: choose another with --slug."),
        ));
    }

    // Components, in their order; groups become the names they are shown under.
    let groups: HashMap<&str, &Component> =
        summary.components.iter().filter(|c| c.group).map(|c| (c.id.as_str(), c)).collect();
    let mut shown: Vec<&Component> = summary.components.iter().filter(|c| !c.group).collect();
    let order = |c: &Component| {
        let group = c.group_id.as_deref().and_then(|g| groups.get(g)).map_or(c.position, |g| g.position);
        (group, c.position)
    };
    shown.sort_by_key(|c| order(c));
    if shown.len() > COMPONENTS_MAX {
        for component in &shown[COMPONENTS_MAX..] {
            report.not_carried(format!("component {}: a page shows at most {COMPONENTS_MAX}", component.name));
        }
        shown.truncate(COMPONENTS_MAX);
    }
    let rules = monitors::rules(conn, options.settings.min_interval_seconds, &options.settings.region)?;
    let mut monitor_of: BTreeMap<&str, i64> = BTreeMap::new();
    let mut components = Vec::new();
    for component in &shown {
        let (name, long) = cut(component.name.trim(), NAME_MAX);
        if long {
            report.not_carried(format!("component {}: its name is cut to {NAME_MAX} characters", component.name));
        }
        let mut spec = monitors::defaults_for(&rules, MonitorKind::Heartbeat);
        spec.name = name.clone();
        spec.tags = vec![TAG.to_owned()];
        let spec = monitors::check(spec, &rules)?;
        let monitor = monitors::store_checked(conn, None, &spec)?;
        monitors::set_paused(conn, monitor.id, true)?;
        monitor_of.insert(component.id.as_str(), monitor.id);
        let group = component.group_id.as_deref().and_then(|g| groups.get(g)).map(|g| cut(g.name.trim(), NAME_MAX).0);
        components.push(PageComponent { monitor_id: monitor.id, name, group });
        if component.description.as_deref().is_some_and(|d| !d.trim().is_empty()) {
            report.not_carried(format!("component {}: its description (components have none here)", component.name));
        }
        if component.only_show_if_degraded {
            report.not_carried(format!("component {}: shown always, not only when degraded", component.name));
        }
    }
    let (title, long) = cut(summary.page.name.trim(), crate::model::status_page_limits::TITLE_MAX);
    if long {
        report.not_carried(format!("the page's name is cut to {} characters", title.chars().count()));
    }
    let input = StatusPageInput {
        slug: Some(slug.clone()),
        title: Some(title),
        published: Some(false),
        components: Some(components.clone()),
        ..Default::default()
    };
    let page = status_pages::create(conn, options.actor, input, options.now)?;
    report.made(format!(
        "status page /status/{} (unpublished: publish it in the console) with {} components",
        page.slug,
        components.len()
    ));
    if !components.is_empty() {
        report.made(format!(
            "{} paused heartbeat monitors tagged `{TAG}`, one per component: give each component the monitor that \
             watches it (Status pages → Edit), then delete them",
            components.len()
        ));
    }

    // The history: each incident once (the summary repeats the open ones).
    let mut seen = std::collections::HashSet::new();
    let incidents: Vec<&Incident> =
        export.incidents.iter().chain(&summary.incidents).filter(|i| seen.insert(i.id.clone())).collect();
    let maintenances: Vec<&Incident> = export
        .maintenances
        .iter()
        .chain(&summary.scheduled_maintenances)
        .filter(|i| seen.insert(i.id.clone()))
        .collect();
    let every: Vec<i64> = components.iter().map(|c| c.monitor_id).collect();
    let (mut written, mut open, mut unattached, mut informational) = (0, 0, 0, 0);
    for (incident, maintenance) in incidents.iter().map(|i| (*i, false)).chain(maintenances.iter().map(|m| (*m, true)))
    {
        let what = if maintenance { "maintenance" } else { "incident" };
        let Some(past) = past(incident, maintenance, &monitor_of, &every, options.now, &mut report) else { continue };
        if incident.components.is_empty() {
            unattached += 1;
        }
        if incident.impact.as_deref() == Some("none") {
            informational += 1;
        }
        if matches!(past.state, IncidentState::Ongoing | IncidentState::Scheduled) {
            open += 1;
            report.made(format!("{what} “{}” is still {}: it goes on here", past.title, past.state.as_str()));
        }
        history::write(conn, &past)?;
        written += 1;
    }
    if unattached > 0 {
        report.not_carried(format!(
            "{unattached} of the incidents named no component: each is shown against every component, so it stays on the page"
        ));
    }
    if informational > 0 {
        report.not_carried(format!(
            "{informational} of the incidents had the impact “none”, which has no equal here: shown as degraded performance"
        ));
    }
    report.made(format!("{written} past incidents and maintenance with their updates ({open} not over)"));
    if !export.read.iter().any(|f| f == FILES[1]) {
        report.not_carried(format!(
            "{} was not in the folder: only the incidents still open were read (from {})",
            FILES[1], FILES[0]
        ));
    }
    Ok(report)
}

/// One Statuspage incident or maintenance as a past incident; `None` (and
/// a line of the report) when it cannot be one.
fn past(
    incident: &Incident,
    maintenance: bool,
    monitor_of: &BTreeMap<&str, i64>,
    every: &[i64],
    now: DateTime<Utc>,
    report: &mut Report,
) -> Option<PastIncident> {
    let (title, long) = cut(incident.name.trim(), TITLE_MAX);
    if long {
        report.not_carried(format!("incident “{}”: its title is cut to {TITLE_MAX} characters", incident.name));
    }
    let window = if maintenance {
        match (incident.scheduled_for, incident.scheduled_until) {
            (Some(start), Some(end)) if end > start => Some((start, end)),
            _ => {
                report
                    .not_carried(format!("maintenance “{}”: it has no window (scheduled_for, scheduled_until)", title));
                return None;
            }
        }
    } else {
        None
    };
    let mut updates: Vec<PastUpdate> = Vec::new();
    for update in &incident.incident_updates {
        let Some(status) = update_status(&update.status) else {
            report.not_carried(format!("an update of “{title}”: its status “{}” is unknown", update.status));
            continue;
        };
        let body = update.body.as_deref().unwrap_or_default().trim();
        if body.is_empty() {
            continue;
        }
        let (body, long) = cut(body, BODY_MAX);
        if long {
            report.not_carried(format!("an update of “{title}”: cut to {BODY_MAX} characters"));
        }
        updates.push(PastUpdate { status, body, at: update.display_at.unwrap_or(update.created_at) });
    }
    updates.sort_by_key(|u| u.at);
    let last = updates.last().map(|u| u.at);
    let (state, started_at, resolved_at) = match window {
        Some((start, end)) => match incident.status.as_str() {
            "completed" => (IncidentState::Resolved, Some(start), Some(incident.resolved_at.unwrap_or(end))),
            "cancelled" => (IncidentState::Cancelled, None, Some(incident.resolved_at.or(last).unwrap_or(start))),
            _ if end <= now => (IncidentState::Resolved, Some(start), Some(end)),
            _ if start <= now => (IncidentState::Ongoing, Some(start), None),
            _ => (IncidentState::Scheduled, None, None),
        },
        None => match incident.status.as_str() {
            "resolved" | "postmortem" => {
                let at = incident.resolved_at.or(last).unwrap_or(incident.created_at);
                (IncidentState::Resolved, Some(incident.started_at.unwrap_or(incident.created_at)), Some(at))
            }
            "investigating" | "identified" | "monitoring" => {
                (IncidentState::Ongoing, Some(incident.started_at.unwrap_or(incident.created_at)), None)
            }
            other => {
                report.not_carried(format!("incident “{title}”: its status “{other}” is unknown"));
                return None;
            }
        },
    };
    let impact = if maintenance {
        Impact::Maintenance
    } else {
        match incident.impact.as_deref() {
            Some("critical") => Impact::MajorOutage,
            Some("major") => Impact::PartialOutage,
            _ => Impact::DegradedPerformance,
        }
    };
    let mut monitor_ids: Vec<i64> = Vec::new();
    for component in &incident.components {
        match monitor_of.get(component.id.as_str()) {
            Some(id) => monitor_ids.push(*id),
            None => report.not_carried(format!(
                "“{title}” named a component that is no longer on the page ({}): left out",
                component.id
            )),
        }
    }
    if monitor_ids.is_empty() {
        monitor_ids = every.to_vec();
    }
    Some(PastIncident {
        title,
        window,
        impact,
        state,
        created_at: incident.created_at,
        started_at,
        resolved_at,
        monitor_ids,
        updates,
        origin: format!("Statuspage {} {}", if maintenance { "maintenance" } else { "incident" }, incident.id),
    })
}

/// Statuspage's update statuses, incidents' and maintenance's, as ours.
fn update_status(status: &str) -> Option<UpdateStatus> {
    Some(match status {
        "investigating" => UpdateStatus::Investigating,
        "identified" | "scheduled" | "in_progress" => UpdateStatus::Identified,
        "monitoring" | "verifying" => UpdateStatus::Monitoring,
        "resolved" | "postmortem" | "completed" | "cancelled" => UpdateStatus::Resolved,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_windows_follow_statuspage() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let now = at("2026-06-01T00:00:00Z");
        let incident = Incident {
            id: "abc".into(),
            name: "Slow logins".into(),
            status: "postmortem".into(),
            impact: Some("critical".into()),
            created_at: at("2026-05-01T10:00:00-04:00"),
            started_at: None,
            resolved_at: None,
            scheduled_for: None,
            scheduled_until: None,
            incident_updates: vec![
                Update {
                    status: "resolved".into(),
                    body: Some("Fixed.".into()),
                    created_at: at("2026-05-01T15:00:00Z"),
                    display_at: None,
                },
                Update {
                    status: "investigating".into(),
                    body: Some("Looking.".into()),
                    created_at: at("2026-05-01T14:10:00Z"),
                    display_at: Some(at("2026-05-01T14:05:00Z")),
                },
                Update { status: "weird".into(), body: Some("?".into()), created_at: now, display_at: None },
            ],
            components: vec![ComponentRef { id: "gone".into() }],
        };
        let mut report = Report::default();
        let past = past(&incident, false, &BTreeMap::new(), &[7, 8], now, &mut report).unwrap();
        assert_eq!(past.state, IncidentState::Resolved);
        assert_eq!(past.impact, Impact::MajorOutage);
        assert_eq!(past.created_at, at("2026-05-01T14:00:00Z"), "offsets are read");
        assert_eq!(past.resolved_at, Some(at("2026-05-01T15:00:00Z")), "the last update closes it");
        assert_eq!(
            past.updates.iter().map(|u| u.status).collect::<Vec<_>>(),
            [UpdateStatus::Investigating, UpdateStatus::Resolved]
        );
        assert_eq!(past.updates[0].at, at("2026-05-01T14:05:00Z"), "shown at its display time");
        assert_eq!(past.monitor_ids, [7, 8], "no known component: every component");
        assert_eq!(report.not_carried.len(), 2, "{report}");

        let future = Incident {
            status: "scheduled".into(),
            scheduled_for: Some(at("2026-07-01T00:00:00Z")),
            scheduled_until: Some(at("2026-07-01T02:00:00Z")),
            ..incident.clone()
        };
        let past_window = Incident { scheduled_until: Some(at("2026-05-02T00:00:00Z")), ..future.clone() };
        let past_window = Incident { scheduled_for: Some(at("2026-05-01T22:00:00Z")), ..past_window };
        let planned = super::past(&future, true, &BTreeMap::new(), &[], now, &mut report).unwrap();
        assert_eq!((planned.state, planned.impact), (IncidentState::Scheduled, Impact::Maintenance));
        let over = super::past(&past_window, true, &BTreeMap::new(), &[], now, &mut report).unwrap();
        assert_eq!(over.state, IncidentState::Resolved, "a window that is over is over");
        let unplanned = Incident { scheduled_for: None, ..future };
        assert!(super::past(&unplanned, true, &BTreeMap::new(), &[], now, &mut report).is_none());
    }
}
