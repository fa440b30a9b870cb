//! The private PostgreSQL cluster `vigie serve` runs when no `DATABASE_URL`
//! is given: initialised on first use from the machine's server binaries,
//! listening only on a Unix socket, started before serving and stopped on
//! shutdown. A cluster left running by a crashed server is adopted; a stale
//! `postmaster.pid` is handled by PostgreSQL itself on start (retried while
//! the killed server's processes drain away). While the server runs, a
//! watchdog starts the cluster again if it dies.
//!
//! As root, PostgreSQL refuses to run, so every command runs as the `postgres`
//! system user, on a cluster directory owned by that user.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The port number only names the socket file; no TCP port is opened.
const PORT: u16 = 5432;
/// The superuser `initdb` creates, and the database the server uses.
pub const ROLE: &str = "vigie";
pub const DATABASE: &str = "vigie";
/// How often the watchdog looks at the running cluster, and how many looks
/// in a row without an answer make it start the cluster again.
const WATCH_EVERY: Duration = Duration::from_secs(1);
const WATCH_MISSES: u32 = 2;
/// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: \
         install them (Debian: apt-get install postgresql) or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error(
        "running as root, PostgreSQL runs as the `postgres` system user, which does not exist: \
         install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL"
    )]
    NoPostgresUser,
    #[error(
        "the `postgres` system user cannot reach {0}: a parent folder is not open to other users; \
         set VIGIE_DATA_DIR to a folder it can reach (for example /var/lib/vigie) or set DATABASE_URL"
    )]
    Unreachable(PathBuf),
    #[error("{0} exists, is not empty and holds no PostgreSQL cluster: move it away or choose another VIGIE_DATA_DIR")]
    NotACluster(PathBuf),
    #[error("the cluster in {dir} was made by PostgreSQL {found}, but only these versions are installed: {installed}")]
    VersionMismatch { dir: PathBuf, found: String, installed: String },
    #[error("{command} failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{0}")]
    Io(String),
}

fn io(context: &str, path: &Path, error: std::io::Error) -> PgError {
    PgError::Io(format!("{context} {}: {error}", path.display()))
}

/// A private cluster in a directory.
#[derive(Debug, Clone)]
pub struct PrivatePostgres {
    dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    /// Run PostgreSQL's programs as this system user (when we are root).
    run_as: Option<String>,
}

