//! The JSON API called in process, as the session's principal: the same validation, isolation and audit log as
//! any API client. Answers are read back as the API's own types ([`crate::http::views`]), so a renamed field is a
//! compile error here, never an empty cell on a page; a refusal keeps the API's code and the field it concerns.

use axum::body::{to_bytes, Body};
use axum::http::{header, Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower::ServiceExt;

use crate::http::auth::InternalCaller;
use crate::http::views::{ErrorBody, ErrorOut};

use super::session::Session;
use super::{ConsoleState, Refusal};

/// The API refused a call: its status and its error (code, message, field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The API's error.
    pub(crate) error: ErrorOut,
}

impl From<Refused> for Refusal {
    fn from(refused: Refused) -> Self {
        Refusal::Page(refused.status, refused.error.message)
    }
}

/// An API request made as the session's principal.
pub(crate) fn as_session(session: &Session, request: axum::http::request::Builder) -> axum::http::request::Builder {
    request.extension(InternalCaller(session.principal()))
}

/// Calls the JSON API as the session's principal with an optional JSON body; its answer as `T` (a 204 reads as
/// `null`, so `()`), or the API's refusal.
pub(crate) async fn call<T: DeserializeOwned>(
    state: &ConsoleState,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<&(impl Serialize + ?Sized)>,
) -> Result<T, Refused> {
    let failed = |message: String| Refused {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: ErrorOut { code: "internal".into(), message, field: None },
    };
    let body = match body {
        Some(body) => Body::from(serde_json::to_vec(body).map_err(|error| failed(error.to_string()))?),
        None => Body::empty(),
    };
    let request = as_session(session, Request::builder().method(method).uri(path))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|error| failed(error.to_string()))?;
    let Ok(response) = state.api.clone().oneshot(request).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.map_err(|error| failed(error.to_string()))?;
    if !status.is_success() {
        let error = serde_json::from_slice::<ErrorBody>(&bytes).map(|body| body.error).unwrap_or_else(|_| ErrorOut {
            code: "internal".into(),
            message: String::from_utf8_lossy(&bytes).into_owned(),
            field: None,
        });
        return Err(Refused { status, error });
    }
    let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|error| failed(format!("the API's answer to {path} did not read: {error}")))
}

/// A GET of the API as `T`, a refusal shown as a page saying why.
pub(crate) async fn get<T: DeserializeOwned>(
    state: &ConsoleState,
    session: &Session,
    path: &str,
) -> Result<T, Refusal> {
    Ok(call(state, session, Method::GET, path, None::<&()>).await?)
}
