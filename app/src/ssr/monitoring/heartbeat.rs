//! Heartbeat monitors: the job calls its ping URL, and the server declares it
//! late when no ping came by the deadline. The schedule rules (a period, or a
//! cron expression in a time zone, plus a grace time) are pure functions; the
//! services below record pings and late runs as checks, through the same
//! confirmation rules as every other kind (`results::record_results`).
//!
//! The deadline is the heartbeat's `next_due_at` in its one region (the
//! server's own): a success moves it to the next expected run plus the grace,
//! a start to the start plus the grace (a run must finish within it), a late
//! run to the run after it. Late runs are found with `SKIP LOCKED`, so with
//! several servers exactly one declares each.

use super::probe::ProbeResult;
use super::read;
use super::results::record_results;
use crate::error::AppError;
use crate::model::{FailureKind, Monitor, MonitorStatus};
use crate::ssr::db::{monitors as monitor_rows, schedule};
use crate::ssr::team::auth::{new_secret, secret_hash};
use chrono::{DateTime, Duration, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use diesel::prelude::*;
use std::collections::HashMap;

/// The most of a ping's body kept as the check's message (the job's output).
pub const BODY_KEPT: usize = 10 * 1024;
/// The longest period and grace time.
pub const PERIOD_MAX: u32 = 365 * 86_400;
pub const GRACE_MAX: u32 = 31 * 86_400;
pub const CRON_MAX: usize = 200;
/// Pings recorded per monitor and minute; more are refused (429).
pub const PINGS_PER_MINUTE: i64 = 60;

/// When a job is expected to run.
#[derive(Debug, Clone)]
pub enum Schedule {
    Every(Duration),
    Cron { cron: Box<Cron>, zone: chrono_tz::Tz },
}

impl Schedule {
    /// The schedule of a heartbeat monitor, as stored (validated before).
    pub fn of(monitor: &Monitor) -> Option<Self> {
        match (&monitor.cron, monitor.period_seconds) {
            (Some(cron), _) => Self::cron(cron, monitor.timezone.as_deref().unwrap_or("UTC")).ok(),
            (None, Some(period)) => Some(Self::Every(Duration::seconds(i64::from(period)))),
            (None, None) => None,
        }
    }

    /// A cron schedule: five fields (minute, hour, day of month, month, day
    /// of week) or a nickname such as `@daily`, read in the IANA zone `zone`.
    pub fn cron(expression: &str, zone: &str) -> Result<Self, AppError> {
        let expression = expression.trim();
        if expression.len() > CRON_MAX {
            return Err(AppError::validation("cron", format!("At most {CRON_MAX} characters.")));
        }
        let parser = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build();
        let cron = parser.parse(expression).map_err(|error| {
            AppError::validation(
                "cron",
                format!("`{expression}` is not a cron expression ({error}); write five fields, like 0 2 * * *."),
            )
        })?;
        let zone: chrono_tz::Tz = zone.trim().parse().map_err(|_| {
            AppError::validation(
                "timezone",
                format!("`{}` is not a time zone; use a name like Europe/Paris.", zone.trim()),
            )
        })?;
        let schedule = Self::Cron { cron: Box::new(cron), zone };
        // `0 0 30 2 *` parses but never runs.
        if schedule.next_run(Utc::now()).is_none() {
            return Err(AppError::validation("cron", format!("`{expression}` never runs.")));
        }
        Ok(schedule)
    }

    /// The first run expected strictly after `after`.
    pub fn next_run(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Every(period) => Some(after + *period),
            Self::Cron { cron, zone } => {
                cron.find_next_occurrence(&after.with_timezone(zone), false).ok().map(|at| at.with_timezone(&Utc))
            }
        }
    }
}

/// What a ping says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `/ping/{token}`: the job ran and succeeded.
    Success,
    /// `/ping/{token}/start`: a run began.
    Start,
    /// `/ping/{token}/fail`: the job failed.
    Fail,
    /// `/ping/{token}/{code}`: the job ended with this exit code (0 = success).
    Exit(u8),
}

