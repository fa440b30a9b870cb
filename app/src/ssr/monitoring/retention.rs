//! Storage upkeep: packing finished hours of checks, daily rollups, and the
//! retention of checks (see `db::packing`).

use crate::ssr::db::{packing, rollups};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel::sql_types::Bool;

/// Raw checks are kept this many days unless configured otherwise.
pub const DEFAULT_CHECK_RETENTION_DAYS: u32 = 30;

/// What one round of [`upkeep`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upkept {
    /// Checks packed (from finished hours).
    pub packed: usize,
    /// Days rolled up (the last one again, as it may have been partial).
    pub days: usize,
    /// Days of checks dropped, past the retention.
    pub dropped: usize,
    /// Partitions made ahead for the coming hours and days.
    pub prepared: usize,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

const LOCK: &str = "hashtext('vigie upkeep ' || current_schema())";

/// Packs the checks of every finished hour, rolls up every day from the
/// last one rolled up to today, drops the days of checks older than the
/// retention (never one not rolled up: the rollups come first), and makes
/// the partitions of the coming hours. `None` when another server is at
/// it (servers take turns on an advisory lock).
pub fn upkeep(conn: &mut PgConnection, now: DateTime<Utc>, retention_days: u32) -> QueryResult<Option<Upkept>> {
    let locked: Locked =
        diesel::sql_query(format!("SELECT pg_try_advisory_lock({LOCK}) AS locked")).get_result(conn)?;
    if !locked.locked {
        return Ok(None);
    }
    let done = rounds(conn, now, retention_days);
    let unlocked = diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK})")).execute(conn);
    let done = done?;
    unlocked?;
    Ok(Some(done))
}

/// Runs `work` (a backup) while no server runs the upkeep: it waits for the
/// upkeep's lock and holds it. The upkeep makes and drops partitions, which
/// `pg_dump`, locking every table one by one, would deadlock with.
pub fn without_upkeep<T>(conn: &mut PgConnection, work: impl FnOnce() -> T) -> QueryResult<T> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({LOCK})")).execute(conn)?;
    let done = work();
    diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK})")).execute(conn)?;
    Ok(done)
}

fn rounds(conn: &mut PgConnection, now: DateTime<Utc>, retention_days: u32) -> QueryResult<Upkept> {
    let packed = packing::pack(conn, now)?;
    let mut days = 0;
    let today = now.date_naive();
    let start = match rollups::last_day(conn)? {
        Some(day) => Some(day),
        None => rollups::first_check_day(conn)?,
    };
    if let Some(mut day) = start {
        while day <= today {
            rollups::roll_up_day(conn, day, now)?;
            days += 1;
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
    }
    let dropped = packing::drop_before(conn, now - Duration::days(i64::from(retention_days)))?;
    let prepared = packing::prepare(conn, now)?;
    Ok(Upkept { packed, days, dropped, prepared })
}
