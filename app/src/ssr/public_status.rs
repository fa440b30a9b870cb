//! What a status page shows the public, read from the database: each
//! component's state (from the ongoing incidents covering its monitor), the
//! banner, 90 daily uptime bars from the rollups, and the page's incidents
//! with their public updates. Only what may be public is read: never
//! comments, incident details, monitor names or targets; incidents whose
//! impact is still `unknown` only turn their components down.

use super::db::schema::{daily_rollups, incident_monitors, incident_updates, incidents};
use super::db::status_pages::PageRow;
use crate::model::{ComponentStatus, Impact, IncidentKind, IncidentState, PageStatus, UpdateStatus};
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
    /// `None`: no checks that day.
    pub uptime: Option<f64>,
    pub incidents: u32,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncident {
    pub id: i64,
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
    /// Newest first.
    pub updates: Vec<PublicUpdate>,
}

#[derive(Debug, Clone)]
pub struct PublicPage {
    pub page: PageRow,
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

/// What the public may read of an incident: never `details`.
#[derive(Queryable, Selectable)]
#[diesel(table_name = incidents, check_for_backend(diesel::pg::Pg))]
struct IncidentRow {
    id: i64,
    title: String,
    kind: String,
    impact: String,
    state: String,
    started_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    scheduled_start: Option<DateTime<Utc>>,
    scheduled_end: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Each row with the monitors its incident covers.
fn with_monitor_ids(conn: &mut PgConnection, rows: Vec<IncidentRow>) -> QueryResult<Vec<(IncidentRow, Vec<i64>)>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut monitors = super::db::incidents::monitor_ids(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let list = monitors.remove(&row.id).unwrap_or_default();
            (row, list)
        })
        .collect())
}

/// The page's incidents that the public may see: those touching its
/// monitors, ongoing, scheduled, or resolved since `since`.
fn incidents_of(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    since: DateTime<Utc>,
) -> QueryResult<Vec<(IncidentRow, Vec<i64>)>> {
    let ids = incident_monitors::table
        .filter(incident_monitors::monitor_id.eq_any(monitor_ids))
        .select(incident_monitors::incident_id);
    let rows: Vec<IncidentRow> = incidents::table
        .filter(incidents::id.eq_any(ids))
        .filter(
            incidents::state
                .eq_any(["ongoing", "scheduled"])
                .or(incidents::state.eq("resolved").and(incidents::resolved_at.ge(since))),
        )
        .order(incidents::id.desc())
        .limit(500)
        .select(IncidentRow::as_select())
        .load(conn)?;
    with_monitor_ids(conn, rows)
}

