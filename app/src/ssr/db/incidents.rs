//! Queries on `incidents` and `incident_monitors`.

use super::schema::{incident_monitors, incidents};
use crate::model::{Impact, IncidentKind, IncidentState};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incidents)]
pub struct IncidentRow {
    pub id: i64,
    pub kind: IncidentKind,
    pub title: String,
    pub details: String,
    pub impact: Impact,
    pub state: IncidentState,
    pub monitor_id: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Reopened by a person: the scheduler leaves it open (see the migration).
    pub held_open: bool,
    pub public_title: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incidents)]
pub struct NewIncident<'a> {
    pub kind: IncidentKind,
    pub title: &'a str,
    pub public_title: Option<&'a str>,
    pub details: &'a str,
    pub impact: Impact,
    pub state: IncidentState,
    pub monitor_id: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Inserts an incident and its monitors.
pub fn insert(conn: &mut PgConnection, new: &NewIncident<'_>, monitor_ids: &[i64]) -> QueryResult<IncidentRow> {
    let row: IncidentRow =
        diesel::insert_into(incidents::table).values(new).returning(IncidentRow::as_returning()).get_result(conn)?;
    let links: Vec<_> = monitor_ids
        .iter()
        .map(|&m| (incident_monitors::incident_id.eq(row.id), incident_monitors::monitor_id.eq(m)))
        .collect();
    diesel::insert_into(incident_monitors::table).values(links).on_conflict_do_nothing().execute(conn)?;
    Ok(row)
}

