//! The HTTP edge: the one route table ([`router`]) and what every handler shares ([`AppState`]).
//!
//! Where to look: [`server`] accepts connections and reads bodies within their limits; [`auth`] turns a bearer key
//! into a principal and a path's account into a [`auth::Scope`]; [`extract`] parses bodies and queries; [`error`]
//! is the one table of the service's error codes; [`views`] every response shape. Each resource has its own file:
//! [`accounts`], [`keys`], [`endpoints`], [`secrets`], [`events`], [`history`], [`operational`], [`stream`].
//!
//! Every route but `/healthz` needs `Authorization: Bearer <key>`; keys are stored as SHA-256 hashes. An admin key
//! reaches every account; an account key reaches its own account only, and anything of another account answers 404
//! to it, exactly as something that does not exist — no existence leaks. Validation is the core's, so a bad
//! configuration gets the same error code a receiver's SDK would give.
//!
//! Times are unix milliseconds (`createdAt`, `startedAt`, `nextAttemptAt`), except a secret's `expiresAt` and a
//! health streak's `failingSince`, which are unix seconds like the SDKs' `expiresAt`. Lists answer
//! `{"data": [...], "nextCursor": …}`; pass `cursor` back for the next page.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dropship_webhooks::endpoint::EndpointRules;
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::http::error::ApiError;
use crate::store::Store;

pub mod accounts;
pub mod auth;
pub mod console_links;
pub mod endpoints;
pub mod error;
pub mod events;
pub mod extract;
pub mod history;
pub mod keys;
pub mod operational;
pub mod secrets;
pub mod server;
pub mod stats;
pub mod stream;
pub mod views;

use self::views::{HealthzOut, ReadyzOut};

use self::accounts::{create_account, delete_account, edit_account, get_account, list_accounts};
use self::auth::{authenticate, Lookups};
use self::endpoints::{
    activate, create_endpoint, deactivate, delete_endpoint, edit_endpoint, get_endpoint, health, list_endpoints,
};
use self::events::{create_event, send_test};
use self::extract::refuse_control_characters;
use self::history::{
    get_attempt, get_delivery, list_attempts, list_audit, list_deliveries, list_endpoint_attempts,
    list_endpoint_deliveries, list_events, recover, resend,
};
use self::keys::{create_key, list_admin_keys, list_keys, revoke_any_key, revoke_key};
use self::operational::{
    delete_operational_webhook, get_operational_webhook, list_operational_events, set_operational_webhook,
};
use self::secrets::{add_secret, delete_secret, edit_secret, list_secrets, roll_secret};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The service clock.
    pub clock: Arc<dyn Clock>,
    /// Configuration rules (with or without the loopback development flag).
    pub rules: EndpointRules,
    /// Wakes the worker when deliveries are queued.
    pub wake: Arc<Notify>,
    /// Turns true at shutdown: live streams end.
    pub shutdown: watch::Receiver<bool>,
    /// Keys and accounts looked up lately.
    pub lookups: Arc<Lookups>,
    /// Where people reach the service (`--public-url`): console links are made under it.
    pub public_url: Option<String>,
    /// The live streams open now.
    pub streams: Arc<crate::http::stream::Streams>,
    /// Live streams' caps and lifetime.
    pub stream_limits: crate::http::stream::StreamLimits,
    /// The service's metrics (the API's requests among them).
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// The one route table: every API route, `/healthz`, and the routes `beside` makes from the API router (the
/// console, which calls the API in process), all behind the layer that refuses control characters.
pub fn router(state: AppState, beside: impl FnOnce(&Router) -> Router) -> Router {
    let account = "/v1/accounts/{account}";
    let endpoint = format!("{account}/endpoints/{{id}}");
    let api = Router::new()
        .route("/v1/topics", get(topics))
        .route("/v1/keys", get(list_admin_keys))
        .route("/v1/keys/{key_id}", axum::routing::delete(revoke_any_key))
        .route("/v1/accounts", post(create_account).get(list_accounts))
        .route(account, get(get_account).patch(edit_account).delete(delete_account))
        .route(&format!("{account}/keys"), post(create_key).get(list_keys))
        .route(&format!("{account}/keys/{{key_id}}"), axum::routing::delete(revoke_key))
        .route(&format!("{account}/endpoints"), post(create_endpoint).get(list_endpoints))
        .route(&endpoint, get(get_endpoint).patch(edit_endpoint).delete(delete_endpoint))
        .route(&format!("{endpoint}/activate"), post(activate))
        .route(&format!("{endpoint}/deactivate"), post(deactivate))
        .route(&format!("{endpoint}/health"), get(health))
        .route(&format!("{endpoint}/secrets"), post(add_secret).get(list_secrets))
        .route(&format!("{endpoint}/secrets/roll"), post(roll_secret))
        .route(&format!("{endpoint}/secrets/{{secret_id}}"), axum::routing::patch(edit_secret).delete(delete_secret))
        .route(&format!("{endpoint}/test"), post(send_test))
        .route(&format!("{endpoint}/deliveries"), get(list_endpoint_deliveries))
        .route(&format!("{endpoint}/attempts"), get(list_endpoint_attempts))
        .route(&format!("{endpoint}/recover"), post(recover))
        .route(&format!("{endpoint}/stats"), get(self::stats::endpoint_stats))
        .route(&format!("{account}/events"), post(create_event).get(list_events))
        .route(&format!("{account}/deliveries"), get(list_deliveries))
        .route(&format!("{account}/attempts"), get(list_attempts))
        .route(&format!("{account}/audit"), get(list_audit))
        .route(&format!("{account}/stats"), get(self::stats::account_stats))
        .route(
            &format!("{account}/operational-webhook"),
            axum::routing::put(set_operational_webhook).get(get_operational_webhook).delete(delete_operational_webhook),
        )
        .route(&format!("{account}/operational-events"), get(list_operational_events))
        .route(&format!("{account}/console-links"), post(self::console_links::create_link))
        .route(&format!("{account}/stream"), get(crate::http::stream::stream))
        .route("/v1/deliveries/{id}", get(get_delivery))
        .route("/v1/deliveries/{id}/resend", post(resend))
        .route("/v1/attempts/{id}", get(get_attempt))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(|| async { Json(HealthzOut { ok: true }) }))
        .route("/readyz", get(readyz).with_state(state.clone()))
        .merge(beside(&api))
        .merge(api)
        .layer(axum::middleware::from_fn(refuse_control_characters))
}

/// How long readiness waits for the database before saying it is not there.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /readyz`: 200 when the database answers within [`READY_TIMEOUT`] and its schema is this build's; 503 (with
/// the reason) while it is unreachable or migrations are pending. `/healthz` stays "the process is up".
async fn readyz(State(state): State<AppState>) -> Response {
    let wanted = crate::store::SCHEMA_VERSION;
    let (version, reason) = match tokio::time::timeout(READY_TIMEOUT, state.store.schema_version()).await {
        Err(_) => (None, Some(format!("the database did not answer within {} s", READY_TIMEOUT.as_secs()))),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database is unreachable");
            (None, Some("the database is unreachable".to_owned()))
        }
        Ok(Ok(version)) if version < wanted => {
            (Some(version), Some(format!("migrations are pending: the schema is {version}, this build needs {wanted}")))
        }
        Ok(Ok(version)) => (Some(version), None),
    };
    let status = if reason.is_none() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = ReadyzOut { ready: reason.is_none(), schema_version: version, schema_wanted: wanted, reason };
    (status, Json(body)).into_response()
}

async fn topics() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], dropship_webhooks::topics::catalog_json()).into_response()
}
