//! Who is asking: passwords, console sessions, API tokens and the sign-in
//! rate limit. Functions that touch the database take the connection and the
//! current time, so tests drive the clock.

use crate::error::AppError;
use crate::model::{AuditAction, User, limits};
use crate::ssr::db::{api_tokens, login_failures, sessions, users};
use crate::ssr::team::audit::{self, Actor};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const SESSION_COOKIE: &str = "vigie_session";
/// Its name over https: the `__Host-` prefix makes the browser refuse it
/// unless it is `Secure`, for this host only and for every path, so neither
/// a plain-http answer nor a sibling subdomain can plant or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-vigie_session";

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}
/// A session unused for this long expires.
pub const SESSION_IDLE: Duration = Duration::days(14);
/// No session lives longer than this, however active.
pub const SESSION_MAX: Duration = Duration::days(90);
/// Sliding renewal writes at most this often per session.
pub const SESSION_RENEW_EVERY: Duration = Duration::hours(1);

/// At most `max` failures per `window` for one key.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: usize,
    pub window: Duration,
}

pub const ACCOUNT_LIMIT: Limit = Limit { max: 5, window: Duration::minutes(15) };
pub const ADDRESS_LIMIT: Limit = Limit { max: 20, window: Duration::minutes(15) };

/// A signed-in console user, put in the request's extensions by the session
/// middleware.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub session_id: i64,
    /// The session's expiry moved: the cookie must be sent again.
    pub renewed_until: Option<DateTime<Utc>>,
}

/// The user behind an API token, in the request's extensions.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    pub token_id: i64,
}

// ---- secrets ---------------------------------------------------------------

/// A new random secret: `prefix` then 64 hex characters (256 bits).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// What is stored of a session or API token: its SHA-256. The secrets are
/// random and long, so a fast hash is enough.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|error| AppError::failed("hash a password", std::io::Error::other(error.to_string())))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the email is unknown, so that an unknown
/// email takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_secret("")).unwrap_or_default())
}

// ---- input rules -------------------------------------------------------------

pub fn normalize_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::validation("email", "Enter an email address."));
    }
    if email.len() > limits::EMAIL_MAX {
        return Err(AppError::validation("email", format!("At most {} characters.", limits::EMAIL_MAX)));
    }
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !email.chars().any(char::is_whitespace)
    });
    if !valid {
        return Err(AppError::validation("email", "Enter a valid email address, like name@example.com."));
    }
    Ok(email)
}

pub fn check_password(field: &str, password: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    if length < limits::PASSWORD_MIN {
        return Err(AppError::validation(field, format!("Use at least {} characters.", limits::PASSWORD_MIN)));
    }
    if length > limits::PASSWORD_MAX {
        return Err(AppError::validation(field, format!("Use at most {} characters.", limits::PASSWORD_MAX)));
    }
    Ok(())
}

// ---- rate limit ----------------------------------------------------------------

/// Given a key's recent failures (newest first, at most `limit.max` of them),
/// how many seconds until one more attempt is allowed; `None` when allowed now.
pub fn retry_after(recent_newest_first: &[DateTime<Utc>], limit: Limit, now: DateTime<Utc>) -> Option<u64> {
    if recent_newest_first.len() < limit.max {
        return None;
    }
    // When the `max`-th newest failure leaves the window, one slot frees up.
    let oldest_counted = recent_newest_first[limit.max - 1];
    let wait = (oldest_counted + limit.window - now).num_seconds();
    (wait > 0).then(|| wait.unsigned_abs())
}

pub fn check_limit(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    limit: Limit,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let recent = login_failures::recent(conn, scope, key, now - limit.window, limit.max as i64)?;
    match retry_after(&recent, limit, now) {
        Some(retry_after_seconds) => Err(AppError::RateLimited { retry_after_seconds }),
        None => Ok(()),
    }
}

// ---- sign-in and sessions --------------------------------------------------------

