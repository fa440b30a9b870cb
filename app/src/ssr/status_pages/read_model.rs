//! What a status page shows the public, read from the database: each
//! component's state (from the ongoing incidents covering its monitor, or
//! degraded while some of its regions fail), the banner, 90 daily uptime
//! bars from the rollups (time in planned maintenance left out), and the
//! page's incidents with their public updates. Only what may be public is
//! read: never comments, incident details, monitor names, targets or
//! regions. How each incident looks to the public is decided by
//! [`public_face`] and [`public_title`].

use crate::model::{ComponentStatus, Impact, IncidentKind, IncidentState, MonitorStatus, PageStatus, UpdateStatus};
use crate::ssr::db::public::{self, IncidentRow};
use crate::ssr::db::status_pages::PageRow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// Days of uptime bars.
pub const DAYS: i64 = 90;
/// Resolved incidents listed under "recent".
const RECENT_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    /// `None`: no checks that day (outside maintenance).
    pub uptime: Option<f64>,
    pub incidents: u32,
    /// Part of the day was planned maintenance (left out of the uptime).
    pub maintenance: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicComponent {
    pub monitor_id: i64,
    pub name: String,
    pub group: Option<String>,
    pub status: ComponentStatus,
    /// Oldest first, [`DAYS`] of them, ending today.
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicUpdate {
    pub id: i64,
    pub status: UpdateStatus,
    pub body: String,
    pub body_html: String,
    pub published_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncident {
    pub id: i64,
    /// The public title (see [`public_title`]).
    pub title: String,
    pub kind: IncidentKind,
    pub impact: Impact,
    pub state: IncidentState,
    pub started_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The public names of the page's components it affects.
    pub components: Vec<String>,
    /// The monitors behind those components, in the same order: components
    /// are matched by these, never by their names.
    pub monitor_ids: Vec<i64>,
    /// Newest first; none while the impact is unknown.
    pub updates: Vec<PublicUpdate>,
    /// A maintenance's window changes, oldest first: `(event id, when, new
    /// start, new end)`, announced in the feeds.
    pub reschedules: Vec<Reschedule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reschedule {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// How much of an incident the public sees, by its impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// A false alarm (`operational`): nothing, anywhere public.
    Hidden,
    /// Impact still `unknown`: only that the components are down, under a
    /// title made from their public names; no updates.
    Generic,
    /// Its public title, impact, components and public updates.
    Full,
}

pub fn public_face(impact: Impact) -> Face {
    match impact {
        Impact::Operational => Face::Hidden,
        Impact::Unknown => Face::Generic,
        _ => Face::Full,
    }
}

/// `A`, `A and B`, `A, B and C`; beyond three, `A, B and 2 more`.
fn listed(names: &[String]) -> String {
    match names {
        [] => "Our service".to_owned(),
        [one] => one.clone(),
        [first @ .., last] if names.len() <= 3 => format!("{} and {last}", first.join(", ")),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

/// The title the public sees: the team's public title if set, else the title
/// of an incident the team wrote, else (programmatic incidents, whose title
/// names the monitor) one made from the public names of the components it
/// affects. While the impact is unknown, only the made-up title is shown.
pub fn public_title(
    kind: IncidentKind,
    impact: Impact,
    title: &str,
    team_public_title: Option<&str>,
    components: &[String],
) -> String {
    let names = listed(components);
    let verb = if components.len() > 1 { "are" } else { "is" };
    let made = || match impact {
        Impact::DegradedPerformance => format!("Degraded performance of {names}"),
        Impact::PartialOutage => format!("Partial outage of {names}"),
        Impact::Maintenance => format!("Maintenance of {names}"),
        Impact::Operational => format!("{names} {verb} operational"),
        Impact::MajorOutage | Impact::Unknown => format!("{names} {verb} down"),
    };
    match (impact, team_public_title, kind) {
        (Impact::Unknown, _, _) => made(),
        (_, Some(public), _) => public.to_owned(),
        (_, None, IncidentKind::Programmatic) => made(),
        (_, None, _) => title.to_owned(),
    }
}

/// What the public sees of a page's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInfo {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub published: bool,
    pub allow_subscriptions: bool,
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PageRow> for PageInfo {
    fn from(row: PageRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            title: row.title,
            description: row.description,
            published: row.published,
            allow_subscriptions: row.allow_subscriptions,
            logo_url: row.logo_url,
            accent_color: row.accent_color,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PublicPage {
    pub page: PageInfo,
    pub status: PageStatus,
    pub components: Vec<PublicComponent>,
    /// Ongoing incidents (not maintenance), newest first.
    pub active: Vec<PublicIncident>,
    /// Maintenance in progress or scheduled, soonest first.
    pub maintenance: Vec<PublicIncident>,
    /// Resolved in the last two weeks, newest first.
    pub recent: Vec<PublicIncident>,
    pub generated_at: DateTime<Utc>,
}

/// Each row with the monitors its incident covers.
fn with_monitor_ids(conn: &mut PgConnection, rows: Vec<IncidentRow>) -> QueryResult<Vec<(IncidentRow, Vec<i64>)>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut monitors = crate::ssr::db::incidents::monitor_ids(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let list = monitors.remove(&row.id).unwrap_or_default();
            (row, list)
        })
        .collect())
}

/// The page's incidents: those touching its monitors, ongoing, scheduled,
/// or resolved (or cancelled) since `since`. False alarms are read too (they
/// say their components are operational) and hidden by [`readable`].
fn incidents_of(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    since: DateTime<Utc>,
) -> QueryResult<Vec<(IncidentRow, Vec<i64>)>> {
    let rows = public::incidents_touching(conn, monitor_ids, since)?;
    with_monitor_ids(conn, rows)
}

fn updates_of(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<PublicUpdate>>> {
    let rows = public::updates(conn, incident_ids)?;
    let mut by_incident: HashMap<i64, Vec<PublicUpdate>> = HashMap::new();
    for (id, incident_id, status, body, body_html, published_at, edited_at) in rows {
        by_incident.entry(incident_id).or_default().push(PublicUpdate {
            id,
            status,
            body,
            body_html,
            published_at,
            edited_at,
        });
    }
    Ok(by_incident)
}

/// The window changes of these maintenances: only their times are read
/// from the timeline (`details -> 'to'`), nothing else of it.
fn reschedules_of(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<Reschedule>>> {
    let rows = public::window_changes(conn, incident_ids)?;
    let mut by_incident: HashMap<i64, Vec<Reschedule>> = HashMap::new();
    for (id, incident_id, at, start, end) in rows {
        if let (Some(start), Some(end)) = (start, end) {
            by_incident.entry(incident_id).or_default().push(Reschedule { id, at, start, end });
        }
    }
    Ok(by_incident)
}

/// A day's figures for a monitor: checks and failures outside maintenance,
/// and checks inside it.
pub type Figures = (i32, i32, i32);

/// `(monitor_id, day) -> figures` for the last [`DAYS`] days.
fn rollups_of(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    first: NaiveDate,
) -> QueryResult<HashMap<(i64, NaiveDate), Figures>> {
    let rows = public::rollups(conn, monitor_ids, first)?;
    Ok(rows.into_iter().map(|(m, d, c, f, mc)| ((m, d), (c, f, mc))).collect())
}

/// The figures since `start` (today's, the last 24 hours'), from the raw
/// checks (the rollup of a day is written once it is over), with checks
/// inside maintenance windows counted apart.
pub fn figures_since(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    start: DateTime<Utc>,
) -> QueryResult<HashMap<i64, Figures>> {
    let windows = crate::ssr::db::incidents::maintenance_windows(conn, monitor_ids, start)?;
    let rows = public::checks_since(conn, monitor_ids, start)?;
    let mut by_monitor: HashMap<i64, Figures> = HashMap::new();
    for (monitor, at, up) in rows {
        let entry = by_monitor.entry(monitor).or_default();
        if crate::ssr::db::incidents::covers(&windows, monitor, at) {
            entry.2 += 1;
        } else {
            entry.0 += 1;
            entry.1 += i32::from(!up);
        }
    }
    Ok(by_monitor)
}

/// The incident as the public sees it on a page whose components are
/// `name_of` (monitor id → public name), or `None` when it is hidden.
fn to_incident(
    row: IncidentRow,
    monitors: &[i64],
    name_of: &HashMap<i64, String>,
    updates: Vec<PublicUpdate>,
    reschedules: Vec<Reschedule>,
) -> Option<PublicIncident> {
    let impact = row.impact;
    let face = public_face(impact);
    if face == Face::Hidden {
        return None;
    }
    let kind = row.kind;
    let (monitor_ids, components): (Vec<i64>, Vec<String>) =
        monitors.iter().filter_map(|m| Some((*m, name_of.get(m)?.clone()))).unzip();
    Some(PublicIncident {
        id: row.id,
        title: public_title(kind, impact, &row.title, row.public_title.as_deref(), &components),
        kind,
        impact,
        state: row.state,
        started_at: row.started_at,
        resolved_at: row.resolved_at,
        scheduled_start: row.scheduled_start,
        scheduled_end: row.scheduled_end,
        created_at: row.created_at,
        updated_at: row.updated_at,
        components,
        monitor_ids,
        updates: if face == Face::Full { updates } else { Vec::new() },
        reschedules,
    })
}

/// The incidents the public may read, as it sees them, with their updates.
fn readable(
    conn: &mut PgConnection,
    incidents: Vec<(IncidentRow, Vec<i64>)>,
    name_of: &HashMap<i64, String>,
) -> QueryResult<Vec<PublicIncident>> {
    let ids: Vec<i64> =
        incidents.iter().filter(|(row, _)| row.impact != Impact::Unknown).map(|(row, _)| row.id).collect();
    let mut updates = updates_of(conn, &ids)?;
    let maintenance: Vec<i64> =
        incidents.iter().filter(|(row, _)| row.kind == IncidentKind::Maintenance).map(|(row, _)| row.id).collect();
    let mut reschedules = if maintenance.is_empty() { HashMap::new() } else { reschedules_of(conn, &maintenance)? };
    Ok(incidents
        .into_iter()
        .filter_map(|(row, monitors)| {
            let list = updates.remove(&row.id).unwrap_or_default();
            let moved = reschedules.remove(&row.id).unwrap_or_default();
            to_incident(row, &monitors, name_of, list, moved)
        })
        .collect())
}

/// The page's readable incidents ongoing, scheduled or resolved in the last
/// `days` days, newest first: what its feeds are made of.
pub fn feed_incidents(
    conn: &mut PgConnection,
    page: &PageInfo,
    now: DateTime<Utc>,
    days: i64,
) -> QueryResult<Vec<PublicIncident>> {
    let components =
        crate::ssr::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.into_iter().map(|(id, name, _)| (id, name)).collect();
    let incidents = incidents_of(conn, &monitor_ids, now - Duration::days(days))?;
    readable(conn, incidents, &name_of)
}

/// Everything the page shows, as of `now`.
pub fn load(conn: &mut PgConnection, page: PageInfo, now: DateTime<Utc>) -> QueryResult<PublicPage> {
    let components =
        crate::ssr::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.iter().map(|(id, name, _)| (*id, name.clone())).collect();
    let incidents = incidents_of(conn, &monitor_ids, now - Duration::days(RECENT_DAYS))?;
    let public_components = public_components(conn, components, &incidents, now)?;
    let status = PageStatus::of_components(public_components.iter().map(|c| c.status));

    let (mut active, mut maintenance, mut recent) = (Vec::new(), Vec::new(), Vec::new());
    for incident in readable(conn, incidents, &name_of)? {
        match (incident.kind, incident.state) {
            (IncidentKind::Maintenance, IncidentState::Scheduled | IncidentState::Ongoing) => {
                maintenance.push(incident)
            }
            (_, IncidentState::Ongoing) => active.push(incident),
            (_, IncidentState::Resolved | IncidentState::Cancelled) => recent.push(incident),
            _ => {}
        }
    }
    maintenance.sort_by_key(|i| i.scheduled_start);
    recent.sort_by_key(|i| std::cmp::Reverse(i.resolved_at));
    Ok(PublicPage { page, status, components: public_components, active, maintenance, recent, generated_at: now })
}

/// One component of the page (`monitor_id`), as the page shows it: `None`
/// when the page has no such component.
pub fn load_component(
    conn: &mut PgConnection,
    page: &PageInfo,
    monitor_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<Option<PublicComponent>> {
    let components =
        crate::ssr::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let Some(component) = components.into_iter().find(|(id, _, _)| *id == monitor_id) else { return Ok(None) };
    let incidents = incidents_of(conn, &[monitor_id], now - Duration::days(RECENT_DAYS))?;
    Ok(public_components(conn, vec![component], &incidents, now)?.pop())
}

/// The components `(monitor_id, public name, group)` with their state (the
/// worst ongoing incident covering each, a false alarm saying operational,
/// else what its monitor says) and their days of uptime bars.
fn public_components(
    conn: &mut PgConnection,
    components: Vec<(i64, String, Option<String>)>,
    incidents: &[(IncidentRow, Vec<i64>)],
    now: DateTime<Utc>,
) -> QueryResult<Vec<PublicComponent>> {
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let statuses = crate::ssr::db::monitors::public_statuses(conn, &monitor_ids)?;
    let mut impacts: HashMap<i64, Vec<Impact>> = HashMap::new();
    for (row, monitors) in incidents {
        if row.state == IncidentState::Ongoing {
            let impact = row.impact;
            for monitor in monitors {
                impacts.entry(*monitor).or_default().push(impact);
            }
        }
    }

    let today = now.date_naive();
    let first = today - Duration::days(DAYS - 1);
    let rollups = rollups_of(conn, &monitor_ids, first)?;
    let live = figures_since(conn, &monitor_ids, today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())?;
    // Public incidents (not maintenance) that started on each day, per monitor.
    let mut started: HashMap<(i64, NaiveDate), u32> = HashMap::new();
    for (row, monitors) in incidents {
        if public_face(row.impact) == Face::Full
            && row.kind != IncidentKind::Maintenance
            && let Some(at) = row.started_at
        {
            for monitor in monitors {
                *started.entry((*monitor, at.date_naive())).or_default() += 1;
            }
        }
    }
    Ok(components
        .into_iter()
        .map(|(monitor_id, name, group)| {
            let days = (0..DAYS)
                .map(|offset| {
                    let date = first + Duration::days(offset);
                    let figures = if date == today {
                        live.get(&monitor_id).copied()
                    } else {
                        rollups.get(&(monitor_id, date)).copied()
                    }
                    .unwrap_or_default();
                    Day {
                        date,
                        uptime: uptime_of(figures),
                        incidents: started.get(&(monitor_id, date)).copied().unwrap_or(0),
                        maintenance: figures.2 > 0,
                    }
                })
                .collect();
            let monitor = statuses.get(&monitor_id).copied().unwrap_or(MonitorStatus::Pending);
            let status = ComponentStatus::of_monitor(impacts.remove(&monitor_id).unwrap_or_default(), monitor);
            PublicComponent { monitor_id, name, group, status, days }
        })
        .collect())
}

/// The share of good checks in percent, maintenance left out; `None`
/// without checks.
pub fn uptime_of((checks, failures, _): Figures) -> Option<f64> {
    (checks > 0).then(|| f64::from(checks - failures) * 100.0 / f64::from(checks))
}

/// The uptime of the days that have data (each day counts the same, as the
/// page's summary under its bars says).
pub fn mean_uptime(days: &[Day]) -> Option<f64> {
    let known: Vec<f64> = days.iter().filter_map(|d| d.uptime).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

/// One incident of the page, if the public may see it: it touches one of the
/// page's components and is not a false alarm.
pub fn load_incident(conn: &mut PgConnection, page: &PageInfo, id: i64) -> QueryResult<Option<PublicIncident>> {
    let components =
        crate::ssr::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let name_of: HashMap<i64, String> = components.into_iter().map(|(id, name, _)| (id, name)).collect();
    let Some(row) = public::incident(conn, id)? else { return Ok(None) };
    let monitors = crate::ssr::db::incidents::monitor_ids(conn, &[id])?.remove(&id).unwrap_or_default();
    if !monitors.iter().any(|m| name_of.contains_key(m)) {
        return Ok(None);
    }
    Ok(readable(conn, vec![(row, monitors)], &name_of)?.pop())
}

/// The page's readable incidents that began in `[from, to)`, newest first:
/// one month of its history.
pub fn history(
    conn: &mut PgConnection,
    page: &PageInfo,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<PublicIncident>> {
    let components =
        crate::ssr::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.into_iter().map(|(id, name, _)| (id, name)).collect();
    let rows = public::incidents_begun(conn, &monitor_ids, from, to)?;
    let with_monitors = with_monitor_ids(conn, rows)?;
    readable(conn, with_monitors, &name_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn the_public_title_never_comes_from_a_monitor_name() {
        use Impact::{DegradedPerformance, MajorOutage, PartialOutage, Unknown};
        use IncidentKind::{Manual, Programmatic};
        let one = names(&["Checkout"]);
        let two = names(&["Checkout", "API"]);
        let five = names(&["A", "B", "C", "D", "E"]);
        let none: Vec<String> = Vec::new();
        #[rustfmt::skip]
        type Row<'a> = (IncidentKind, Impact, Option<&'a str>, &'a Vec<String>, &'a str);
        let table: Vec<Row> = vec![
            // Programmatic: the title names the monitor, so it is never used.
            (Programmatic, Unknown, None, &one, "Checkout is down"),
            (Programmatic, MajorOutage, None, &one, "Checkout is down"),
            (Programmatic, MajorOutage, None, &two, "Checkout and API are down"),
            (Programmatic, PartialOutage, None, &one, "Partial outage of Checkout"),
            (Programmatic, DegradedPerformance, None, &two, "Degraded performance of Checkout and API"),
            (Programmatic, MajorOutage, None, &five, "A, B and 3 more are down"),
            (Programmatic, MajorOutage, Some("Payments"), &one, "Payments"),
            // Written by the team: its title, or its public title.
            (Manual, MajorOutage, None, &one, "db-7 replica lag"),
            (Manual, MajorOutage, Some("Slow pages"), &one, "Slow pages"),
            (IncidentKind::Maintenance, Impact::Maintenance, None, &one, "db-7 replica lag"),
            // Unknown impact: only that the components are down.
            (Manual, Unknown, Some("Slow pages"), &one, "Checkout is down"),
            (Programmatic, MajorOutage, None, &none, "Our service is down"),
        ];
        for (kind, impact, public, components, expected) in table {
            let title = public_title(kind, impact, "db-7 replica lag", public, components);
            assert_eq!(title, expected, "{kind:?} {impact:?} {public:?} {components:?}");
        }
    }

    #[test]
    fn false_alarms_are_hidden_and_unknown_impact_is_generic() {
        assert_eq!(public_face(Impact::Operational), Face::Hidden);
        assert_eq!(public_face(Impact::Unknown), Face::Generic);
        for impact in [Impact::Maintenance, Impact::DegradedPerformance, Impact::PartialOutage, Impact::MajorOutage] {
            assert_eq!(public_face(impact), Face::Full, "{impact:?}");
        }
    }
}
