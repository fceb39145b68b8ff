//! The HTTP edge: the one route table ([`router`]) and what every handler shares ([`AppState`]).
//!
//! Where to look: [`server`] accepts connections and reads bodies within their limits; [`auth`] turns a bearer key
//! into a principal and a path's account into a [`auth::Scope`]; [`extract`] parses bodies and queries; [`error`]
//! is the one table of the service's error codes; [`views`] every response shape. Each resource has its own file:
//! [`accounts`], [`keys`], [`endpoints`], [`secrets`], [`events`], [`history`], [`operational`], [`stream`].
//!
//! Every route but `/healthz`, `/readyz` and `/openapi.json` needs `Authorization: Bearer <key>`; keys are stored
//! as SHA-256 hashes. An admin key reaches every account; an account key reaches its own account only, and anything
//! of another account answers 404 to it, exactly as something that does not exist — no existence leaks. Validation is the core's, so a bad
//! configuration gets the same error code a receiver's SDK would give.
//!
//! Times are unix milliseconds (`createdAt`, `startedAt`, `nextAttemptAt`), except a secret's `expiresAt` and a
//! health streak's `failingSince`, which are unix seconds like the SDKs' `expiresAt`. Lists answer
//! `{"data": [...], "nextCursor": …}`; pass `cursor` back for the next page.

use self::views::{ErrorBody, TopicOut};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
pub mod openapi;
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
use self::events::{create_event, create_events, send_test};
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
    /// Stores posted events by group commit.
    pub intake: crate::intake::Intake,
    /// Turns true at shutdown: live streams end.
    pub shutdown: watch::Receiver<bool>,
    /// Keys and accounts looked up lately.
    pub lookups: Arc<Lookups>,
    /// Where people reach the service (`--public-url`): console links are made under it.
    pub public_url: Option<String>,
    /// The console's look and the origins that may frame it.
    pub console_look: Arc<crate::console::ConsoleLook>,
    /// The retry schedule the workers follow, for the console to say what happens next.
    pub retry_schedule: dropship_webhooks::delivery::RetrySchedule,
    /// The live streams open now.
    pub streams: Arc<crate::http::stream::Streams>,
    /// Live streams' caps and lifetime.
    pub stream_limits: crate::http::stream::StreamLimits,
    /// The service's metrics (the API's requests among them).
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Declares the API's routes once: the axum router is built from this table, and [`ROUTES`] lists it for the
/// OpenAPI document's test (every route documented, nothing documented that is not routed).
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every authenticated API route: (method, path template).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        fn api_routes(router: Router<AppState>) -> Router<AppState> {
            router $(.route($path, axum::routing::$method($handler)))*
        }
    };
}

api_routes! {
    get "/v1/topics" => topics;
    get "/v1/keys" => list_admin_keys;
    delete "/v1/keys/{key_id}" => revoke_any_key;
    post "/v1/accounts" => create_account;
    get "/v1/accounts" => list_accounts;
    get "/v1/accounts/{account}" => get_account;
    patch "/v1/accounts/{account}" => edit_account;
    delete "/v1/accounts/{account}" => delete_account;
    post "/v1/accounts/{account}/keys" => create_key;
    get "/v1/accounts/{account}/keys" => list_keys;
    delete "/v1/accounts/{account}/keys/{key_id}" => revoke_key;
    post "/v1/accounts/{account}/endpoints" => create_endpoint;
    get "/v1/accounts/{account}/endpoints" => list_endpoints;
    get "/v1/accounts/{account}/endpoints/{id}" => get_endpoint;
    patch "/v1/accounts/{account}/endpoints/{id}" => edit_endpoint;
    delete "/v1/accounts/{account}/endpoints/{id}" => delete_endpoint;
    post "/v1/accounts/{account}/endpoints/{id}/activate" => activate;
    post "/v1/accounts/{account}/endpoints/{id}/deactivate" => deactivate;
    get "/v1/accounts/{account}/endpoints/{id}/health" => health;
    post "/v1/accounts/{account}/endpoints/{id}/secrets" => add_secret;
    get "/v1/accounts/{account}/endpoints/{id}/secrets" => list_secrets;
    post "/v1/accounts/{account}/endpoints/{id}/secrets/roll" => roll_secret;
    patch "/v1/accounts/{account}/endpoints/{id}/secrets/{secret_id}" => edit_secret;
    delete "/v1/accounts/{account}/endpoints/{id}/secrets/{secret_id}" => delete_secret;
    post "/v1/accounts/{account}/endpoints/{id}/test" => send_test;
    get "/v1/accounts/{account}/endpoints/{id}/deliveries" => list_endpoint_deliveries;
    get "/v1/accounts/{account}/endpoints/{id}/attempts" => list_endpoint_attempts;
    post "/v1/accounts/{account}/endpoints/{id}/recover" => recover;
    get "/v1/accounts/{account}/endpoints/{id}/stats" => self::stats::endpoint_stats;
    post "/v1/accounts/{account}/events" => create_event;
    post "/v1/accounts/{account}/events/batch" => create_events;
    get "/v1/accounts/{account}/events" => list_events;
    get "/v1/accounts/{account}/deliveries" => list_deliveries;
    get "/v1/accounts/{account}/attempts" => list_attempts;
    get "/v1/accounts/{account}/audit" => list_audit;
    get "/v1/accounts/{account}/stats" => self::stats::account_stats;
    put "/v1/accounts/{account}/operational-webhook" => set_operational_webhook;
    get "/v1/accounts/{account}/operational-webhook" => get_operational_webhook;
    delete "/v1/accounts/{account}/operational-webhook" => delete_operational_webhook;
    get "/v1/accounts/{account}/operational-events" => list_operational_events;
    post "/v1/accounts/{account}/console-links" => self::console_links::create_link;
    get "/v1/accounts/{account}/stream" => self::stream::stream;
    get "/v1/deliveries/{id}" => get_delivery;
    post "/v1/deliveries/{id}/resend" => resend;
    get "/v1/attempts/{id}" => get_attempt;
}

/// The one route table: every API route ([`ROUTES`]), `/healthz`, `/readyz`, `/openapi.json`, and the routes
/// `beside` makes from the API router (the console, which calls the API in process), all behind the layer that
/// refuses control characters.
pub fn router(state: AppState, beside: impl FnOnce(&Router) -> Router) -> Router {
    let api = api_routes(Router::new())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_json))
        .route("/readyz", get(readyz).with_state(state.clone()))
        .merge(beside(&api))
        .merge(api)
        .layer(axum::middleware::from_fn(refuse_control_characters))
}

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "service", summary = "The process is up",
    responses((status = 200, description = "Up", body = HealthzOut)))]
async fn healthz() -> Json<HealthzOut> {
    Json(HealthzOut { ok: true })
}

/// `GET /openapi.json`: this API, described as OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "service", summary = "This API as OpenAPI 3.1",
    responses((status = 200, description = "The document", body = Object)))]
async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], self::openapi::document()).into_response()
}

/// How long readiness waits for the database before saying it is not there.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[utoipa::path(get, path = "/readyz", tag = "service", summary = "Whether the service can serve",
    responses(
        (status = 200, description = "Ready", body = ReadyzOut),
        (status = 503, description = "Not ready: the database is unreachable or migrations are pending", body = ReadyzOut),
    ))]
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

#[utoipa::path(
    get,
    path = "/v1/topics",
    tag = "topics",
    summary = "The 29 topics: names, groups, descriptions and aliases",
    responses(
        (status = 200, description = "The topic catalog (the core's)", body = Vec<TopicOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
async fn topics() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], dropship_webhooks::topics::catalog_json()).into_response()
}
