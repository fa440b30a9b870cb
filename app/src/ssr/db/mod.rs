//! The database: connection pool, embedded migrations, and one module of
//! queries per table. Query functions take the connection and return
//! `QueryResult`; [`Db::run`] keeps them off the async executor.

pub mod alert_rules;
pub mod api_tokens;
pub mod audit_events;
pub mod channels;
pub mod delivery_attempts;
pub mod incident_comments;
pub mod incident_events;
pub mod incident_updates;
pub mod incidents;
pub mod login_failures;
pub mod monitors;
pub mod notifications;
pub mod packing;
pub mod public;
pub mod regions;
pub mod rollups;
pub mod schedule;
pub mod schema;
pub mod sessions;
pub mod ssl_expiry_events;
pub mod status_pages;
pub mod subscriber_notices;
pub mod subscribers;
pub mod users;

use crate::error::AppError;
use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type Conn = PooledConnection<ConnectionManager<PgConnection>>;

/// How long a request waits for a free connection before giving up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a health check waits for one.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Opens a pool of at most `max_size` connections to `url`.
    pub fn connect(url: &str, max_size: u32) -> Result<Self, diesel::r2d2::PoolError> {
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(ConnectionManager::new(url))?;
        Ok(Self { pool })
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs the embedded migrations that have not run yet; returns their names.
    pub fn migrate(&self) -> diesel::migration::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        run_migrations(&mut conn)
    }

    /// Runs blocking diesel work on the blocking thread pool, with a bounded
    /// wait for a connection.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|error| AppError::failed("run database work", error))?
    }

    /// True when the database answers a trivial query within [`PING_TIMEOUT`]
    /// (a health check must answer quickly, also while the database is gone).
    pub async fn ping(&self) -> bool {
        use diesel::RunQueryDsl;
        let pool = self.pool.clone();
        let answered = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get_timeout(PING_TIMEOUT).ok()?;
            diesel::sql_query("SELECT 1").execute(&mut conn).ok()
        });
        matches!(answered.await, Ok(Some(_)))
    }
}

/// Applies the pending migrations; returns their names. Servers of a new
/// version starting together take turns (an advisory lock on the schema):
/// the first applies them, the others then find nothing left to do.
pub fn run_migrations(conn: &mut PgConnection) -> diesel::migration::Result<Vec<String>> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_lock(hashtext('vigie migrations ' || current_schema()))").execute(conn)?;
    let applied = conn.run_pending_migrations(MIGRATIONS).map(|done| done.iter().map(ToString::to_string).collect());
    let unlocked =
        diesel::sql_query("SELECT pg_advisory_unlock(hashtext('vigie migrations ' || current_schema()))").execute(conn);
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

/// Reverts every migration, newest first (each one's `down.sql`); returns
/// their names. For tests and for a deliberate downgrade only.
pub fn revert_migrations(conn: &mut PgConnection) -> diesel::migration::Result<Vec<String>> {
    conn.revert_all_migrations(MIGRATIONS).map(|done| done.iter().map(ToString::to_string).collect())
}

/// True when a diesel error is a unique-constraint violation.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// The constraint a unique violation broke (e.g. `status_pages_slug_key`), when it is one.
pub fn violated_unique(error: &diesel::result::Error) -> Option<&str> {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name()
        }
        _ => None,
    }
}

/// A `LIKE` pattern that matches text containing `part` as written (its
/// `%`, `_` and `\` are no wildcards).
pub fn contains_pattern(part: &str) -> String {
    format!("%{}%", part.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}
