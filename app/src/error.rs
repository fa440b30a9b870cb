//! The one error type the console, server functions and the REST API share.
//!
//! It is what a client may see: variants carry only safe, user-facing text.
//! Database and other internal failures become [`AppError::Internal`] after
//! being logged on the server.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    /// A field of the input is wrong; `field` names it.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// No valid session or token.
    #[error("sign in to continue")]
    Unauthorized,
    /// Sign-in refused. Deliberately does not say whether the email or the
    /// password was wrong.
    #[error("Wrong email or password.")]
    InvalidCredentials,
    /// Signed in, but the role does not allow this.
    #[error("you do not have permission to do this")]
    Forbidden,
    #[error("{what} not found")]
    NotFound { what: String },
    /// The request clashes with existing data (a duplicate email, the last admin…).
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts, try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// The request itself is malformed (unreadable JSON, a bad path parameter).
    #[error("{message}")]
    BadRequest { message: String },
    /// Something failed on the server; details are in the server log only.
    #[error("something went wrong on the server")]
    Internal,
    /// The request could not reach the server function or its answer could not
    /// be read (network, encoding).
    #[error("{message}")]
    Transport { message: String },
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation { field: field.to_owned(), message: message.into() }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound { what: what.to_owned() }
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Conflict { field: field.map(str::to_owned), message: message.into() }
    }

    /// The stable machine-readable code used by the REST API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::RateLimited { .. } => "rate_limited",
            Self::BadRequest { .. } => "bad_request",
            Self::Internal => "internal",
            Self::Transport { .. } => "bad_request",
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
            Self::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::RateLimited { .. } => 429,
            Self::BadRequest { .. } => 400,
            Self::Internal => 500,
            Self::Transport { .. } => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server this runs while answering the call: a request whose
        // arguments cannot be read is the caller's mistake (400), not ours.
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            let status = match &value {
                ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::UnsupportedRequestMethod(_) => http::StatusCode::BAD_REQUEST,
                _ => http::StatusCode::INTERNAL_SERVER_ERROR,
            };
            response.set_status(status);
        }
        Self::Transport { message: value.to_string() }
    }
}

#[cfg(feature = "ssr")]
impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::not_found("record"),
            other => {
                tracing::error!(error = %other, "database error");
                Self::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %error, "database pool error");
        Self::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_code_tag() {
        let json = serde_json::to_value(AppError::validation("email", "is required")).unwrap();
        assert_eq!(json["code"], "validation");
        assert_eq!(json["field"], "email");
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, AppError::validation("email", "is required"));
    }

    #[test]
    fn statuses_match_the_api_contract() {
        assert_eq!(AppError::Unauthorized.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::RateLimited { retry_after_seconds: 3 }.status(), 429);
        assert_eq!(AppError::conflict(Some("email"), "taken").field(), Some("email"));
        assert_eq!(AppError::Internal.to_string(), "something went wrong on the server");
    }
}
