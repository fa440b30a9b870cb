//! Signing in and out, and who is signed in.

use crate::error::AppError;
use crate::model::User;
use leptos::prelude::*;

/// Where to go after signing in: only paths of this site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        // Printable ASCII only: the path goes into a `Location` header.
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.chars().all(|c| c.is_ascii_graphic()) =>
        {
            path
        }
        _ => "/console",
    }
}

#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{AppState, reply, team::auth};
    let result = async {
        let state = AppState::from_context()?;
        let address = auth::client_address()?;
        let now = chrono::Utc::now();
        let (_, token) = state.db.run(move |conn| auth::sign_in(conn, &email, &password, &address, now)).await?;
        let cookie = auth::session_cookie(&token, now + auth::SESSION_IDLE, now, auth::over_https()?);
        set_cookie(&cookie)?;
        leptos_axum::redirect(safe_next(next.as_deref()));
        Ok(())
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::{AppState, reply, team::auth};
    let result = async {
        let state = AppState::from_context()?;
        if let Some(token) = auth::request_session_token()? {
            state.db.run(move |conn| Ok(auth::sign_out(conn, &token)?)).await?;
        }
        set_cookie(&auth::clear_session_cookie(auth::over_https()?))?;
        leptos_axum::redirect("/login");
        Ok(())
    }
    .await;
    reply(result)
}

/// The signed-in user.
#[server(prefix = "/rpc", endpoint = "current_user")]
pub async fn current_user() -> Result<User, AppError> {
    use crate::ssr::{reply, team::auth};
    reply(auth::require_session().map(|session| session.user))
}

#[cfg(feature = "ssr")]
fn set_cookie(cookie: &str) -> Result<(), AppError> {
    let value = http::HeaderValue::from_str(cookie).map_err(|e| AppError::failed("write the session cookie", e))?;
    let response = use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| AppError::internal("find the response of a server function"))?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/console/team?x=1")), "/console/team?x=1");
        assert_eq!(safe_next(Some("https://evil.example")), "/console");
        assert_eq!(safe_next(Some("//evil.example")), "/console");
        assert_eq!(safe_next(Some("/\\evil.example")), "/console");
        assert_eq!(safe_next(Some("")), "/console");
        assert_eq!(safe_next(Some("/console\r\nSet-Cookie: x")), "/console");
        assert_eq!(safe_next(None), "/console");
    }
}
