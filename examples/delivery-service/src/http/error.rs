//! API errors: a stable code from the one table of the service's codes ([`ErrorCode`], with each code's HTTP
//! status and when it is answered), a message in words, and the request's field it concerns when one does (the
//! console shows the error under that field). Validation codes are the core's ([`WebhookError::code`]), so a bad
//! configuration gets the same code a receiver's SDK would give.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dropship_webhooks::WebhookError;

use super::views::{ErrorBody, ErrorOut};

/// Declares the codes once: the enum, its names, statuses and descriptions come from one list.
macro_rules! error_codes {
    ($($variant:ident => $name:literal, $status:literal, $when:literal;)*) => {
        /// Every error code the service answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $when] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as answered.
            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                let code = match self { $(ErrorCode::$variant => $status,)* };
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// When it is answered, in words.
            pub fn when(self) -> &'static str {
                match self { $(ErrorCode::$variant => $when,)* }
            }

            /// The code of this name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    InvalidJson => "invalid_json", 400, "The body is not JSON (or could not be read).";
    InvalidPayload => "invalid_payload", 400, "The body's shape is wrong: an unknown field or topic, data not of the topic's shape.";
    InvalidEndpoint => "invalid_endpoint", 400, "An endpoint's configuration breaks the core's rules (its URL, topics, method, limits).";
    InvalidSecret => "invalid_secret", 400, "A secret that cannot sign (its form, its length, too many active).";
    InvalidHeader => "invalid_header", 400, "A header or id the core refuses.";
    InvalidOption => "invalid_option", 400, "A field, filter or option out of its range, or holding control characters.";
    InvalidAccount => "invalid_account", 400, "An account id outside 1 to 128 of A-Z a-z 0-9 - _ . ~.";
    Unauthorized => "unauthorized", 401, "No valid API key.";
    Forbidden => "forbidden", 403, "Needs the admin key.";
    NotFound => "not_found", 404, "Nothing there, or nothing the key may reach.";
    RequestTimeout => "request_timeout", 408, "The body did not arrive within the read timeout.";
    AccountExists => "account_exists", 409, "The account id is taken.";
    EndpointExists => "endpoint_exists", 409, "The URL has a configuration in this account already.";
    EndpointInactive => "endpoint_inactive", 409, "The endpoint is off or FAILED: activate it first.";
    InFlight => "in_flight", 409, "An attempt of that delivery is under way.";
    LastActiveSecret => "last_active_secret", 409, "The endpoint would be left without an active secret.";
    SecretActive => "secret_active", 409, "Only an expired secret can be deleted.";
    LastAdminKey => "last_admin_key", 409, "The last admin key cannot be revoked.";
    Conflict => "conflict", 409, "The endpoint kept changing while the edit was applied.";
    EventMismatch => "event_mismatch", 409, "The event id was posted before with another topic or data.";
    PayloadTooLarge => "payload_too_large", 413, "The body is over the route's limit.";
    TooManyStreams => "too_many_streams", 429, "Live streams are at their cap (per account, per key, in all).";
    Internal => "internal", 500, "The service failed; its log says why.";
}

/// An error answered to an API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code (its HTTP status comes with it).
    pub code: ErrorCode,
    /// What went wrong and what to do, in words.
    pub message: String,
    /// The request's field it concerns, as the request names it (`url`, `rateLimit`, …).
    pub field: Option<String>,
}

impl ApiError {
    /// An error of `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// The same error, about the request's `field`.
    #[must_use]
    pub fn on(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("no such {what}"))
    }

    /// 401 without a valid API key.
    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "send the API key as `Authorization: Bearer <key>`")
    }

    /// 403: `what` needs the admin key.
    pub fn forbidden(what: &str) -> Self {
        Self::new(ErrorCode::Forbidden, format!("{what} needs the admin key"))
    }

    /// 500; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        Self::new(ErrorCode::Internal, "internal error; see the service log")
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        // Every validation error of the core the service can meet has its row in the table; another one would
        // still be the client's doing.
        let code = ErrorCode::from_name(error.code()).unwrap_or(ErrorCode::InvalidPayload);
        let field = match &error {
            WebhookError::InvalidEndpoint { field, .. } => Some(*field),
            WebhookError::InvalidOption { name, .. } => Some(*name),
            WebhookError::InvalidSecret { .. } => Some("secret"),
            _ => None,
        };
        Self { code, message: error.to_string(), field: field.map(str::to_owned) }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(&error)
    }
}

impl ApiError {
    /// The error as its answer's body.
    pub fn into_body(self) -> ErrorBody {
        ErrorBody { error: ErrorOut { code: self.code.name().to_owned(), message: self.message, field: self.field } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        (status, Json(self.into_body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_one_list_of_unique_codes_each_with_its_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.name()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a code is listed twice");
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_name(code.name()), Some(*code));
            assert!(code.status().is_client_error() || *code == ErrorCode::Internal, "{code:?}");
            assert!(!code.when().is_empty());
        }
    }

    #[test]
    fn core_errors_keep_their_code_and_name_their_field() {
        let error = ApiError::from(WebhookError::InvalidEndpoint { field: "url", problem: "no".into() });
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidEndpoint, Some("url")));
        let error = ApiError::from(WebhookError::InvalidOption { name: "expiresAt", problem: "no" });
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidOption, Some("expiresAt")));
    }
}
