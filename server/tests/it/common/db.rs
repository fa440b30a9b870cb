//! Test support: [`TestDb`], a fresh, migrated schema per test, dropped
//! afterwards. It uses `TEST_DATABASE_URL` when set; otherwise a private
//! PostgreSQL cluster under the system's temporary folder (or
//! `VIGIE_TEST_DATA_DIR`), started on first use and left running for the next
//! test binary (`make test` stops it at the end). Schemas left by a run that
//! was killed are dropped by the next one.
//!
//! A database cloned per test from a migrated template was tried: on this
//! machine `CREATE DATABASE … TEMPLATE` took about 400 ms (with fsync off
//! too, either strategy), a schema migrated from scratch 125–200 ms.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use app::ssr::db::{Db, run_migrations};
use diesel::{Connection, PgConnection, RunQueryDsl};
use server::infra::postgres::PrivatePostgres;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where the test cluster lives when `TEST_DATABASE_URL` is unset.
pub fn test_cluster_dir() -> PathBuf {
    std::env::var_os("VIGIE_TEST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("vigie-test"))
        .join("postgres")
}

/// The database URL tests run against.
pub fn base_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL")
            && !url.trim().is_empty()
        {
            return url;
        }
        let pg = PrivatePostgres::new(&test_cluster_dir()).expect("prepare the test PostgreSQL");
        pg.start().expect("start the test PostgreSQL");
        pg.url(server::infra::postgres::DATABASE)
    });
    static SWEPT: OnceLock<()> = OnceLock::new();
    SWEPT.get_or_init(|| sweep(URL.get().map_or("", String::as_str)));
    URL.get().map_or("", String::as_str)
}

#[derive(diesel::QueryableByName)]
struct Schema {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Drops the schemas that test processes no longer running left behind (a
/// run killed before its tests' drops), once per process.
fn sweep(base: &str) {
    let Ok(mut admin) = PgConnection::establish(base) else { return };
    let left = [
        ("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'test\\_%'", "SCHEMA", "CASCADE"),
        ("SELECT datname AS name FROM pg_database WHERE datname LIKE 'testdb\\_%'", "DATABASE", "WITH (FORCE)"),
    ];
    for (query, kind, how) in left {
        for found in diesel::sql_query(query).load::<Schema>(&mut admin).unwrap_or_default() {
            let pid = found.name.split('_').nth(1).and_then(|pid| pid.parse::<u32>().ok());
            if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = diesel::sql_query(format!("DROP {kind} IF EXISTS {} {how}", found.name)).execute(&mut admin);
            }
        }
    }
}

/// `base` pointing at the database `name` instead of its own.
fn with_database(base: &str, name: &str) -> String {
    let start = base.find("://").map_or(0, |i| i + 3);
    let query = base.find('?').unwrap_or(base.len());
    let path = base[start..query].find('/').map_or(query, |i| start + i);
    format!("{}/{name}{}", &base[..path], &base[query..])
}

/// `prefix_<pid>_<n>_<nanos>`: unique across test processes, and telling
/// the sweep which process made it.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_subsec_nanos()
    )
}

pub struct TestDb {
    pub db: Db,
    pub url: String,
    schema: String,
    /// A database of its own rather than a schema in the shared one.
    database: Option<String>,
}

impl TestDb {
    /// A new schema, migrated, with a pool whose connections use it.
    pub fn new() -> Self {
        let base = base_url();
        let schema = unique_name("test");
        let mut admin = PgConnection::establish(base).expect("connect to the test database");
        diesel::sql_query(format!("CREATE SCHEMA {schema}")).execute(&mut admin).expect("create the test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let mut conn = PgConnection::establish(&url).expect("connect to the test schema");
        run_migrations(&mut conn).expect("migrate the test schema");
        let db = Db::connect(&url, 4).expect("open the test pool");
        Self { db, url, schema, database: None }
    }

    /// A database of its own (for what works on whole databases, such as
    /// backups), migrated unless `empty`, dropped afterwards.
    pub fn own_database(empty: bool) -> Self {
        let base = base_url();
        let name = unique_name("testdb");
        let mut admin = PgConnection::establish(base).expect("connect to the test database");
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create the test database");
        let url = with_database(base, &name);
        if !empty {
            let mut conn = PgConnection::establish(&url).expect("connect to the test database");
            run_migrations(&mut conn).expect("migrate the test database");
        }
        let db = Db::connect(&url, 4).expect("open the test pool");
        Self { db, url, schema: String::new(), database: Some(name) }
    }

    /// A direct connection to the test schema, for checks outside the pool.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to the test schema")
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(base_url()) {
            let drop = match &self.database {
                Some(name) => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                // Idle pooled connections hold no locks, so the drop goes through.
                None => format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
            };
            let _ = diesel::sql_query(drop).execute(&mut admin);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_point_at_another_database() {
        let cases = [
            (
                "postgresql://vigie@/vigie?host=%2Ftmp%2Fpg&port=5432",
                "postgresql://vigie@/other?host=%2Ftmp%2Fpg&port=5432",
            ),
            ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/other"),
            ("postgres://postgres@127.0.0.1:5432", "postgres://postgres@127.0.0.1:5432/other"),
        ];
        for (base, wanted) in cases {
            assert_eq!(super::with_database(base, "other"), wanted);
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// The rows of a query selecting one text column named `line`.
pub fn lines(conn: &mut PgConnection, query: &str) -> Vec<String> {
    diesel::sql_query(query).load::<Line>(conn).unwrap().into_iter().map(|row| row.line).collect()
}