impl Signal {
    /// The signal of the path after the token (`None` for the bare URL).
    pub fn parse(action: Option<&str>) -> Option<Self> {
        match action {
            None | Some("") => Some(Self::Success),
            Some("start") => Some(Self::Start),
            Some("fail") => Some(Self::Fail),
            Some(code) if code.len() <= 3 && code.bytes().all(|b| b.is_ascii_digit()) => {
                code.parse::<u8>().ok().map(Self::Exit)
            }
            Some(_) => None,
        }
    }
}

/// A ping as received.
#[derive(Debug, Clone)]
pub struct Ping {
    pub signal: Signal,
    pub at: DateTime<Utc>,
    /// The address it came from.
    pub source: String,
    /// The start of its body, as sent.
    pub body: Vec<u8>,
}

/// The deadline after the job was expected at `expected`: the next run
/// after it, plus the grace time.
pub fn deadline_after(schedule: &Schedule, grace: Duration, expected: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule.next_run(expected).map(|next| next + grace)
}

/// The deadline after a run that was due at `deadline` was declared late at
/// `now`: the next run after the missed one (never before `now`), plus grace.
pub fn deadline_after_late(
    schedule: &Schedule,
    grace: Duration,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    deadline_after(schedule, grace, deadline.max(now) - grace)
}

/// The body as the check's message: the first [`BODY_KEPT`] bytes as text
/// (invalid UTF-8 replaced, NUL removed: the database cannot hold it).
pub fn body_text(body: &[u8]) -> String {
    let kept = &body[..body.len().min(BODY_KEPT)];
    let text = String::from_utf8_lossy(kept).replace('\0', "");
    text.trim_end().to_owned()
}

fn grace(monitor: &Monitor) -> Duration {
    Duration::seconds(i64::from(monitor.grace_seconds.unwrap_or(60)))
}

/// What happened to a ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingOutcome {
    /// No heartbeat has this token.
    Unknown,
    Recorded,
    /// The monitor is paused: the ping is answered and forgotten.
    Paused,
    /// More than [`PINGS_PER_MINUTE`] in the last minute.
    TooMany,
}

/// Records a ping: a success or failure is a check (with the run's duration
/// when a start was seen, the exit code, the source and the job's output)
/// fed to the confirmation rules, and moves the deadline; a start only
/// marks the run and sets its deadline.
pub fn record_ping(conn: &mut PgConnection, token: &str, ping: Ping) -> Result<PingOutcome, AppError> {
    conn.transaction(|conn| {
        let Some(row) = monitor_rows::lock_by_ping_token(conn, &secret_hash(token))? else {
            return Ok(PingOutcome::Unknown);
        };
        if row.paused {
            return Ok(PingOutcome::Paused);
        }
        let started = row.run_started_at;
        let monitor = read::with_regions(conn, vec![row])?.pop().ok_or_else(|| AppError::not_found("monitor"))?;
        let Some((region_id, _)) = schedule::heartbeat_deadline(conn, monitor.id)? else {
            return Ok(PingOutcome::Unknown);
        };
        if schedule::checks_since(conn, monitor.id, ping.at - Duration::minutes(1))? >= PINGS_PER_MINUTE {
            return Ok(PingOutcome::TooMany);
        }
        let schedule = Schedule::of(&monitor).ok_or_else(|| AppError::internal("read a heartbeat's schedule"))?;
        let grace = grace(&monitor);
        if ping.signal == Signal::Start {
            monitor_rows::set_run_started(conn, monitor.id, Some(ping.at))?;
            schedule::set_next_due(conn, monitor.id, ping.at + grace)?;
            return Ok(PingOutcome::Recorded);
        }
        let (up, exit_code) = match ping.signal {
            Signal::Success => (true, None),
            Signal::Exit(code) => (code == 0, Some(i32::from(code))),
            Signal::Fail | Signal::Start => (false, None),
        };
        let output = body_text(&ping.body);
        let message = match (up, exit_code, output.is_empty()) {
            (_, _, false) => output,
            (true, _, true) => "ping received".to_owned(),
            (false, Some(code), true) => format!("the job ended with exit code {code}"),
            (false, None, true) => "the job reported a failure".to_owned(),
        };
        let duration = started.filter(|s| *s <= ping.at).map_or(0, |s| (ping.at - s).num_milliseconds());
        let result = ProbeResult {
            checked_at: ping.at,
            duration_ms: u32::try_from(duration).unwrap_or(u32::MAX),
            up,
            status_code: None,
            failure: (!up).then_some(FailureKind::JobFailed),
            message,
            cert_expires_at: None,
            exit_code,
            source: Some(ping.source.chars().take(64).collect()),
        };
        monitor_rows::set_run_started(conn, monitor.id, None)?;
        let next = deadline_after(&schedule, grace, ping.at).unwrap_or(ping.at + grace);
        schedule::set_next_due(conn, monitor.id, next)?;
        record_results(conn, region_id, &[(monitor, result)], ping.at)?;
        Ok(PingOutcome::Recorded)
    })
}

