//! Where checks are kept (migration `000032_packed_checks`): results land in
//! the hourly partitions of `checks` (or its default partition when their
//! hour has none); once an hour is over, its checks are packed into
//! `packed_checks`, one row per monitor, region, hour and run of checks
//! sharing everything but time and latency, and the hour's partition is
//! dropped. Packed checks are partitioned by UTC day, and retention drops
//! a day at a time. Readers see both through the `all_checks` view.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};

/// How many hours after the current one have their partition made ahead.
const HOURS_AHEAD: i64 = 3;

/// How long after its end an hour is packed: results sent later (an agent
/// that lost the server) land in the default partition and are packed from
/// there on a later round.
pub const SETTLE: TimeDelta = TimeDelta::minutes(10);

/// Waits at most this long for the lock a partition's creation or removal
/// takes, rather than queueing readers behind it (e.g. behind a backup).
const LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '2s'";

/// The start of the UTC hour holding `at`.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp().div_euclid(3600) * 3600;
    DateTime::from_timestamp(seconds, 0).unwrap_or(at)
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

fn hour_partition(hour: DateTime<Utc>) -> String {
    format!("checks_{}", hour.format("%Y%m%d%H"))
}

fn day_partition(day: NaiveDate) -> String {
    format!("packed_checks_{}", day.format("%Y%m%d"))
}

/// The hour of a partition of `checks` named by [`hour_partition`].
fn partition_hour(name: &str) -> Option<DateTime<Utc>> {
    let digits = name.strip_prefix("checks_").filter(|d| d.len() == 10)?;
    let day = NaiveDate::parse_from_str(&digits[..8], "%Y%m%d").ok()?;
    let hour: u32 = digits[8..].parse().ok()?;
    Some(start_of(day) + TimeDelta::hours(i64::from(hour)))
}

/// The day of a partition of `packed_checks` named by [`day_partition`].
fn partition_day(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("packed_checks_").filter(|d| d.len() == 8)?;
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The partitions of a table (in the current schema), the default one too.
fn partitions(conn: &mut PgConnection, parent: &str) -> QueryResult<Vec<String>> {
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = to_regclass($1) ORDER BY c.relname",
    )
    .bind::<Text, _>(parent)
    .load(conn)?;
    Ok(rows.into_iter().map(|row| row.name).collect())
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    found: bool,
}

/// Creates a partition unless it exists or the default partition already
/// holds rows of its range (then they stay there until packed: PostgreSQL
/// refuses a partition that would leave rows of its range in the default).
fn create_partition(
    conn: &mut PgConnection,
    parent: &str,
    name: &str,
    column: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<bool> {
    let taken: Found = diesel::sql_query(format!(
        "SELECT to_regclass($1) IS NOT NULL \
         OR EXISTS (SELECT 1 FROM {parent}_default WHERE {column} >= $2 AND {column} < $3) AS found"
    ))
    .bind::<Text, _>(name)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .get_result(conn)?;
    if taken.found {
        return Ok(false);
    }
    let created = conn.transaction(|conn| {
        diesel::sql_query(LOCK_TIMEOUT).execute(conn)?;
        diesel::sql_query(format!(
            "CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM ('{}') TO ('{}')",
            from.to_rfc3339(),
            to.to_rfc3339()
        ))
        .execute(conn)
    });
    match created {
        Ok(_) => Ok(true),
        // A row of the range reached the default partition meanwhile, or
        // the lock was not had in time: next round.
        Err(error) if is_check_violation(&error) || is_lock_timeout(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

fn is_check_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::CheckViolation, _))
}

fn is_lock_timeout(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(_, info) if info.message().contains("lock timeout"))
}

fn create_day(conn: &mut PgConnection, day: NaiveDate) -> QueryResult<bool> {
    let from = start_of(day);
    create_partition(conn, "packed_checks", &day_partition(day), "hour", from, from + TimeDelta::days(1))
}

/// Makes the partitions results will land in: the current hour's and the
/// next [`HOURS_AHEAD`] hours' of `checks`, today's and tomorrow's of
/// `packed_checks`. Returns how many were made.
pub fn prepare(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let mut made = 0;
    for ahead in 0..=HOURS_AHEAD {
        let from = hour_of(now) + TimeDelta::hours(ahead);
        made += usize::from(create_partition(
            conn,
            "checks",
            &hour_partition(from),
            "checked_at",
            from,
            from + TimeDelta::hours(1),
        )?);
    }
    for ahead in 0..=1 {
        made += usize::from(create_day(conn, now.date_naive() + TimeDelta::days(ahead))?);
    }
    Ok(made)
}

