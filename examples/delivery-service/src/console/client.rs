//! The JSON API called in process, as the session's principal: the same validation, isolation and audit log as
//! any API client.

use axum::body::{to_bytes, Body};
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::http::auth::InternalCaller;
// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).

use super::session::Session;
use super::{ConsoleState, Refusal};

/// An API request made as the session's principal.
pub(crate) fn as_session(session: &Session, request: axum::http::request::Builder) -> axum::http::request::Builder {
    request.extension(InternalCaller(session.principal()))
}

/// Calls the JSON API as the session's principal; the status and the JSON answer.
pub(crate) async fn call(
    state: &ConsoleState,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = as_session(session, Request::builder().method(method).uri(path))
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or_else(Body::empty, |value| Body::from(value.to_string()));
    let Ok(request) = request.body(body) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": { "message": "bad internal request" } }));
    };
    let Ok(response) = state.api.clone().oneshot(request).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// [`call`], with a refusal of the API shown as a page saying why.
pub(crate) async fn call_ok(
    state: &ConsoleState,
    session: &Session,
    method: Method,
    path: &str,
) -> Result<Value, Refusal> {
    let (status, answer) = call(state, session, method, path, None).await;
    if !status.is_success() {
        return Err(Refusal::Page(status, error_message(&answer)));
    }
    Ok(answer)
}

/// The items of a list answer's `data`, each made by `make`.
pub(crate) fn items<T>(answer: &Value, make: impl Fn(&Value) -> T) -> Vec<T> {
    answer["data"].as_array().map(|list| list.iter().map(make).collect()).unwrap_or_default()
}

pub(crate) fn error_message(answer: &Value) -> String {
    answer["error"]["message"].as_str().unwrap_or("the request failed").to_owned()
}