/// Declares late the heartbeats of a region whose deadline passed (at most
/// `limit`), each as a failed check dated at its deadline; returns the
/// monitors whose status changed.
pub fn declare_late(
    conn: &mut PgConnection,
    region_id: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(i64, MonitorStatus)>> {
    conn.transaction(|conn| {
        let late = schedule::lock_late_heartbeats(conn, region_id, now, limit)?;
        if late.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = late.iter().map(|l| l.monitor_id).collect();
        let due: HashMap<i64, DateTime<Utc>> = late.iter().map(|l| (l.monitor_id, l.due_at)).collect();
        let rows = monitor_rows::find_many(conn, &ids)?;
        let started: HashMap<i64, Option<DateTime<Utc>>> = rows.iter().map(|r| (r.id, r.run_started_at)).collect();
        let monitors = read::with_regions(conn, rows)?;
        let mut results = Vec::with_capacity(late.len());
        for monitor in monitors {
            let Some(&due) = due.get(&monitor.id) else { continue };
            let grace = grace(&monitor);
            let message = match started.get(&monitor.id).copied().flatten() {
                Some(start) => format!(
                    "the run that started at {} did not finish within the grace time ({})",
                    start.format("%Y-%m-%d %H:%M:%S UTC"),
                    crate::model::period_text(grace.num_seconds().unsigned_abs() as u32)
                ),
                None => format!("no ping by {}", due.format("%Y-%m-%d %H:%M:%S UTC")),
            };
            let next = Schedule::of(&monitor)
                .and_then(|schedule| deadline_after_late(&schedule, grace, due, now))
                .unwrap_or(now + grace);
            schedule::set_next_due(conn, monitor.id, next)?;
            monitor_rows::set_run_started(conn, monitor.id, None)?;
            let result = ProbeResult {
                checked_at: due,
                duration_ms: 0,
                up: false,
                status_code: None,
                failure: Some(FailureKind::Late),
                message,
                cert_expires_at: None,
                exit_code: None,
                source: None,
            };
            results.push((monitor, result));
        }
        results.sort_by_key(|(_, result)| result.checked_at);
        record_results(conn, region_id, &results, now)
    })
}

/// A new ping token: the secret (shown once), what is stored of it (its
/// hash) and its last four characters (shown masked).
pub struct NewToken {
    pub secret: String,
    pub hash: Vec<u8>,
    pub hint: String,
}

pub fn new_token() -> NewToken {
    let secret = new_secret("");
    let hint = secret[secret.len() - 4..].to_owned();
    NewToken { hash: secret_hash(&secret), hint, secret }
}

/// Sets a heartbeat's deadline from `from` (its creation, a change of its
/// schedule, or its resumption): the next expected run plus the grace.
pub fn restart_deadline(conn: &mut PgConnection, monitor: &Monitor, from: DateTime<Utc>) -> QueryResult<()> {
    if let Some(schedule) = Schedule::of(monitor) {
        let grace = grace(monitor);
        let next = deadline_after(&schedule, grace, from).unwrap_or(from + grace);
        schedule::set_next_due(conn, monitor.id, next)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn signals_from_the_path() {
        let table = [
            (None, Some(Signal::Success)),
            (Some("start"), Some(Signal::Start)),
            (Some("fail"), Some(Signal::Fail)),
            (Some("0"), Some(Signal::Exit(0))),
            (Some("255"), Some(Signal::Exit(255))),
            (Some("256"), None),
            (Some("-1"), None),
            (Some("0001"), None),
            (Some("log"), None),
        ];
        for (path, signal) in table {
            assert_eq!(Signal::parse(path), signal, "{path:?}");
        }
    }

    #[test]
    fn a_period_expects_the_next_run_one_period_on() {
        let every = Schedule::Every(Duration::minutes(5));
        let grace = Duration::minutes(1);
        assert_eq!(deadline_after(&every, grace, at("2026-11-30T10:00:00Z")), Some(at("2026-11-30T10:06:00Z")));
        // Declared late at its deadline: the next run is one period after the missed one.
        let late = deadline_after_late(&every, grace, at("2026-11-30T10:06:00Z"), at("2026-11-30T10:06:00Z"));
        assert_eq!(late, Some(at("2026-11-30T10:11:00Z")));
        // Declared late long after (the server was behind): never a deadline in the past.
        let behind = deadline_after_late(&every, grace, at("2026-11-30T10:06:00Z"), at("2026-11-30T12:00:00Z"));
        assert_eq!(behind, Some(at("2026-11-30T12:05:00Z")));
    }

    #[test]
    fn a_cron_schedule_is_read_in_its_time_zone() {
        let nightly = Schedule::cron("0 2 * * *", "Europe/Paris").unwrap();
        // 02:00 in Paris is 01:00 UTC in winter.
        assert_eq!(nightly.next_run(at("2026-11-30T00:30:00Z")), Some(at("2026-11-30T01:00:00Z")));
        // A job that pinged at 02:03 Paris time is next expected tomorrow at 02:00.
        let grace = Duration::minutes(30);
        assert_eq!(deadline_after(&nightly, grace, at("2026-11-30T01:03:00Z")), Some(at("2026-12-01T01:30:00Z")));
        // And in summer, 02:00 in Paris is 00:00 UTC.
        assert_eq!(nightly.next_run(at("2026-07-01T12:00:00Z")), Some(at("2026-07-02T00:00:00Z")));
        let hourly = Schedule::cron("@hourly", "UTC").unwrap();
        assert_eq!(hourly.next_run(at("2026-11-30T10:00:00Z")), Some(at("2026-11-30T11:00:00Z")));
    }

    #[test]
    fn bad_schedules_name_their_field() {
        let field = |cron: &str, zone: &str| Schedule::cron(cron, zone).unwrap_err().field().map(str::to_owned);
        assert_eq!(field("0 2 * *", "UTC").as_deref(), Some("cron"));
        assert_eq!(field("0 0 2 * * *", "UTC").as_deref(), Some("cron"), "seconds are not cron's");
        assert_eq!(field("61 * * * *", "UTC").as_deref(), Some("cron"));
        assert_eq!(field("0 0 30 2 *", "UTC").as_deref(), Some("cron"), "never runs");
        assert_eq!(field("0 2 * * *", "Mars/Olympus").as_deref(), Some("timezone"));
        assert_eq!(field(&"* ".repeat(150), "UTC").as_deref(), Some("cron"));
    }

    #[test]
    fn the_body_becomes_the_message() {
        assert_eq!(body_text(b"backup done\n"), "backup done");
        assert_eq!(body_text(b"a\0b"), "ab");
        assert_eq!(body_text(&[0xff, b'o', b'k']), "\u{fffd}ok");
        assert_eq!(body_text(&vec![b'x'; BODY_KEPT + 500]).len(), BODY_KEPT);
    }
}
