//! Backups of the whole database with PostgreSQL's own tools: `pg_dump` in
//! its custom format (one consistent snapshot, taken while the server runs)
//! and `pg_restore` into an empty database, in one transaction. The
//! password of a `DATABASE_URL` goes to the tools through the environment,
//! never on a command line or in a message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("pg_dump and pg_restore were not found (install PostgreSQL's client programs)")]
    ToolsNotFound,
    #[error("{0}")]
    Io(String),
    #[error("{program} failed: {detail}")]
    Tool { program: &'static str, detail: String },
    #[error("the database is not empty ({0} tables); `vigie restore --force` replaces everything in it")]
    NotEmpty(i64),
    #[error("{0} is not a backup made by `vigie backup` (pg_dump's custom format)")]
    NotABackup(PathBuf),
}

/// Where the tools live, and the database they work on.
pub struct Backups {
    bin_dir: PathBuf,
    /// The URL without its password.
    url: String,
    password: Option<String>,
}

impl Backups {
    /// For the database at `url`, with the tools in `bin_dir` (the private
    /// cluster's) or else the newest installed.
    pub fn new(url: &str, bin_dir: Option<&Path>) -> Result<Self, BackupError> {
        let bin_dir = match bin_dir {
            Some(dir) if dir.join("pg_dump").is_file() => dir.to_owned(),
            _ => find_tools().ok_or(BackupError::ToolsNotFound)?,
        };
        let (url, password) = split_password(url);
        Ok(Self { bin_dir, url, password })
    }

    fn tool(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.env_remove("PGPASSWORD");
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        command
    }

    /// Writes a dump to `file` (through a temporary file beside it, renamed
    /// when complete, so a failed dump never leaves a file that looks whole).
    /// Returns its size in bytes.
    pub fn dump(&self, file: &Path) -> Result<u64, BackupError> {
        let partial = partial_path(file);
        let result = run(
            "pg_dump",
            self.tool("pg_dump")
                .args(["--format=custom", "--compress=6", "--no-password", "--file"])
                .arg(&partial)
                .arg("--dbname")
                .arg(&self.url),
        );
        if let Err(error) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
        std::fs::rename(&partial, file).map_err(|e| io("cannot write", file, e))?;
        std::fs::metadata(file).map(|m| m.len()).map_err(|e| io("cannot read", file, e))
    }

    /// Restores `file` into the database: refused when the database holds
    /// tables, unless `force`, which drops everything in it first. All or
    /// nothing: one transaction.
    pub fn restore(&self, file: &Path, tables: i64, force: bool) -> Result<(), BackupError> {
        // pg_restore --list reads the archive's table of contents: a file
        // that is not an archive is refused before anything is touched.
        run("pg_restore", self.tool("pg_restore").arg("--list").arg(file))
            .map_err(|_| BackupError::NotABackup(file.to_owned()))?;
        if tables > 0 && !force {
            return Err(BackupError::NotEmpty(tables));
        }
        let mut restore = self.tool("pg_restore");
        restore.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password"]);
        if force {
            restore.args(["--clean", "--if-exists"]);
        }
        run("pg_restore", restore.arg("--dbname").arg(&self.url).arg(file)).map(|_| ())
    }
}

/// The URL without its password, and the password (decoded). A URL that
/// holds none (or that only libpq understands) is kept as it is.
fn split_password(url: &str) -> (String, Option<String>) {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some_and(|p| !p.is_empty()) => {
            let password = parsed.password().map(percent_decode);
            match parsed.set_password(None) {
                Ok(()) => (parsed.to_string(), password),
                Err(()) => (url.to_owned(), None),
            }
        }
        _ => (url.to_owned(), None),
    }
}

/// `file.partial` beside `file`.
fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    file.with_file_name(name)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The newest PostgreSQL client tools: under /usr/lib/postgresql, else PATH.
fn find_tools() -> Option<PathBuf> {
    let mut installed: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| Some((entry.file_name().to_string_lossy().parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, dir): &(u32, PathBuf)| dir.join("pg_dump").is_file() && dir.join("pg_restore").is_file())
        .collect();
    installed.sort();
    if let Some((_, dir)) = installed.pop() {
        return Some(dir);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).find(|dir| dir.join("pg_dump").is_file() && dir.join("pg_restore").is_file())
}

fn io(context: &str, path: &Path, error: std::io::Error) -> BackupError {
    BackupError::Io(format!("{context} {}: {error}", path.display()))
}

/// Runs a tool; on failure, its own message (the tools never print the
/// password, which they only read from the environment).
fn run(program: &'static str, command: &mut Command) -> Result<Output, BackupError> {
    let output = command.output().map_err(|e| BackupError::Tool { program, detail: e.to_string() })?;
    if output.status.success() {
        return Ok(output);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let detail = stderr.lines().filter(|l| !l.trim().is_empty()).take(5).collect::<Vec<_>>().join("; ");
    Err(BackupError::Tool { program, detail: format!("{} ({detail})", output.status) })
}

/// Keeps the `keep` newest backups named `vigie-*.dump` in `dir`, removing
/// the others (and partial files of dumps that were cut short). Names carry
/// their UTC time, so they sort by age.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
    let mut dumps = Vec::new();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io("cannot read", dir, e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("vigie-") {
            continue;
        }
        if name.ends_with(".dump") {
            dumps.push(entry.path());
        } else if name.ends_with(".dump.partial") {
            removed.push(entry.path());
        }
    }
    dumps.sort();
    let excess = dumps.len().saturating_sub(keep);
    removed.extend(dumps.into_iter().take(excess));
    for path in &removed {
        std::fs::remove_file(path).map_err(|e| io("cannot remove", path, e))?;
    }
    Ok(removed)
}

/// The name of a backup made at `at`: `vigie-20261130T143000Z.dump`.
pub fn file_name(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("vigie-{}.dump", at.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        let (url, password) = split_password("postgres://ada:s%40cr%2Bet@db.example:5433/vigie?sslmode=require");
        assert_eq!(password.as_deref(), Some("s@cr+et"));
        assert_eq!(url, "postgres://ada@db.example:5433/vigie?sslmode=require");
        for kept in ["postgresql://vigie@/vigie?host=%2Ftmp%2Fpg&port=5432", "host=/tmp dbname=vigie"] {
            assert_eq!(split_password(kept), (kept.to_owned(), None));
        }
    }

    #[test]
    fn old_backups_are_pruned_and_partial_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "vigie-20261101T000000Z.dump",
            "vigie-20261102T000000Z.dump",
            "vigie-20261103T000000Z.dump",
            "vigie-20261104T000000Z.dump.partial",
            "notes.txt",
        ];
        for name in names {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let removed = prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["notes.txt", "vigie-20261102T000000Z.dump", "vigie-20261103T000000Z.dump"]);
        assert_eq!(removed.len(), 2);
        assert_eq!(
            file_name(chrono::DateTime::from_timestamp(1_796_049_000, 0).unwrap()),
            "vigie-20261130T143000Z.dump"
        );
    }
}