fn updates_of(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<PublicUpdate>>> {
    let rows: Vec<(i64, i64, String, String, String, DateTime<Utc>)> = incident_updates::table
        .filter(incident_updates::incident_id.eq_any(incident_ids))
        .order((incident_updates::published_at.desc(), incident_updates::id.desc()))
        .select((
            incident_updates::id,
            incident_updates::incident_id,
            incident_updates::status,
            incident_updates::body,
            incident_updates::body_html,
            incident_updates::published_at,
        ))
        .load(conn)?;
    let mut by_incident: HashMap<i64, Vec<PublicUpdate>> = HashMap::new();
    for (id, incident_id, status, body, body_html, published_at) in rows {
        let status = UpdateStatus::parse(&status).unwrap_or(UpdateStatus::Investigating);
        by_incident.entry(incident_id).or_default().push(PublicUpdate { id, status, body, body_html, published_at });
    }
    Ok(by_incident)
}

/// `(monitor_id, day) -> (checks, failures)` for the last [`DAYS`] days.
fn rollups_of(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    first: NaiveDate,
) -> QueryResult<HashMap<(i64, NaiveDate), (i32, i32)>> {
    let rows: Vec<(i64, NaiveDate, i32, i32)> = daily_rollups::table
        .filter(daily_rollups::monitor_id.eq_any(monitor_ids))
        .filter(daily_rollups::day.ge(first))
        .select((daily_rollups::monitor_id, daily_rollups::day, daily_rollups::checks, daily_rollups::failures))
        .load(conn)?;
    Ok(rows.into_iter().map(|(m, d, c, f)| ((m, d), (c, f))).collect())
}

/// Today's figures, from the raw checks (the rollup of a day is written
/// once it is over).
fn today_of(conn: &mut PgConnection, monitor_ids: &[i64], today: NaiveDate) -> QueryResult<HashMap<i64, (i32, i32)>> {
    use super::db::schema::checks;
    let start = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let rows: Vec<(i64, bool)> = checks::table
        .filter(checks::monitor_id.eq_any(monitor_ids))
        .filter(checks::checked_at.ge(start))
        .select((checks::monitor_id, checks::up))
        .load(conn)?;
    let mut by_monitor: HashMap<i64, (i32, i32)> = HashMap::new();
    for (monitor, up) in rows {
        let entry = by_monitor.entry(monitor).or_default();
        entry.0 += 1;
        entry.1 += i32::from(!up);
    }
    Ok(by_monitor)
}

fn to_incident(row: IncidentRow, names: Vec<String>, updates: Vec<PublicUpdate>) -> PublicIncident {
    PublicIncident {
        id: row.id,
        title: row.title,
        kind: IncidentKind::parse(&row.kind).unwrap_or(IncidentKind::Manual),
        impact: Impact::parse(&row.impact).unwrap_or(Impact::Unknown),
        state: IncidentState::parse(&row.state).unwrap_or(IncidentState::Ongoing),
        started_at: row.started_at,
        resolved_at: row.resolved_at,
        scheduled_start: row.scheduled_start,
        scheduled_end: row.scheduled_end,
        created_at: row.created_at,
        updated_at: row.updated_at,
        components: names,
        updates,
    }
}

/// The incidents the public may read (not those whose impact is unknown),
/// with the public names of the components they touch and their updates.
fn readable(
    conn: &mut PgConnection,
    incidents: Vec<(IncidentRow, Vec<i64>)>,
    name_of: &HashMap<i64, String>,
) -> QueryResult<Vec<PublicIncident>> {
    let shown: Vec<(IncidentRow, Vec<i64>)> =
        incidents.into_iter().filter(|(row, _)| row.impact != Impact::Unknown.as_str()).collect();
    let ids: Vec<i64> = shown.iter().map(|(row, _)| row.id).collect();
    let mut updates = updates_of(conn, &ids)?;
    Ok(shown
        .into_iter()
        .map(|(row, monitors)| {
            let names = monitors.iter().filter_map(|m| name_of.get(m).cloned()).collect();
            let id = row.id;
            to_incident(row, names, updates.remove(&id).unwrap_or_default())
        })
        .collect())
}

/// The page's readable incidents ongoing, scheduled or resolved in the last
/// `days` days, newest first: what its feeds are made of.
pub fn feed_incidents(
    conn: &mut PgConnection,
    page: &PageRow,
    now: DateTime<Utc>,
    days: i64,
) -> QueryResult<Vec<PublicIncident>> {
    let components = super::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.into_iter().map(|(id, name, _)| (id, name)).collect();
    let incidents = incidents_of(conn, &monitor_ids, now - Duration::days(days))?;
    readable(conn, incidents, &name_of)
}

/// Everything the page shows, as of `now`.
pub fn load(conn: &mut PgConnection, page: PageRow, now: DateTime<Utc>) -> QueryResult<PublicPage> {
    let components = super::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.iter().map(|(id, name, _)| (*id, name.clone())).collect();
    let incidents = incidents_of(conn, &monitor_ids, now - Duration::days(RECENT_DAYS))?;

    // Each component's state: the worst ongoing incident covering it.
    let mut impacts: HashMap<i64, Vec<Impact>> = HashMap::new();
    for (row, monitors) in &incidents {
        if row.state == IncidentState::Ongoing.as_str() {
            let impact = Impact::parse(&row.impact).unwrap_or(Impact::Unknown);
            for monitor in monitors {
                impacts.entry(*monitor).or_default().push(impact);
            }
        }
    }

    let today = now.date_naive();
    let first = today - Duration::days(DAYS - 1);
    let rollups = rollups_of(conn, &monitor_ids, first)?;
    let live = today_of(conn, &monitor_ids, today)?;
    // Public incidents that started on each day, per monitor.
    let mut started: HashMap<(i64, NaiveDate), u32> = HashMap::new();
    for (row, monitors) in &incidents {
        if row.impact != Impact::Unknown.as_str()
            && let Some(at) = row.started_at
        {
            for monitor in monitors {
                *started.entry((*monitor, at.date_naive())).or_default() += 1;
            }
        }
    }
    let public_components: Vec<PublicComponent> = components
        .into_iter()
        .map(|(monitor_id, name, group)| {
            let days = (0..DAYS)
                .map(|offset| {
                    let date = first + Duration::days(offset);
                    let figures = if date == today {
                        live.get(&monitor_id).copied()
                    } else {
                        rollups.get(&(monitor_id, date)).copied()
                    };
                    let uptime = figures
                        .filter(|(checks, _)| *checks > 0)
                        .map(|(checks, failures)| f64::from(checks - failures) * 100.0 / f64::from(checks));
                    Day { date, uptime, incidents: started.get(&(monitor_id, date)).copied().unwrap_or(0) }
                })
                .collect();
            let status = ComponentStatus::of_incidents(impacts.get(&monitor_id).cloned().unwrap_or_default());
            PublicComponent { monitor_id, name, group, status, days }
        })
        .collect();
    let status = PageStatus::of_components(public_components.iter().map(|c| c.status));

    let (mut active, mut maintenance, mut recent) = (Vec::new(), Vec::new(), Vec::new());
    for incident in readable(conn, incidents, &name_of)? {
        match (incident.kind, incident.state) {
            (IncidentKind::Maintenance, IncidentState::Scheduled | IncidentState::Ongoing) => {
                maintenance.push(incident)
            }
            (_, IncidentState::Ongoing) => active.push(incident),
            (_, IncidentState::Resolved) => recent.push(incident),
            _ => {}
        }
    }
    maintenance.sort_by_key(|i| i.scheduled_start);
    recent.sort_by_key(|i| std::cmp::Reverse(i.resolved_at));
    Ok(PublicPage { page, status, components: public_components, active, maintenance, recent, generated_at: now })
}

/// One incident of the page, if the public may see it: it touches one of the
/// page's components and its impact is known.
pub fn load_incident(conn: &mut PgConnection, page: &PageRow, id: i64) -> QueryResult<Option<PublicIncident>> {
    let components = super::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let row: Option<IncidentRow> = incidents::table
        .find(id)
        .filter(incidents::impact.ne(Impact::Unknown.as_str()))
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let monitors = super::db::incidents::monitor_ids(conn, &[id])?.remove(&id).unwrap_or_default();
    let names: Vec<String> = components
        .iter()
        .filter(|(monitor, _, _)| monitors.contains(monitor))
        .map(|(_, name, _)| name.clone())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    let updates = updates_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(Some(to_incident(row, names, updates)))
}

/// The page's readable incidents that began in `[from, to)`, newest first:
/// one month of its history.
pub fn history(
    conn: &mut PgConnection,
    page: &PageRow,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<PublicIncident>> {
    let components = super::db::status_pages::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
    let monitor_ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
    let name_of: HashMap<i64, String> = components.into_iter().map(|(id, name, _)| (id, name)).collect();
    let ids = incident_monitors::table
        .filter(incident_monitors::monitor_id.eq_any(&monitor_ids))
        .select(incident_monitors::incident_id);
    let rows: Vec<IncidentRow> =
        incidents::table
            .filter(incidents::id.eq_any(ids))
            .filter(incidents::state.ne("cancelled"))
            .filter(incidents::started_at.ge(from).and(incidents::started_at.lt(to)).or(
                incidents::started_at.is_null().and(incidents::created_at.ge(from)).and(incidents::created_at.lt(to)),
            ))
            .order(incidents::id.desc())
            .limit(500)
            .select(IncidentRow::as_select())
            .load(conn)?;
    let with_monitors = with_monitor_ids(conn, rows)?;
    readable(conn, with_monitors, &name_of)
}
