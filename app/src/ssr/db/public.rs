//! Queries of the public read model (`status_pages::read_model`): status
//! pages, feeds and Statuspage documents. Each one selects only what the
//! public may see — never incident details, comments, monitor names,
//! targets or regions — so that rule can be checked in this one file.

use super::schema::{
    all_checks, daily_rollups, incident_events as events, incident_monitors, incident_updates, incidents,
};
use crate::model::{EventKind, Impact, IncidentKind, IncidentState, UpdateStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

/// What the public may read of an incident: never `details`. The team's
/// `title` is read only to be passed through [`public_title`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = incidents, check_for_backend(diesel::pg::Pg))]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub public_title: Option<String>,
    pub kind: IncidentKind,
    pub impact: Impact,
    pub state: IncidentState,
    pub started_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Incidents touching `monitor_ids`: ongoing, scheduled, or resolved (or
/// cancelled) since `since`; newest first, at most 500.
/// Incidents linked to any of `monitor_ids`, newest first, at most 500.
fn touching(
    monitor_ids: &[i64],
) -> incidents::BoxedQuery<'_, diesel::pg::Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<IncidentRow, diesel::pg::Pg>>>
{
    let ids = incident_monitors::table
        .filter(incident_monitors::monitor_id.eq_any(monitor_ids))
        .select(incident_monitors::incident_id);
    incidents::table
        .filter(incidents::id.eq_any(ids))
        .order(incidents::id.desc())
        .limit(500)
        .select(IncidentRow::as_select())
        .into_boxed()
}

pub fn incidents_touching(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    since: DateTime<Utc>,
) -> QueryResult<Vec<IncidentRow>> {
    touching(monitor_ids)
        .filter(
            incidents::state.eq_any([IncidentState::Ongoing, IncidentState::Scheduled]).or(incidents::state
                .eq_any([IncidentState::Resolved, IncidentState::Cancelled])
                .and(incidents::resolved_at.ge(since))),
        )
        .load(conn)
}

/// Incidents touching `monitor_ids` that began in `[from, to)` (scheduled
/// ones by their creation); newest first, at most 500.
pub fn incidents_begun(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<IncidentRow>> {
    touching(monitor_ids)
        .filter(
            incidents::started_at.ge(from).and(incidents::started_at.lt(to)).or(incidents::started_at
                .is_null()
                .and(incidents::created_at.ge(from))
                .and(incidents::created_at.lt(to))),
        )
        .load(conn)
}

pub fn incident(conn: &mut PgConnection, id: i64) -> QueryResult<Option<IncidentRow>> {
    incidents::table.find(id).select(IncidentRow::as_select()).first(conn).optional()
}

/// `(id, incident_id, status, body, body_html, published_at, edited_at)`.
pub type UpdateRow = (i64, i64, UpdateStatus, String, String, DateTime<Utc>, Option<DateTime<Utc>>);

/// The public updates of these incidents, newest first.
pub fn updates(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<Vec<UpdateRow>> {
    incident_updates::table
        .filter(incident_updates::incident_id.eq_any(incident_ids))
        .order((incident_updates::published_at.desc(), incident_updates::id.desc()))
        .select((
            incident_updates::id,
            incident_updates::incident_id,
            incident_updates::status,
            incident_updates::body,
            incident_updates::body_html,
            incident_updates::published_at,
            incident_updates::edited_at,
        ))
        .load(conn)
}

/// `(event id, incident_id, at, new start, new end)`.
pub type WindowChange = (i64, i64, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The window changes of these maintenances, oldest first: only their times
/// are read from the timeline (`details -> 'to'`), nothing else of it.
pub fn window_changes(conn: &mut PgConnection, incident_ids: &[i64]) -> QueryResult<Vec<WindowChange>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Timestamptz};
    events::table
        .filter(events::incident_id.eq_any(incident_ids))
        .filter(events::kind.eq(EventKind::WindowChanged))
        .order((events::at.asc(), events::id.asc()))
        .select((
            events::id,
            events::incident_id,
            events::at,
            sql::<Nullable<Timestamptz>>("(details #>> '{to,start}')::timestamptz"),
            sql::<Nullable<Timestamptz>>("(details #>> '{to,end}')::timestamptz"),
        ))
        .load(conn)
}

/// `(monitor_id, day, checks, failures, maintenance_checks)`.
pub type RollupRow = (i64, NaiveDate, i32, i32, i32);

/// The daily rollups of these monitors from `first` on.
pub fn rollups(conn: &mut PgConnection, monitor_ids: &[i64], first: NaiveDate) -> QueryResult<Vec<RollupRow>> {
    daily_rollups::table
        .filter(daily_rollups::monitor_id.eq_any(monitor_ids))
        .filter(daily_rollups::day.ge(first))
        .select((
            daily_rollups::monitor_id,
            daily_rollups::day,
            daily_rollups::checks,
            daily_rollups::failures,
            daily_rollups::maintenance_checks,
        ))
        .load(conn)
}

/// `(monitor_id, checked_at, up)` of the checks since `start`: only the
/// outcome, never the message.
pub fn checks_since(
    conn: &mut PgConnection,
    monitor_ids: &[i64],
    start: DateTime<Utc>,
) -> QueryResult<Vec<(i64, DateTime<Utc>, bool)>> {
    all_checks::table
        .filter(all_checks::monitor_id.eq_any(monitor_ids))
        .filter(all_checks::hour.ge(super::packing::hour_of(start)))
        .filter(all_checks::checked_at.ge(start))
        .select((all_checks::monitor_id, all_checks::checked_at, all_checks::up))
        .load(conn)
}

/// `(checked_at, response time in ms)` of a monitor's checks since `start`,
/// for its response-time badge.
pub fn durations_since(
    conn: &mut PgConnection,
    monitor_id: i64,
    start: DateTime<Utc>,
) -> QueryResult<Vec<(DateTime<Utc>, i32)>> {
    all_checks::table
        .filter(all_checks::monitor_id.eq(monitor_id))
        .filter(all_checks::hour.ge(super::packing::hour_of(start)))
        .filter(all_checks::checked_at.ge(start))
        .select((all_checks::checked_at, all_checks::duration_ms))
        .load(conn)
}

/// A monitor's daily median response times from `first` to the day before
/// `before`, for the days that have one.
pub fn daily_medians(
    conn: &mut PgConnection,
    monitor_id: i64,
    first: NaiveDate,
    before: NaiveDate,
) -> QueryResult<Vec<i32>> {
    daily_rollups::table
        .filter(daily_rollups::monitor_id.eq(monitor_id))
        .filter(daily_rollups::day.ge(first))
        .filter(daily_rollups::day.lt(before))
        .filter(daily_rollups::p50_ms.is_not_null())
        .select(daily_rollups::p50_ms.assume_not_null())
        .load(conn)
}
