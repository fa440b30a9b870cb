//! The one error type the console, server functions and the REST API share.
//!
//! It is what a client may see: variants carry only safe, user-facing text.
//! Database and other internal failures become [`AppError::Internal`], which
//! carries a [`Failure`] (the operation that failed, where, and why) on the
//! server side only: it is never serialized, and it is logged once, where
//! the error leaves the server ([`AppError::report`], called by the server
//! functions' and the REST API's answers and by the workers' loops).

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
    Internal {
        #[serde(skip)]
        failure: Failure,
    },
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

    /// An internal failure of `operation` where nothing else explains it
    /// (state that should exist is missing); the caller's location is kept.
    #[track_caller]
    pub fn internal(operation: &'static str) -> Self {
        Self::Internal { failure: Failure::new(operation, None) }
    }

    /// An internal failure of `operation`, caused by `error`.
    #[track_caller]
    pub fn failed(operation: &'static str, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal { failure: Failure::new(operation, Some(Box::new(error))) }
    }

    /// Logs an internal failure (operation, location, cause): called once,
    /// where the error leaves the server for a client. Other errors are the
    /// client's own and are not logged.
    pub fn report(&self) {
        if let Self::Internal { failure } = self {
            failure.log(None);
        }
    }

    /// Logs any error of a background `task`, where nobody else will see it.
    pub fn report_in(&self, task: &'static str) {
        match self {
            Self::Internal { failure } => failure.log(Some(task)),
            #[cfg(feature = "ssr")]
            other => tracing::error!(task, error = %other, "background task failed"),
            #[cfg(not(feature = "ssr"))]
            _ => {}
        }
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
            Self::Internal { .. } => "internal",
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
            Self::Internal { .. } => 500,
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

/// What failed inside the server: the operation, the place in the code
/// (the `?` or constructor that met it), and the cause. Kept out of every
/// answer; equal to any other failure so that errors compare by what the
/// client sees.
#[derive(Clone, Default)]
pub struct Failure(Option<std::sync::Arc<FailureInner>>);

struct FailureInner {
    operation: &'static str,
    at: &'static std::panic::Location<'static>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Failure {
    #[track_caller]
    fn new(operation: &'static str, cause: Option<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(Some(std::sync::Arc::new(FailureInner { operation, at: std::panic::Location::caller(), cause })))
    }

    /// The operation that failed (empty for a failure that came from a client's copy).
    pub fn operation(&self) -> &'static str {
        self.0.as_ref().map_or("", |inner| inner.operation)
    }

    fn log(&self, task: Option<&'static str>) {
        #[cfg(feature = "ssr")]
        if let Some(inner) = &self.0 {
            let cause = inner.cause.as_ref().map(|c| error_chain(c.as_ref()));
            tracing::error!(task, operation = inner.operation, at = %inner.at, cause, "internal error");
        }
        #[cfg(not(feature = "ssr"))]
        let _ = task;
    }
}

/// An error and its sources, `outer: inner: …`.
#[cfg(feature = "ssr")]
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        text.push_str(": ");
        text.push_str(&next.to_string());
        source = next.source();
    }
    text
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("Failure"),
            Some(inner) => {
                write!(f, "{} at {}", inner.operation, inner.at)?;
                match &inner.cause {
                    Some(cause) => write!(f, ": {cause}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl PartialEq for Failure {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Failure {}

#[cfg(feature = "ssr")]
impl From<diesel::result::Error> for AppError {
    #[track_caller]
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::not_found("record"),
            other => Self::failed("database query", other),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<diesel::r2d2::PoolError> for AppError {
    #[track_caller]
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::failed("database connection", error)
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
        assert_eq!(AppError::internal("test").to_string(), "something went wrong on the server");
    }

    #[test]
    fn an_internal_failure_keeps_its_operation_and_place_but_never_serializes_them() {
        let error = AppError::failed("load the secret plan", std::io::Error::other("disk on fire"));
        let AppError::Internal { failure } = &error else { panic!("{error:?}") };
        assert_eq!(failure.operation(), "load the secret plan");
        let debug = format!("{failure:?}");
        assert!(debug.contains("error.rs") && debug.contains("disk on fire"), "{debug}");
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(json, r#"{"code":"internal"}"#);
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, error);
        assert_eq!(back.status(), 500);
    }
}
