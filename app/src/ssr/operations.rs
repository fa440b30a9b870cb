//! What the server reports about itself: the version it runs, and how its
//! scheduled backups went (kept in memory by the backup worker; `/healthz`
//! and the console's admins read it).

use crate::model::{BackupReport, ServerInfo};
use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub struct Operations {
    /// "0.1.0 (commit 1a2b3c4d5e6f)".
    pub version: &'static str,
    /// `None` when no `VIGIE_BACKUP_DIR` is set.
    pub backups: Option<ScheduledBackups>,
}

pub struct ScheduledBackups {
    report: Mutex<BackupReport>,
}

impl Operations {
    pub fn new(version: &'static str, backups: Option<ScheduledBackups>) -> Self {
        Self { version, backups }
    }

    pub fn info(&self) -> ServerInfo {
        ServerInfo { version: self.version.to_owned(), backups: self.backups.as_ref().map(ScheduledBackups::report) }
    }
}

impl ScheduledBackups {
    pub fn new(dir: String, keep: u32) -> Self {
        Self { report: Mutex::new(BackupReport { dir, keep, ..Default::default() }) }
    }

    pub fn report(&self) -> BackupReport {
        self.report.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// A backup was written: the last failure, if any, is over.
    pub fn succeeded(&self, at: DateTime<Utc>, file: String, bytes: u64) {
        if let Ok(mut report) = self.report.lock() {
            report.last_success_at = Some(at);
            report.last_file = Some(file);
            report.last_bytes = Some(bytes);
            report.failing = false;
        }
    }

    pub fn failed(&self, at: DateTime<Utc>, error: String) {
        if let Ok(mut report) = self.report.lock() {
            report.last_failure_at = Some(at);
            report.last_error = Some(error);
            report.failing = true;
        }
    }
}
