//! The state handed to server functions (through context) and REST handlers.

use super::db::Db;
use crate::error::AppError;
use leptos::prelude::use_context;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    pub monitor_settings: MonitorSettings,
    /// Probes from this server's region.
    pub prober: super::monitoring::probe::Prober,
    /// Rendered public pages; `None` renders every request.
    pub page_cache: Option<std::sync::Arc<super::status_pages::cache::PageCache>>,
    /// `VIGIE_PUBLIC_URL` without a trailing slash: links in feeds.
    pub public_url: Option<String>,
    /// Sends alerts (the dispatcher's, and "send test" from the console).
    pub notifier: super::alerts::notify::Notifier,
    /// Who may frame public pages, and the metrics token.
    pub security: super::security::SecuritySettings,
    /// The server's version and its scheduled backups.
    pub operations: std::sync::Arc<super::operations::Operations>,
}

/// Settings monitors are checked against.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// `VIGIE_MIN_INTERVAL_SECONDS`.
    pub min_interval_seconds: u32,
    /// The server's built-in region (`VIGIE_REGION`), the default for new monitors.
    pub region: String,
    /// `VIGIE_CHECK_RETENTION_DAYS`: agents' results older than this are not taken.
    pub check_retention_days: u32,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            min_interval_seconds: 30,
            region: "local".to_owned(),
            check_retention_days: super::monitoring::retention::DEFAULT_CHECK_RETENTION_DAYS,
        }
    }
}

impl AppState {
    /// The state of the running server, from a server function's context.
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<Self>().ok_or_else(|| AppError::internal("find the server's state in a server function"))
    }
}

/// Finishes a server function: on error, sets the HTTP status the error
/// stands for (and `Retry-After` when rate limited) on the response.
/// Where links to this server point, for the request being answered:
/// `VIGIE_PUBLIC_URL`, else the host the request was for.
pub fn links_base() -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let parts = super::team::auth::request_parts()?;
    let https = parts.extensions.get::<super::team::auth::OverHttps>().is_some_and(|o| o.0);
    Ok(super::status_pages::subscriber_mail::links_base(state.public_url.as_deref(), &parts.headers, https))
}

pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        error.report();
    }
    if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
        if let AppError::RateLimited { retry_after_seconds } = error {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*retry_after_seconds));
        }
    }
    result
}

/// The signed-in member a console server function works for, and how the
/// audit log names them. Reads as the [`User`](crate::model::User).
pub struct Caller {
    pub user: crate::model::User,
    pub actor: super::team::audit::Actor,
}

impl std::ops::Deref for Caller {
    type Target = crate::model::User;

    fn deref(&self) -> &Self::Target {
        &self.user
    }
}

/// The skeleton of a console server function that works with the database
/// for a signed-in member: checks the session, runs `work` with a pooled
/// connection off the async executor, and finishes with [`reply`].
pub async fn as_member<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut diesel::PgConnection, &Caller) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    with_database(super::team::auth::require_session(), work).await
}

/// As [`as_member`], for admins only (others get `Forbidden`).
pub async fn as_admin<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut diesel::PgConnection, &Caller) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    with_database(super::team::auth::require_admin(), work).await
}

async fn with_database<T, F>(who: Result<super::team::auth::SessionUser, AppError>, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut diesel::PgConnection, &Caller) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let result = async {
        let user = who?.user;
        let actor = super::team::audit::Actor::console(&user, &super::team::auth::client_address()?);
        let caller = Caller { user, actor };
        AppState::from_context()?.db.run(move |conn| work(conn, &caller)).await
    }
    .await;
    reply(result)
}

/// What an admin is told about the server (its version, its backups).
pub fn server_info() -> Result<crate::model::ServerInfo, AppError> {
    let result = super::team::auth::require_admin().and_then(|_| Ok(AppState::from_context()?.operations.info()));
    reply(result)
}
