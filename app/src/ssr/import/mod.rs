//! Moving in from other tools: readers of their data that recreate it here.
//! `statuspage` reads the JSON of a Statuspage page's public API; the past
//! incidents of any source are written by `history`, as they were (times,
//! updates), without alerting anyone.

pub mod history;
pub mod statuspage;

use crate::error::AppError;
use diesel::{Connection, PgConnection};
use std::fmt;

/// What an import made, and what it could not carry over (with why), line
/// by line, for the person moving in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub made: Vec<String>,
    pub not_carried: Vec<String>,
}

impl Report {
    pub fn made(&mut self, line: impl Into<String>) {
        self.made.push(line.into());
    }

    pub fn not_carried(&mut self, line: impl Into<String>) {
        self.not_carried.push(line.into());
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.made {
            writeln!(f, "+ {line}")?;
        }
        if self.not_carried.is_empty() {
            return writeln!(f, "Everything was carried over.");
        }
        writeln!(f, "Not carried over as it was ({}):", self.not_carried.len())?;
        for line in &self.not_carried {
            writeln!(f, "! {line}")?;
        }
        Ok(())
    }
}

/// Runs an import in one transaction, rolled back when `dry_run`: all of
/// it or nothing, and its report either way.
pub fn in_transaction(
    conn: &mut PgConnection,
    dry_run: bool,
    work: impl FnOnce(&mut PgConnection) -> Result<Report, AppError>,
) -> Result<Report, AppError> {
    enum Stop {
        Rehearsed(Report),
        Failed(AppError),
    }
    impl From<diesel::result::Error> for Stop {
        fn from(error: diesel::result::Error) -> Self {
            Self::Failed(error.into())
        }
    }
    let result = conn.transaction::<Report, Stop, _>(|conn| {
        let report = work(conn).map_err(Stop::Failed)?;
        if dry_run { Err(Stop::Rehearsed(report)) } else { Ok(report) }
    });
    match result {
        Ok(report) | Err(Stop::Rehearsed(report)) => Ok(report),
        Err(Stop::Failed(error)) => Err(error),
    }
}

/// `text` cut to `max` characters, and whether it was cut.
pub fn cut(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max {
        (text.to_owned(), false)
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        (out, true)
    }
}
