//! Scheduled backups: one a day into `VIGIE_BACKUP_DIR`, the newest
//! `VIGIE_BACKUP_KEEP` kept. The age of the newest file there decides when
//! the next is due, so a restart neither skips a day nor backs up twice; a
//! failure is logged, reported (`/healthz`, the console's admins) and tried
//! again an hour later.

use crate::infra::backup::{self, Backups};
use app::ssr::db::Db;
use app::ssr::operations::Operations;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVERY: chrono::TimeDelta = chrono::TimeDelta::days(1);
const RETRY: Duration = Duration::from_secs(3600);

pub struct BackupWorker {
    db: Db,
    backups: Arc<Backups>,
    dir: PathBuf,
    keep: usize,
    operations: Arc<Operations>,
}

impl BackupWorker {
    pub fn new(db: Db, backups: Backups, dir: PathBuf, keep: u32, operations: Arc<Operations>) -> Self {
        Self { db, backups: Arc::new(backups), dir, keep: keep as usize, operations }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let now = Utc::now();
            let wait = match newest(&self.dir).map(|at| at + EVERY) {
                Some(due) if due > now => (due - now).to_std().unwrap_or(RETRY),
                _ => match self.back_up(now).await {
                    Ok(()) => EVERY.to_std().unwrap_or(RETRY),
                    Err(()) => RETRY,
                },
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn back_up(&self, now: DateTime<Utc>) -> Result<(), ()> {
        let (backups, dir, keep) = (self.backups.clone(), self.dir.clone(), self.keep);
        let dump = move || {
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let file = dir.join(backup::file_name(now));
            let bytes = backups.dump(&file).map_err(|e| e.to_string())?;
            let removed = backup::prune(&dir, keep).map_err(|e| e.to_string())?;
            Ok::<_, String>((file, bytes, removed.len()))
        };
        // Not while the upkeep makes or drops partitions (a deadlock).
        let result = self
            .db
            .run(move |conn| Ok(app::ssr::monitoring::retention::without_upkeep(conn, dump)?))
            .await
            .unwrap_or_else(|e| Err(format!("the backup could not start: {e}")));
        let Some(report) = &self.operations.backups else { return Ok(()) };
        match result {
            Ok((file, bytes, removed)) => {
                tracing::info!(file = %file.display(), bytes, removed, "backup written");
                report.succeeded(Utc::now(), file.display().to_string(), bytes);
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, "the scheduled backup failed");
                report.failed(Utc::now(), error);
                Err(())
            }
        }
    }
}

/// When the newest backup in `dir` was made, read from its name.
fn newest(dir: &Path) -> Option<DateTime<Utc>> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stamp = name.strip_prefix("vigie-")?.strip_suffix(".dump")?.to_owned();
            NaiveDateTime::parse_from_str(&stamp, "%Y%m%dT%H%M%SZ").ok().map(|at| at.and_utc())
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_backup_is_read_from_the_names() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(newest(dir.path()), None);
        for name in ["vigie-20261128T010000Z.dump", "vigie-20261129T233000Z.dump", "vigie-2026.dump", "other.dump"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let at = DateTime::parse_from_rfc3339("2026-11-29T23:30:00Z").unwrap().to_utc();
        assert_eq!(newest(dir.path()), Some(at));
        assert_eq!(backup::file_name(at), "vigie-20261129T233000Z.dump");
    }
}
