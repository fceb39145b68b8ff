//! API errors: an HTTP status, a stable `code` and a message. Validation codes are the core's
//! ([`dropship_webhooks::WebhookError::code`]); the service adds only what the core cannot know about
//! (`unauthorized`, `not_found`, `endpoint_exists`, `internal`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dropship_webhooks::WebhookError;
use serde_json::json;

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable error code.
    pub code: &'static str,
    /// What went wrong and what to do, in words.
    pub message: String,
}

impl ApiError {
    /// 400 with a code and message.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str) -> Self {
        Self { status: StatusCode::NOT_FOUND, code: "not_found", message: format!("no such {what}") }
    }

    /// 401 without a valid API key.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "send the API key as `Authorization: Bearer <key>`".into(),
        }
    }

    /// 500; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error; see the service log".into(),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        Self::bad_request(error.code(), error.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": { "code": self.code, "message": self.message } }))).into_response()
    }
}
