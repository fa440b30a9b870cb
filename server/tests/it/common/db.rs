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
    let Ok(schemas) = diesel::sql_query("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'test\\_%'")
        .load::<Schema>(&mut admin)
    else {
        return;
    };
    for schema in schemas {
        let pid = schema.name.split('_').nth(1).and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.name)).execute(&mut admin);
        }
    }
}

pub struct TestDb {
    pub db: Db,
    pub url: String,
    schema: String,
}

impl TestDb {
    /// A new schema, migrated, with a pool whose connections use it.
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base = base_url();
        let schema = format!(
            "test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let mut admin = PgConnection::establish(base).expect("connect to the test database");
        diesel::sql_query(format!("CREATE SCHEMA {schema}")).execute(&mut admin).expect("create the test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let mut conn = PgConnection::establish(&url).expect("connect to the test schema");
        run_migrations(&mut conn).expect("migrate the test schema");
        let db = Db::connect(&url, 4).expect("open the test pool");
        Self { db, url, schema }
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
            // Idle pooled connections hold no locks, so the drop goes through.
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema)).execute(&mut admin);
        }
    }
}