/// Opens a programmatic incident for a monitor unless one is ongoing: the
/// unique index decides, so two transactions racing open only one.
pub fn open_programmatic(conn: &mut PgConnection, new: &NewIncident<'_>) -> QueryResult<Option<IncidentRow>> {
    let row: Option<IncidentRow> = diesel::insert_into(incidents::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(IncidentRow::as_returning())
        .get_result(conn)
        .optional()?;
    if let (Some(row), Some(monitor_id)) = (&row, new.monitor_id) {
        diesel::insert_into(incident_monitors::table)
            .values((incident_monitors::incident_id.eq(row.id), incident_monitors::monitor_id.eq(monitor_id)))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<IncidentRow>> {
    incidents::table.find(id).select(IncidentRow::as_select()).first(conn).optional()
}

/// An incident's row, locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<IncidentRow>> {
    incidents::table.find(id).select(IncidentRow::as_select()).for_update().first(conn).optional()
}

/// The ongoing programmatic incident of a monitor, locked.
pub fn lock_ongoing_for_monitor(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Option<IncidentRow>> {
    incidents::table
        .filter(incidents::kind.eq("programmatic"))
        .filter(incidents::state.eq("ongoing"))
        .filter(incidents::monitor_id.eq(monitor_id))
        .select(IncidentRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Sets state, with the times that go with it.
pub fn set_state(
    conn: &mut PgConnection,
    id: i64,
    state: IncidentState,
    started_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<IncidentRow> {
    diesel::update(incidents::table.find(id))
        .set((
            incidents::state.eq(state),
            incidents::started_at.eq(started_at),
            incidents::resolved_at.eq(resolved_at),
            incidents::updated_at.eq(now),
        ))
        .returning(IncidentRow::as_returning())
        .get_result(conn)
}

/// Holds an ongoing programmatic incident open against the scheduler, or
/// releases it.
pub fn set_held_open(conn: &mut PgConnection, id: i64, held: bool) -> QueryResult<usize> {
    diesel::update(incidents::table.find(id)).set(incidents::held_open.eq(held)).execute(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = incidents)]
pub struct IncidentChangeset<'a> {
    pub title: Option<&'a str>,
    pub public_title: Option<Option<&'a str>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub details: Option<&'a str>,
    pub impact: Option<Impact>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub fn update(conn: &mut PgConnection, id: i64, changes: &IncidentChangeset<'_>) -> QueryResult<IncidentRow> {
    diesel::update(incidents::table.find(id)).set(changes).returning(IncidentRow::as_returning()).get_result(conn)
}

/// Replaces the monitors an incident affects.
pub fn set_monitors(conn: &mut PgConnection, id: i64, monitor_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(
        incident_monitors::table
            .filter(incident_monitors::incident_id.eq(id))
            .filter(incident_monitors::monitor_id.ne_all(monitor_ids)),
    )
    .execute(conn)?;
    let links: Vec<_> = monitor_ids
        .iter()
        .map(|&m| (incident_monitors::incident_id.eq(id), incident_monitors::monitor_id.eq(m)))
        .collect();
    diesel::insert_into(incident_monitors::table).values(links).on_conflict_do_nothing().execute(conn)?;
    Ok(())
}

/// Adds a monitor to those an incident affects; false when it was listed.
pub fn add_monitor(conn: &mut PgConnection, id: i64, monitor_id: i64) -> QueryResult<bool> {
    let added = diesel::insert_into(incident_monitors::table)
        .values((incident_monitors::incident_id.eq(id), incident_monitors::monitor_id.eq(monitor_id)))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(added > 0)
}

/// The ongoing programmatic incident that covers a monitor: its own, or
/// the one of a parent it joined.
pub fn covering(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<Option<IncidentRow>> {
    incidents::table
        .inner_join(incident_monitors::table)
        .filter(incident_monitors::monitor_id.eq(monitor_id))
        .filter(incidents::kind.eq(IncidentKind::Programmatic))
        .filter(incidents::state.eq(IncidentState::Ongoing))
        .order((incidents::monitor_id.ne(monitor_id), incidents::id.asc()))
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()
}

/// Whether a person ever chose this incident's impact.
pub fn impact_chosen_by_person(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    use super::schema::incident_events as events;
    diesel::select(diesel::dsl::exists(
        events::table
            .filter(events::incident_id.eq(id))
            .filter(events::kind.eq(crate::model::EventKind::ImpactChanged))
            .filter(events::actor_id.is_not_null().or(events::actor_name.is_not_null())),
    ))
    .get_result(conn)
}

/// Monitor ids per incident, for the given incidents.
pub fn monitor_ids(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let pairs: Vec<(i64, i64)> = incident_monitors::table
        .filter(incident_monitors::incident_id.eq_any(incident_ids))
        .order((incident_monitors::incident_id, incident_monitors::monitor_id))
        .select((incident_monitors::incident_id, incident_monitors::monitor_id))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (incident, monitor) in pairs {
        map.entry(incident).or_default().push(monitor);
    }
    Ok(map)
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<IncidentState>,
    pub impact: Option<Impact>,
    pub monitor_id: Option<i64>,
}

/// One page of incidents: ongoing first, then scheduled (soonest first), then
/// the rest, newest first.
pub fn list(conn: &mut PgConnection, filter: &Filter, offset: i64, limit: i64) -> QueryResult<Vec<IncidentRow>> {
    let mut query = incidents::table.select(IncidentRow::as_select()).into_boxed();
    if let Some(state) = filter.state {
        query = query.filter(incidents::state.eq(state));
    }
    if let Some(impact) = filter.impact {
        query = query.filter(incidents::impact.eq(impact));
    }
    if let Some(monitor_id) = filter.monitor_id {
        let ids = incident_monitors::table
            .filter(incident_monitors::monitor_id.eq(monitor_id))
            .select(incident_monitors::incident_id);
        query = query.filter(incidents::id.eq_any(ids));
    }
    let rank = diesel::dsl::sql::<diesel::sql_types::Integer>(
        "CASE incidents.state WHEN 'ongoing' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END",
    );
    let scheduled_first = diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
        "CASE WHEN incidents.state = 'scheduled' THEN incidents.scheduled_start END",
    );
    query
        .order((rank.asc(), scheduled_first.asc(), incidents::started_at.desc().nulls_last(), incidents::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// How many incidents other than maintenance are ongoing.
pub fn count_ongoing_outages(conn: &mut PgConnection) -> QueryResult<i64> {
    incidents::table
        .filter(incidents::state.eq("ongoing"))
        .filter(incidents::kind.ne("maintenance"))
        .count()
        .get_result(conn)
}

/// `(ongoing, scheduled)` counts.
pub fn counts(conn: &mut PgConnection) -> QueryResult<(i64, i64)> {
    let rows: Vec<(String, i64)> = incidents::table
        .filter(incidents::state.eq_any(["ongoing", "scheduled"]))
        .group_by(incidents::state)
        .select((incidents::state, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |state: &str| rows.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
    Ok((get("ongoing"), get("scheduled")))
}

/// Maintenance incidents that may have a step due (scheduled or ongoing,
/// with a start at or before `now`), locked, skipping rows another process
/// is moving.
pub fn lock_due_maintenance(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<Vec<IncidentRow>> {
    incidents::table
        .filter(incidents::kind.eq("maintenance"))
        .filter(incidents::state.eq_any(["scheduled", "ongoing"]))
        .filter(incidents::scheduled_start.le(now))
        .select(IncidentRow::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
}

/// `(monitor_id, started_at, ended_at)` of a maintenance window.
pub type Window = (i64, DateTime<Utc>, Option<DateTime<Utc>>);

/// Whether one of `windows` covers `monitor_id` at `at`.
pub fn covers(windows: &[Window], monitor_id: i64, at: DateTime<Utc>) -> bool {
    windows.iter().any(|(m, from, to)| *m == monitor_id && *from <= at && to.is_none_or(|to| at < to))
}

/// The maintenance windows of these monitors that had begun and had not
/// ended by `since`, or began after it: `(monitor_id, started_at, ended_at)`,
/// `None` for one still going on.
pub fn maintenance_windows(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    since: DateTime<Utc>,
) -> QueryResult<Vec<Window>> {
    incidents::table
        .inner_join(incident_monitors::table)
        .filter(incident_monitors::monitor_id.eq_any(monitor_ids))
        .filter(incidents::kind.eq("maintenance"))
        .filter(incidents::state.eq_any(["ongoing", "resolved"]))
        .filter(incidents::resolved_at.is_null().or(incidents::resolved_at.gt(since)))
        .select((incident_monitors::monitor_id, incidents::started_at.assume_not_null(), incidents::resolved_at))
        .load(conn)
}

/// Whether a monitor is in an ongoing maintenance now.
pub fn in_maintenance(conn: &mut PgConnection, monitor_id: i64) -> QueryResult<bool> {
    let ids = incident_monitors::table
        .filter(incident_monitors::monitor_id.eq(monitor_id))
        .select(incident_monitors::incident_id);
    diesel::select(diesel::dsl::exists(
        incidents::table
            .filter(incidents::id.eq_any(ids))
            .filter(incidents::kind.eq("maintenance"))
            .filter(incidents::state.eq("ongoing")),
    ))
    .get_result(conn)
}

/// Those of some monitors in an ongoing planned maintenance.
pub fn in_maintenance_of(conn: &mut PgConnection, monitor_ids: &[i64]) -> QueryResult<HashSet<i64>> {
    let ids: Vec<i64> = incident_monitors::table
        .inner_join(incidents::table)
        .filter(incident_monitors::monitor_id.eq_any(monitor_ids))
        .filter(incidents::kind.eq("maintenance"))
        .filter(incidents::state.eq("ongoing"))
        .select(incident_monitors::monitor_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Ids of monitors in trouble (`down`, or `degraded` when that opens
/// incidents) with no ongoing programmatic incident (and no outage a person
/// closed), or that are fine (`up`, or `degraded` when that opens none) with
/// an ongoing programmatic incident no person holds open, or with an outage
/// marked closed: what a crash or a restored backup could have left out of
/// step.
pub fn out_of_step(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    use super::schema::monitors;
    let ongoing = || {
        incidents::table
            .filter(incidents::kind.eq("programmatic"))
            .filter(incidents::state.eq("ongoing"))
            .filter(incidents::monitor_id.is_not_null())
    };
    // A monitor that depends on another waits for its parent's verdict
    // when it goes down: `reactions::settle_dependents` decides those.
    let troubled = monitors::status
        .eq("down")
        .and(monitors::parent_id.is_null())
        .or(monitors::status.eq("degraded").and(monitors::degraded_incident));
    let fine = monitors::status.eq("up").or(monitors::status.eq("degraded").and(monitors::degraded_incident.eq(false)));
    let mut ids: Vec<i64> = monitors::table
        .filter(troubled)
        .filter(monitors::outage_closed_at.is_null())
        .filter(monitors::id.ne_all(ongoing().select(incidents::monitor_id.assume_not_null())))
        .select(monitors::id)
        .load(conn)?;
    let recovered: Vec<i64> = monitors::table
        .filter(fine)
        .filter(
            monitors::id
                .eq_any(
                    ongoing().filter(incidents::held_open.eq(false)).select(incidents::monitor_id.assume_not_null()),
                )
                .or(monitors::outage_closed_at.is_not_null()),
        )
        .select(monitors::id)
        .load(conn)?;
    ids.extend(recovered);
    Ok(ids)
}