/// Packs the checks of `source` (a partition, or rows just deleted): one
/// row per monitor, region, hour and run of checks with the same outcome,
/// status code, failure, message, certificate, exit code and source; the
/// times as milliseconds after the hour. Returns how many checks it packed.
fn pack_statement(source: &str) -> String {
    format!(
        "{source} packed AS ( \
             INSERT INTO packed_checks (monitor_id, region_id, hour, up, status_code, failure, message, \
                                        cert_expires_at, exit_code, source, offsets_ms, durations_ms) \
             SELECT monitor_id, region_id, date_trunc('hour', checked_at, 'UTC'), up, status_code, failure, \
                    message, cert_expires_at, exit_code, source, \
                    array_agg(floor(extract(epoch FROM checked_at - date_trunc('hour', checked_at, 'UTC')) * 1000)::int \
                              ORDER BY checked_at), \
                    array_agg(duration_ms ORDER BY checked_at) \
             FROM source GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 \
             RETURNING cardinality(offsets_ms) AS n) \
         SELECT coalesce(sum(n), 0)::bigint AS n FROM packed"
    )
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Earliest {
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// Packs every hour that ended [`SETTLE`] ago or more: each hourly partition
/// in a transaction of its own (its checks packed, the partition dropped, so
/// readers see them either raw or packed, never both), then what the default
/// partition holds from before then, a day at a time. Returns how many
/// checks it packed.
pub fn pack(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let before = hour_of(now - SETTLE);
    let mut packed = 0;
    for name in partitions(conn, "checks")? {
        let Some(hour) = partition_hour(&name) else { continue };
        if hour + TimeDelta::hours(1) > before {
            continue;
        }
        create_day(conn, hour.date_naive())?;
        let done = conn.transaction(|conn| {
            diesel::sql_query(LOCK_TIMEOUT).execute(conn)?;
            let count: Count = diesel::sql_query(pack_statement(&format!("WITH source AS (SELECT * FROM {name}),")))
                .get_result(conn)?;
            diesel::sql_query(format!("DROP TABLE {name}")).execute(conn)?;
            Ok(count.n)
        });
        match done {
            Ok(n) => packed += usize::try_from(n).unwrap_or(0),
            Err(error) if is_lock_timeout(&error) => {
                tracing::warn!(partition = %name, "checks not packed: the table was busy; next round");
            }
            Err(error) => return Err(error),
        }
    }
    loop {
        let earliest: Earliest =
            diesel::sql_query("SELECT min(checked_at) AS at FROM checks_default WHERE checked_at < $1")
                .bind::<Timestamptz, _>(before)
                .get_result(conn)?;
        let Some(first) = earliest.at else { break };
        let day = first.date_naive();
        let until = (start_of(day) + TimeDelta::days(1)).min(before);
        create_day(conn, day)?;
        let count: Count = diesel::sql_query(pack_statement(
            "WITH source AS (DELETE FROM checks_default WHERE checked_at >= $1 AND checked_at < $2 RETURNING *),",
        ))
        .bind::<Timestamptz, _>(start_of(day))
        .bind::<Timestamptz, _>(until)
        .get_result(conn)?;
        packed += usize::try_from(count.n).unwrap_or(0);
    }
    Ok(packed)
}

/// Retention: drops each day of packed checks that ended at `cutoff` or
/// before (its partition at once), and deletes what the default partitions
/// hold from before `cutoff`. Returns how many days' partitions went.
pub fn drop_before(conn: &mut PgConnection, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    let mut dropped = 0;
    for name in partitions(conn, "packed_checks")? {
        let Some(day) = partition_day(&name) else { continue };
        if start_of(day) + TimeDelta::days(1) > cutoff {
            continue;
        }
        let done = conn.transaction(|conn| {
            diesel::sql_query(LOCK_TIMEOUT).execute(conn)?;
            diesel::sql_query(format!("DROP TABLE {name}")).execute(conn)
        });
        match done {
            Ok(_) => dropped += 1,
            Err(error) if is_lock_timeout(&error) => {
                tracing::warn!(partition = %name, "old checks not dropped: the table was busy; next round");
            }
            Err(error) => return Err(error),
        }
    }
    diesel::sql_query("DELETE FROM packed_checks_default WHERE hour < $1")
        .bind::<Timestamptz, _>(cutoff)
        .execute(conn)?;
    diesel::sql_query("DELETE FROM checks_default WHERE checked_at < $1")
        .bind::<Timestamptz, _>(cutoff)
        .execute(conn)?;
    Ok(dropped)
}

/// The partitions of `checks` and `packed_checks`, for tests and tools.
pub fn partition_names(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    let mut names = partitions(conn, "checks")?;
    names.extend(partitions(conn, "packed_checks")?);
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_round_trip() {
        let hour = DateTime::parse_from_rfc3339("2026-12-01T07:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(hour_partition(hour), "checks_2026120107");
        assert_eq!(partition_hour("checks_2026120107"), Some(hour));
        assert_eq!(partition_hour("checks_default"), None);
        let day = hour.date_naive();
        assert_eq!(day_partition(day), "packed_checks_20261201");
        assert_eq!(partition_day("packed_checks_20261201"), Some(day));
        assert_eq!(partition_day("packed_checks_default"), None);
    }

    #[test]
    fn hours_start_on_the_utc_hour() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T07:59:59.999+05:30").unwrap().with_timezone(&Utc);
        assert_eq!(hour_of(at).to_rfc3339(), "2026-12-01T02:00:00+00:00");
        let before_1970 = DateTime::parse_from_rfc3339("1969-12-31T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(hour_of(before_1970).to_rfc3339(), "1969-12-31T23:00:00+00:00");
    }
}