impl PrivatePostgres {
    /// Prepares (but does not start) the cluster kept in `dir`.
    pub fn new(dir: &Path) -> Result<Self, PgError> {
        fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        let dir = dir.canonicalize().map_err(|e| io("cannot resolve", dir, e))?;
        let bin_dir = find_bin_dir(&dir)?;
        let run_as = if is_root() { Some("postgres".to_owned()) } else { None };
        let socket_dir = if dir.join(".s.PGSQL.5432").as_os_str().len() <= MAX_SOCKET_PATH {
            dir.clone()
        } else {
            // A deep data directory: keep the socket in a short private path.
            std::env::temp_dir().join(format!("vigie-pg-{:x}", path_hash(&dir)))
        };
        let pg = Self { dir, socket_dir, bin_dir, run_as };
        pg.prepare_dirs()?;
        Ok(pg)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where its programs (and pg_dump, pg_restore of the same version) live.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The libpq URL of a database in this cluster.
    pub fn url(&self, database: &str) -> String {
        let host: String = url::form_urlencoded::byte_serialize(self.socket_dir.to_string_lossy().as_bytes()).collect();
        format!("postgresql://{ROLE}@/{database}?host={host}&port={PORT}")
    }

    fn prepare_dirs(&self) -> Result<(), PgError> {
        for dir in [&self.dir, &self.socket_dir] {
            fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        let Some(user) = &self.run_as else { return Ok(()) };
        if run(Command::new("id").arg("-u").arg(user)).is_err() {
            return Err(PgError::NoPostgresUser);
        }
        for dir in [&self.dir, &self.socket_dir] {
            let owner = fs::metadata(dir).map_err(|e| io("cannot read", dir, e))?.uid();
            let wanted = run(Command::new("id").arg("-u").arg(user))?;
            if owner.to_string() != String::from_utf8_lossy(&wanted.stdout).trim() {
                run(Command::new("chown").arg("-R").arg(format!("{user}:")).arg(dir))?;
            }
            set_mode(dir, 0o700)?;
            if run(Command::new("runuser").args(["-u", user, "--", "test", "-w"]).arg(dir)).is_err() {
                return Err(PgError::Unreachable(dir.clone()));
            }
        }
        Ok(())
    }

    fn pg_command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        // A working directory the postgres user can read, whatever ours is.
        command.current_dir(&self.dir);
        // Its own process group: a ctrl-c meant for the server does not reach
        // PostgreSQL, which the server stops itself, in order.
        command.process_group(0);
        command
    }

    fn is_initialised(&self) -> bool {
        self.dir.join("PG_VERSION").exists()
    }

    fn init(&self) -> Result<(), PgError> {
        let not_empty = fs::read_dir(&self.dir)
            .map_err(|e| io("cannot read", &self.dir, e))?
            .filter_map(Result::ok)
            .any(|entry| !entry.file_name().to_string_lossy().starts_with(".s.PGSQL"));
        if not_empty {
            return Err(PgError::NotACluster(self.dir.clone()));
        }
        tracing::info!(dir = %self.dir.display(), "initialising the private PostgreSQL cluster");
        run(self.pg_command("initdb").arg("-D").arg(&self.dir).args([
            "-U",
            ROLE,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        ]))?;
        Ok(())
    }

    /// True when a postmaster answers for this cluster.
    pub fn is_running(&self) -> bool {
        run(self.pg_command("pg_ctl").arg("status").arg("-D").arg(&self.dir)).is_ok()
    }

    /// Initialises the cluster if needed, starts it unless it already runs,
    /// and makes sure the `vigie` database exists. Returns true when this call
    /// started PostgreSQL (false when it adopted a running one).
    pub fn start(&self) -> Result<bool, PgError> {
        if !self.is_initialised() {
            self.init()?;
        }
        // A postmaster that was just killed can still look alive for a moment
        // (its pid not yet reaped): adopt only one that answers.
        let started = if self.is_running() && self.answers_within(Duration::from_secs(5)) {
            tracing::info!(dir = %self.dir.display(), "adopting the private PostgreSQL left running");
            false
        } else {
            self.start_postmaster()?;
            true
        };
        self.ensure_database()?;
        Ok(started)
    }

    fn start_postmaster(&self) -> Result<(), PgError> {
        let options = format!(
            "-k {} -c listen_addresses='' -p {PORT} -c unix_socket_permissions=0700",
            quote_option(&self.socket_dir.to_string_lossy())
        );
        let log = self.dir.join("server.log");
        let mut last_error = None;
        // After a kill -9, the old server's processes may need a moment to go
        // before PostgreSQL accepts to start on the same directory.
        for attempt in 0..5 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_secs(2));
            }
            let result = run(self
                .pg_command("pg_ctl")
                .arg("start")
                .arg("-D")
                .arg(&self.dir)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o"])
                .arg(&options));
            match result {
                Ok(_) => {
                    tracing::info!(dir = %self.dir.display(), "private PostgreSQL started");
                    return Ok(());
                }
                Err(error) => {
                    tracing::warn!(%error, attempt, "private PostgreSQL did not start yet");
                    last_error = Some(error);
                }
            }
        }
        let tail = fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(5).collect();
        Err(PgError::Command {
            command: "pg_ctl start".to_owned(),
            detail: format!(
                "{}; last log lines: {}",
                last_error.map(|e| e.to_string()).unwrap_or_default(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ),
        })
    }

    /// True when the cluster accepts a connection within `wait`.
    fn answers_within(&self, wait: Duration) -> bool {
        use diesel::{Connection, PgConnection};
        let deadline = std::time::Instant::now() + wait;
        loop {
            if PgConnection::establish(&self.url("postgres")).is_ok() {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn ensure_database(&self) -> Result<(), PgError> {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let mut conn = PgConnection::establish(&self.url("postgres"))
            .map_err(|e| PgError::Command { command: "connect".to_owned(), detail: e.to_string() })?;
        let sql = format!("CREATE DATABASE {DATABASE}");
        match diesel::sql_query(sql).execute(&mut conn) {
            Ok(_) => Ok(()),
            Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("already exists") => Ok(()),
            Err(e) => Err(PgError::Command { command: "CREATE DATABASE".to_owned(), detail: e.to_string() }),
        }
    }

    /// Watches the running cluster from a thread of its own until `stop`
    /// turns true: when it stops answering for [`WATCH_MISSES`] looks in a
    /// row (killed, or its server crashed), it is started again.
    pub fn watch(self, stop: Arc<AtomicBool>) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new().name("postgres-watchdog".into()).spawn(move || {
            let mut misses = 0;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(WATCH_EVERY);
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if self.answers_within(Duration::ZERO) {
                    misses = 0;
                    continue;
                }
                misses += 1;
                if misses < WATCH_MISSES {
                    continue;
                }
                tracing::warn!(dir = %self.dir.display(), "the private PostgreSQL stopped answering: starting it again");
                match self.start() {
                    Ok(_) => misses = 0,
                    Err(error) => tracing::error!(%error, "could not start the private PostgreSQL again"),
                }
            }
        })
    }

    /// Stops the cluster cleanly (fast shutdown: ends sessions, checkpoints).
    pub fn stop(&self) -> Result<(), PgError> {
        if !self.is_running() {
            return Ok(());
        }
        run(self.pg_command("pg_ctl").arg("stop").arg("-D").arg(&self.dir).args(["-m", "fast", "-w", "-t", "60"]))?;
        tracing::info!(dir = %self.dir.display(), "private PostgreSQL stopped");
        Ok(())
    }
}