/// Checks the credentials under the rate limits and opens a session.
/// Returns the user and the session's secret token (for the cookie).
pub fn sign_in(
    conn: &mut PgConnection,
    email: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(User, String), AppError> {
    let email = email.trim().to_lowercase();
    check_limit(conn, login_failures::SCOPE_ADDRESS, address, ADDRESS_LIMIT, now)?;
    check_limit(conn, login_failures::SCOPE_ACCOUNT, &email, ACCOUNT_LIMIT, now)?;

    let user = users::find_by_email(conn, &email)?;
    let hash = match &user {
        Some(user) => user.password_hash.as_str(),
        None => decoy_hash(),
    };
    let valid = verify_password(password, hash) && user.is_some();
    let Some(user) = user.filter(|_| valid) else {
        conn.transaction(|conn| {
            login_failures::record(conn, login_failures::SCOPE_ACCOUNT, &email, now)?;
            login_failures::record(conn, login_failures::SCOPE_ADDRESS, address, now)?;
            audit::record(conn, &Actor::visitor(address), AuditAction::SignInFailed, &email, None)
        })?;
        return Err(AppError::InvalidCredentials);
    };
    let user = user.into_user();
    let token = conn.transaction(|conn| {
        login_failures::clear(conn, login_failures::SCOPE_ACCOUNT, &email)?;
        audit::record(conn, &Actor::console(&user, address), AuditAction::SignIn, &user.email, None)?;
        open_session(conn, user.id, now)
    })?;
    Ok((user, token))
}

/// Opens a session for a user; returns its secret token.
pub fn open_session(conn: &mut PgConnection, user_id: i64, now: DateTime<Utc>) -> QueryResult<String> {
    let token = new_secret("");
    sessions::insert(
        conn,
        &sessions::NewSession {
            token_hash: &secret_hash(&token),
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_IDLE,
        },
    )?;
    Ok(token)
}

/// The user behind a session token, renewing the session's expiry when it was
/// last renewed more than [`SESSION_RENEW_EVERY`] ago.
pub fn resolve_session(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> QueryResult<Option<SessionUser>> {
    let Some((session, user)) = sessions::find_live(conn, &secret_hash(token), now)? else {
        return Ok(None);
    };
    let mut renewed_until = None;
    if now - session.last_seen_at >= SESSION_RENEW_EVERY {
        let until = (now + SESSION_IDLE).min(session.created_at + SESSION_MAX);
        sessions::touch(conn, session.id, now, until)?;
        renewed_until = Some(until);
    }
    Ok(Some(SessionUser { user: user.into_user(), session_id: session.id, renewed_until }))
}

pub fn sign_out(conn: &mut PgConnection, token: &str) -> QueryResult<usize> {
    sessions::delete_by_hash(conn, &secret_hash(token))
}

/// The `Set-Cookie` value for a session cookie valid until `until`.
pub fn session_cookie(token: &str, until: DateTime<Utc>, now: DateTime<Utc>, secure: bool) -> String {
    let max_age = (until - now).num_seconds().max(0);
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session token from a `Cookie` header, if any: over https only the
/// `__Host-` cookie counts.
pub fn session_token_from_cookies(cookie_header: &str, secure: bool) -> Option<&str> {
    let wanted = cookie_name(secure);
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The user behind an API token (recording its use).
pub fn resolve_api_token(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> QueryResult<Option<TokenUser>> {
    let Some((row, user)) = api_tokens::find_live_by_hash(conn, &secret_hash(token))? else {
        return Ok(None);
    };
    api_tokens::mark_used(conn, row.id, now)?;
    Ok(Some(TokenUser { user: user.into_user(), token_id: row.id }))
}

// ---- server function context ---------------------------------------------------

/// The request a server function is answering.
pub fn request_parts() -> Result<http::request::Parts, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| AppError::internal("read the request in a server function"))
}

/// The signed-in user of the current server function call.
pub fn require_session() -> Result<SessionUser, AppError> {
    request_parts()?.extensions.get::<SessionUser>().cloned().ok_or(AppError::Unauthorized)
}

/// As [`require_session`], and the user must be an admin.
pub fn require_admin() -> Result<SessionUser, AppError> {
    let session = require_session()?;
    if session.user.is_admin() { Ok(session) } else { Err(AppError::Forbidden) }
}

/// The client's address, put in the extensions by the server.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// Whether the request came over https (directly behind an https public URL,
/// or as a trusted proxy says): cookies are then `__Host-` and `Secure`.
/// Put in the extensions by the server.
#[derive(Debug, Clone, Copy)]
pub struct OverHttps(pub bool);

/// Whether the current call came over https.
pub fn over_https() -> Result<bool, AppError> {
    let configured = crate::ssr::AppState::from_context()?.secure_cookies;
    Ok(configured || request_parts()?.extensions.get::<OverHttps>().is_some_and(|https| https.0))
}

pub fn client_address() -> Result<String, AppError> {
    Ok(request_parts()?.extensions.get::<ClientAddress>().map_or_else(|| "unknown".to_owned(), |a| a.0.clone()))
}

/// The raw session token of the current call, if the browser sent one.
pub fn request_session_token() -> Result<Option<String>, AppError> {
    let secure = over_https()?;
    let parts = request_parts()?;
    Ok(parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| session_token_from_cookies(header, secure))
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let a = new_secret("vigie_");
        let b = new_secret("vigie_");
        assert_ne!(a, b);
        assert_eq!(a.len(), 6 + 64);
        assert_eq!(secret_hash(&a).len(), 32);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }

    #[test]
    fn retry_after_counts_only_the_window() {
        let limit = Limit { max: 3, window: Duration::seconds(100) };
        assert_eq!(retry_after(&[at(50), at(40)], limit, at(60)), None);
        // Three failures, the oldest at 30: free again at 130.
        assert_eq!(retry_after(&[at(50), at(40), at(30)], limit, at(60)), Some(70));
        assert_eq!(retry_after(&[at(50), at(40), at(30)], limit, at(130)), None);
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "@example.com", "ada@", "a b@example.com", "a@b@c"] {
            let error = normalize_email(bad).unwrap_err();
            assert_eq!(error.field(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn passwords_have_a_length_range() {
        assert!(check_password("password", "short").is_err());
        assert!(check_password("password", &"x".repeat(257)).is_err());
        assert!(check_password("password", "long enough!").is_ok());
    }

    #[test]
    fn session_cookies_are_locked_down() {
        let cookie = session_cookie("abc", at(100), at(0), true);
        assert_eq!(cookie, "__Host-vigie_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=100; Secure");
        let plain = session_cookie("abc", at(100), at(0), false);
        assert_eq!(plain, "vigie_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=100");
        assert!(
            clear_session_cookie(false).starts_with("vigie_session=;")
                && clear_session_cookie(false).contains("Max-Age=0")
        );
        assert!(clear_session_cookie(true).starts_with("__Host-vigie_session=;"));
    }

    #[test]
    fn the_session_token_is_found_among_cookies() {
        assert_eq!(session_token_from_cookies("a=1; vigie_session=tok; b=2", false), Some("tok"));
        assert_eq!(session_token_from_cookies("a=1", false), None);
        assert_eq!(session_token_from_cookies("vigie_session=", false), None);
        // Over https a plain cookie (which anyone on the path could plant) is ignored.
        assert_eq!(session_token_from_cookies("vigie_session=planted", true), None);
        assert_eq!(session_token_from_cookies("vigie_session=planted; __Host-vigie_session=tok", true), Some("tok"));
    }
}
