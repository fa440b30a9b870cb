//! Storage upkeep: daily rollups of the raw checks, and their retention.

use crate::ssr::db::rollups;
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use diesel::result::QueryResult;

/// Raw checks are kept this many days unless configured otherwise.
pub const DEFAULT_CHECK_RETENTION_DAYS: u32 = 30;

/// Rolls up every day from the last one rolled up (again, as it may have been
/// partial) to today, then deletes checks older than the retention. Returns
/// `(days rolled up, checks deleted)`.
pub fn upkeep(conn: &mut PgConnection, now: DateTime<Utc>, retention_days: u32) -> QueryResult<(usize, usize)> {
    let today = now.date_naive();
    let start = match rollups::last_day(conn)? {
        Some(day) => day,
        None => match rollups::first_check_day(conn)? {
            Some(day) => day,
            None => return Ok((0, 0)),
        },
    };
    let mut days = 0;
    let mut day = start;
    while day <= today {
        rollups::roll_up_day(conn, day, now)?;
        days += 1;
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    let cutoff = now - Duration::days(i64::from(retention_days));
    // Never delete checks of a day not yet rolled up: the loop above covered
    // every day up to today.
    let mut deleted = 0;
    loop {
        let batch = rollups::delete_checks_before(conn, cutoff, 10_000)?;
        deleted += batch;
        if batch < 10_000 {
            break;
        }
    }
    Ok((days, deleted))
}