fn run(command: &mut Command) -> Result<Output, PgError> {
    let name = format!("{:?}", command.get_program());
    let output = command.output().map_err(|e| PgError::Command { command: name.clone(), detail: e.to_string() })?;
    if output.status.success() {
        Ok(output)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let detail = if stderr.trim().is_empty() { stdout.trim().to_owned() } else { stderr.trim().to_owned() };
        Err(PgError::Command { command: describe(command), detail: format!("{} ({detail})", output.status) })
    }
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Quotes a value for pg_ctl's `-o` option string.
fn quote_option(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PgError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| io("cannot set permissions on", path, e))
}

fn is_root() -> bool {
    // /proc/self belongs to the process's effective user.
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn path_hash(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut hasher);
    hasher.finish()
}

/// The major version that made the cluster in `dir`, if any.
fn cluster_version(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join("PG_VERSION")).ok().map(|v| v.trim().to_owned())
}

/// Where `initdb`, `pg_ctl` and `postgres` live: the cluster's own version
/// under /usr/lib/postgresql, else PATH, else the newest version there.
fn find_bin_dir(cluster_dir: &Path) -> Result<PathBuf, PgError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    find_bin_dir_in(cluster_dir, Path::new("/usr/lib/postgresql"), &path)
}

fn find_bin_dir_in(cluster_dir: &Path, versions_root: &Path, path: &std::ffi::OsStr) -> Result<PathBuf, PgError> {
    let has_all = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|p| dir.join(p).is_file());
    let mut installed: Vec<(u32, PathBuf)> = fs::read_dir(versions_root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_all(dir))
        .collect();
    installed.sort();
    let wanted = cluster_version(cluster_dir);
    if let Some(wanted) = &wanted
        && let Some((_, dir)) = installed.iter().find(|(v, _)| &v.to_string() == wanted)
    {
        return Ok(dir.clone());
    }
    if let Some(dir) = std::env::split_paths(path).find(|dir| has_all(dir)) {
        return Ok(dir);
    }
    match (wanted, installed.last()) {
        (Some(found), Some(_)) => Err(PgError::VersionMismatch {
            dir: cluster_dir.to_owned(),
            found,
            installed: installed.iter().map(|(v, _)| v.to_string()).collect::<Vec<_>>().join(", "),
        }),
        (None, Some((_, dir))) => Ok(dir.clone()),
        (_, None) => Err(PgError::BinariesNotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binaries(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        for program in ["initdb", "pg_ctl", "postgres"] {
            fs::write(dir.join(program), "").unwrap();
        }
    }

    #[test]
    fn missing_server_binaries_give_one_clear_error() {
        let empty = tempfile::tempdir().unwrap();
        let error = find_bin_dir_in(empty.path(), empty.path(), std::ffi::OsStr::new("")).unwrap_err().to_string();
        assert!(error.contains("not found") && error.contains("apt-get install postgresql"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn the_clusters_own_version_is_preferred_then_path_then_the_newest() {
        let root = tempfile::tempdir().unwrap();
        fake_binaries(&root.path().join("14/bin"));
        fake_binaries(&root.path().join("16/bin"));
        let cluster = tempfile::tempdir().unwrap();
        let none = std::ffi::OsStr::new("");
        assert_eq!(find_bin_dir_in(cluster.path(), root.path(), none).unwrap(), root.path().join("16/bin"));
        fs::write(cluster.path().join("PG_VERSION"), "14\n").unwrap();
        assert_eq!(find_bin_dir_in(cluster.path(), root.path(), none).unwrap(), root.path().join("14/bin"));
        fs::write(cluster.path().join("PG_VERSION"), "12\n").unwrap();
        let error = find_bin_dir_in(cluster.path(), root.path(), none).unwrap_err().to_string();
        assert!(error.contains("PostgreSQL 12") && error.contains("14, 16"), "{error}");
    }

    #[test]
    fn options_are_quoted_for_pg_ctl() {
        assert_eq!(quote_option("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(quote_option("it's"), "'it\\'s'");
    }
}
