//! The JSON API. Every route but `/healthz` needs `Authorization: Bearer <key>`; keys are stored as SHA-256
//! hashes and compared in constant time. Validation is the core's, so a bad configuration gets the same error code
//! a receiver's SDK would give (`invalid_endpoint`, `invalid_secret`, `invalid_payload`, …).
//!
//! Times are unix milliseconds (`createdAt`, `startedAt`, `nextAttemptAt`), except a secret's `expiresAt` and a
//! health streak's `failingSince`, which are unix seconds like the SDKs' `expiresAt`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dropship_webhooks::endpoint::{DeliveryMethod, EndpointOptions, EndpointRules, Limit};
use dropship_webhooks::samples::sample_event_json;
use dropship_webhooks::standard::check_message_id;
use dropship_webhooks::time::rfc3339_ms;
use dropship_webhooks::{canonical_event_json, find_topic, generate_secret, Scheme, Webhook, WebhookError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::signing::{secret_of, secret_set};
use crate::store::{new_id, EndpointRow, EndpointUpdate, HistoryFilter, SecretRow, Store};

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
    /// SHA-256 of every accepted API key.
    pub key_hashes: Arc<Vec<[u8; 32]>>,
}

/// SHA-256 of an API key, as stored.
pub fn hash_api_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/topics", get(topics))
        .route("/v1/endpoints", post(create_endpoint).get(list_endpoints))
        .route("/v1/endpoints/{id}", get(get_endpoint).patch(edit_endpoint).delete(delete_endpoint))
        .route("/v1/endpoints/{id}/activate", post(activate))
        .route("/v1/endpoints/{id}/deactivate", post(deactivate))
        .route("/v1/endpoints/{id}/health", get(health))
        .route("/v1/endpoints/{id}/secrets", post(add_secret).get(list_secrets))
        .route("/v1/endpoints/{id}/secrets/{secret_id}", axum::routing::patch(edit_secret))
        .route("/v1/endpoints/{id}/test", post(send_test))
        .route("/v1/endpoints/{id}/deliveries", get(list_deliveries))
        .route("/v1/endpoints/{id}/attempts", get(list_attempts))
        .route("/v1/deliveries/{id}", get(get_delivery))
        .route("/v1/events", post(create_event))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), require_key))
        .fallback(|| async { ApiError::not_found("route") });
    Router::new().route("/healthz", get(|| async { Json(json!({ "ok": true })) })).merge(api).with_state(state)
}

async fn require_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(|key| hash_api_key(key.trim()));
    let Some(presented) = presented else { return ApiError::unauthorized().into_response() };
    // Compare with every key without stopping early, so timing does not tell which matched.
    let matched = state.key_hashes.iter().fold(subtle::Choice::from(0), |any, hash| any | hash.ct_eq(&presented));
    if bool::from(matched) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

/// A JSON request body whose errors carry the core's codes: `invalid_json` for syntax, `invalid_payload` for shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::bad_request("invalid_json", rejection.body_text()))?;
        let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(bytes).map(JsonBody).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => ApiError::bad_request("invalid_payload", error.to_string()),
            _ => ApiError::bad_request("invalid_json", error.to_string()),
        })
    }
}

fn endpoint_json(endpoint: &EndpointRow) -> Value {
    json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "topics": endpoint.topics,
        "method": endpoint.method.name(),
        "scheme": endpoint.scheme.name(),
        "rateLimit": endpoint.rate_limit,
        "burstLimit": endpoint.burst_limit,
        "enabled": endpoint.enabled,
        "active": endpoint.is_active(),
        "health": { "status": endpoint.health.status.name(), "failingSince": endpoint.health.failing_since },
        "createdAt": endpoint.created_at,
        "updatedAt": endpoint.updated_at,
    })
}

fn secret_json(secret: &SecretRow, now_seconds: u64) -> Value {
    // Enough of the value to tell secrets apart, never enough to use one.
    let shown: String = secret.value.chars().take(10).collect();
    json!({
        "id": secret.id,
        "label": secret.label,
        "expiresAt": secret.expires_at,
        "active": secret_of(secret).is_active_at(now_seconds),
        "masked": format!("{shown}…"),
        "createdAt": secret.created_at,
    })
}

async fn topics() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], dropship_webhooks::topics::catalog_json()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSecret {
    value: Option<String>,
    label: Option<String>,
    expires_at: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateEndpoint {
    url: String,
    topics: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default)]
    rate_limit: i64,
    #[serde(default)]
    burst_limit: i64,
    #[serde(default = "default_scheme")]
    scheme: String,
    #[serde(default = "default_true")]
    enabled: bool,
    secret: Option<NewSecret>,
}

fn default_method() -> String {
    "POST".into()
}
fn default_scheme() -> String {
    "standard".into()
}
fn default_true() -> bool {
    true
}

fn check_expiry(expires_at: Option<i64>) -> Result<Option<i64>, ApiError> {
    match expires_at {
        Some(at) if at < 0 => {
            Err(WebhookError::InvalidOption { name: "expiresAt", problem: "it must be unix seconds (0 or more)" }
                .into())
        }
        other => Ok(other),
    }
}

/// A secret row from a request: the value given, or a fresh `whsec_` secret from the OS generator.
fn secret_row(endpoint_id: &str, request: Option<NewSecret>, now: i64) -> Result<SecretRow, ApiError> {
    let request = request.unwrap_or(NewSecret { value: None, label: None, expires_at: None });
    let value = match request.value {
        Some(value) => value,
        None => {
            let mut random = [0u8; 32];
            getrandom::fill(&mut random).map_err(|error| ApiError::internal(&error))?;
            generate_secret(&random)?
        }
    };
    Ok(SecretRow {
        id: new_id("sec"),
        endpoint_id: endpoint_id.to_owned(),
        value,
        label: request.label,
        expires_at: check_expiry(request.expires_at)?,
        created_at: now,
    })
}

/// Runs the core's configuration rules over a would-be endpoint.
fn validate(rules: EndpointRules, endpoint: &mut EndpointRow, secrets: &[SecretRow]) -> Result<(), ApiError> {
    let config = rules.validate(&EndpointOptions {
        url: endpoint.url.clone(),
        topics: endpoint.topics.clone(),
        method: endpoint.method,
        rate_limit: Limit(endpoint.rate_limit.into()),
        burst_limit: Limit(endpoint.burst_limit.into()),
        scheme: endpoint.scheme,
        secrets: secret_set(secrets),
    })?;
    endpoint.url = config.url;
    endpoint.topics = config.topics;
    Ok(())
}

fn limit_value(field: &'static str, value: i64) -> Result<u32, ApiError> {
    u32::try_from(value).map_err(|_| {
        ApiError::from(WebhookError::InvalidEndpoint {
            field,
            problem: format!("{value} is not a whole number from 0 to 4294967295"),
        })
    })
}

async fn create_endpoint(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateEndpoint>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let id = new_id("ep");
    let secret = secret_row(&id, request.secret, now)?;
    let mut endpoint = EndpointRow {
        id,
        url: request.url,
        description: request.description,
        topics: request.topics,
        method: DeliveryMethod::from_name(&request.method)?,
        scheme: Scheme::from_name(&request.scheme)?,
        rate_limit: limit_value("rateLimit", request.rate_limit)?,
        burst_limit: limit_value("burstLimit", request.burst_limit)?,
        enabled: request.enabled,
        health: Default::default(),
        created_at: now,
        updated_at: now,
    };
    validate(state.rules, &mut endpoint, std::slice::from_ref(&secret))?;
    if !state.store.insert_endpoint(&endpoint, &secret).await? {
        return Err(url_taken(&endpoint.url));
    }
    tracing::info!(endpoint = %endpoint.id, url = %endpoint.url, "endpoint created");
    let mut body = endpoint_json(&endpoint);
    body["secret"] = json!({
        "id": secret.id, "value": secret.value, "label": secret.label, "expiresAt": secret.expires_at,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn url_taken(url: &str) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        code: "endpoint_exists",
        message: format!("an endpoint for {url} already exists; there is one configuration per target URL"),
    }
}

async fn list_endpoints(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let endpoints = state.store.endpoints().await?;
    Ok(Json(json!({ "data": endpoints.iter().map(endpoint_json).collect::<Vec<_>>() })))
}

async fn load_endpoint(state: &AppState, id: &str) -> Result<EndpointRow, ApiError> {
    state.store.endpoint(id).await?.ok_or_else(|| ApiError::not_found("endpoint"))
}

async fn get_endpoint(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(endpoint_json(&load_endpoint(&state, &id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EditEndpoint {
    url: Option<String>,
    topics: Option<Vec<String>>,
    description: Option<String>,
    method: Option<String>,
    rate_limit: Option<i64>,
    burst_limit: Option<i64>,
    enabled: Option<bool>,
}

async fn edit_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(edit): JsonBody<EditEndpoint>,
) -> Result<Json<Value>, ApiError> {
    let secrets = state.store.secrets(&id).await?;
    let endpoint = modify_endpoint(&state, &id, |endpoint| {
        if let Some(url) = &edit.url {
            endpoint.url.clone_from(url);
        }
        if let Some(topics) = &edit.topics {
            endpoint.topics.clone_from(topics);
        }
        if let Some(description) = &edit.description {
            endpoint.description.clone_from(description);
        }
        if let Some(method) = &edit.method {
            endpoint.method = DeliveryMethod::from_name(method)?;
        }
        if let Some(rate) = edit.rate_limit {
            endpoint.rate_limit = limit_value("rateLimit", rate)?;
        }
        if let Some(burst) = edit.burst_limit {
            endpoint.burst_limit = limit_value("burstLimit", burst)?;
        }
        validate(state.rules, endpoint, &secrets)?;
        if let Some(enabled) = edit.enabled {
            set_enabled(endpoint, enabled);
        }
        Ok(())
    })
    .await?;
    state.wake.notify_one();
    Ok(Json(endpoint_json(&endpoint)))
}

/// How often a change is re-read and redone when the endpoint changed under it (a worker's health verdict, another
/// edit) before the API gives up with 409.
const MODIFY_TRIES: usize = 8;

/// Reads the endpoint, applies `change`, and writes it back only if nothing changed it meanwhile
/// (compare-and-set); on a race, reads and applies again. 404 if it does not exist, 409 if its new URL is taken or
/// it keeps changing.
async fn modify_endpoint(
    state: &AppState,
    id: &str,
    mut change: impl FnMut(&mut EndpointRow) -> Result<(), ApiError>,
) -> Result<EndpointRow, ApiError> {
    for _ in 0..MODIFY_TRIES {
        let previous = load_endpoint(state, id).await?;
        let mut endpoint = previous.clone();
        change(&mut endpoint)?;
        if endpoint == previous {
            return Ok(endpoint);
        }
        endpoint.updated_at = state.clock.now_ms().max(previous.updated_at);
        match state.store.update_endpoint(&previous, &endpoint).await? {
            EndpointUpdate::Done => return Ok(endpoint),
            EndpointUpdate::UrlTaken => return Err(url_taken(&endpoint.url)),
            EndpointUpdate::Changed => continue,
        }
    }
    Err(ApiError {
        status: StatusCode::CONFLICT,
        code: "conflict",
        message: "the endpoint kept changing while this change was applied; try again".into(),
    })
}

/// The owner's switch, by the service's rule ([`crate::rules::EndpointState::switched`]: activation re-arms a FAILED endpoint,
/// whose pending deliveries resume at once).
fn set_enabled(endpoint: &mut EndpointRow, enabled: bool) {
    let state = endpoint.state().switched(enabled);
    (endpoint.enabled, endpoint.health) = (state.enabled, state.health);
}

async fn switch(state: AppState, id: String, enabled: bool) -> Result<Json<Value>, ApiError> {
    let endpoint = modify_endpoint(&state, &id, |endpoint| {
        set_enabled(endpoint, enabled);
        Ok(())
    })
    .await?;
    tracing::info!(endpoint = %id, enabled, "endpoint switched");
    state.wake.notify_one();
    Ok(Json(endpoint_json(&endpoint)))
}

async fn activate(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    switch(state, id, true).await
}

async fn deactivate(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    switch(state, id, false).await
}

async fn delete_endpoint(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    if state.store.delete_endpoint(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("endpoint"))
    }
}

async fn health(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let endpoint = load_endpoint(&state, &id).await?;
    let counts = state.store.delivery_counts(Some(&id)).await?;
    Ok(Json(json!({
        "status": endpoint.health.status.name(),
        "failingSince": endpoint.health.failing_since,
        "enabled": endpoint.enabled,
        "active": endpoint.is_active(),
        "deliveries": counts,
    })))
}

async fn add_secret(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<NewSecret>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &id).await?;
    let mut secrets = state.store.secrets(&id).await?;
    let secret = secret_row(&id, Some(request), state.clock.now_ms())?;
    secrets.push(secret.clone());
    Webhook::with_scheme(secret_set(&secrets), endpoint.scheme)?;
    state.store.insert_secret(&secret).await?;
    tracing::info!(endpoint = %id, secret = %secret.id, "secret added");
    let body = json!({
        "id": secret.id, "value": secret.value, "label": secret.label, "expiresAt": secret.expires_at,
        "createdAt": secret.created_at,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn list_secrets(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    load_endpoint(&state, &id).await?;
    let now = state.clock.now_seconds();
    let secrets = state.store.secrets(&id).await?;
    Ok(Json(json!({ "data": secrets.iter().map(|s| secret_json(s, now)).collect::<Vec<_>>() })))
}

async fn edit_secret(
    State(state): State<AppState>,
    Path((id, secret_id)): Path<(String, String)>,
    JsonBody(edit): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let Value::Object(fields) = edit else {
        return Err(ApiError::bad_request("invalid_payload", "send a JSON object such as {\"expiresAt\": 1767225600}"));
    };
    if fields.contains_key("value") || fields.contains_key("secret") {
        return Err(ApiError::bad_request(
            "invalid_option",
            "a secret's value cannot be edited; add a new secret and set an expiry on this one",
        ));
    }
    if let Some(unknown) = fields.keys().find(|key| key.as_str() != "expiresAt") {
        return Err(ApiError::bad_request(
            "invalid_payload",
            format!("unknown field `{unknown}`; only expiresAt can change"),
        ));
    }
    let expires_at = match fields.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64().ok_or_else(|| {
            ApiError::from(WebhookError::InvalidOption {
                name: "expiresAt",
                problem: "it must be unix seconds or null",
            })
        })?),
    };
    let expires_at = check_expiry(expires_at)?;
    if !state.store.set_secret_expiry(&id, &secret_id, expires_at).await? {
        return Err(ApiError::not_found("secret"));
    }
    let now = state.clock.now_seconds();
    let secrets = state.store.secrets(&id).await?;
    let secret = secrets.iter().find(|s| s.id == secret_id).ok_or_else(|| ApiError::not_found("secret"))?;
    Ok(Json(secret_json(secret, now)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateEvent {
    topic: String,
    /// Kept as posted, byte for byte: numbers of any size or precision, escapes and key order reach the receiver
    /// exactly as the platform wrote them (a parsed value would round `1e-398` to `0.0` and re-sort the keys).
    data: Box<RawValue>,
    id: Option<String>,
}

/// Builds and checks an event envelope around `data` as given: known topic, valid id, data of the topic's shape
/// (the core's walk). The envelope is written in the canonical order (`id`, `topic`, `createdAt`, `data`), so a
/// receiver whose data is canonical gets back the body itself.
fn envelope(topic: &str, data: &RawValue, id: Option<String>, now: i64) -> Result<(String, String, String), ApiError> {
    let info = find_topic(topic).ok_or_else(|| {
        ApiError::bad_request("invalid_payload", format!("unknown topic `{topic}`; GET /v1/topics lists them"))
    })?;
    let id = match id {
        Some(id) => check_message_id(&id)
            .map(str::to_owned)
            .map_err(|problem| ApiError::bad_request("invalid_payload", format!("event id: {problem}")))?,
        None => new_id("evt"),
    };
    let text = |value: &str| Value::from(value).to_string();
    let body = format!(
        "{{\"id\":{},\"topic\":{},\"createdAt\":{},\"data\":{}}}",
        text(&id),
        text(info.name),
        text(&rfc3339_ms(now)),
        data.get()
    );
    // The receivers' own check: refused here if their SDK would refuse it (the canonical walk, without the structs).
    canonical_event_json(body.as_bytes())?;
    Ok((id, info.name.to_owned(), body))
}

async fn create_event(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateEvent>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let (id, topic, body) = envelope(&request.topic, &request.data, request.id, now)?;
    let targets: Vec<String> = state
        .store
        .endpoints()
        .await?
        .into_iter()
        .filter(|endpoint| endpoint.is_active() && endpoint.topics.contains(&topic))
        .map(|endpoint| endpoint.id)
        .collect();
    let (created, queued) = state.store.enqueue_event(&id, &topic, &body, &targets, now).await?;
    if queued > 0 {
        state.wake.notify_one();
    }
    let status = if created { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(json!({ "id": id, "topic": topic, "deliveries": queued, "duplicate": !created }))).into_response())
}

/// A topic's sample event: its data, as written.
#[derive(Deserialize)]
struct SampleEvent<'a> {
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestEvent {
    topic: Option<String>,
}

async fn send_test(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<TestEvent>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &id).await?;
    let topic = request.topic.or_else(|| endpoint.topics.first().cloned()).unwrap_or_default();
    let canonical = find_topic(&topic).map(|info| info.name).unwrap_or_default();
    let sample = sample_event_json(canonical)
        .ok_or_else(|| ApiError::bad_request("invalid_payload", format!("unknown topic `{topic}`")))?;
    let sample: SampleEvent<'_> = serde_json::from_str(sample).map_err(|error| ApiError::internal(&error))?;
    let now = state.clock.now_ms();
    let (event_id, topic, body) = envelope(canonical, sample.data, None, now)?;
    let (_, queued) = state.store.enqueue_event(&event_id, &topic, &body, &[endpoint.id], now).await?;
    state.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": event_id, "topic": topic, "deliveries": queued }))).into_response())
}

fn history_filter(query: &HashMap<String, String>, status_key: &str) -> Result<HistoryFilter, ApiError> {
    let number = |name: &'static str| -> Result<Option<i64>, ApiError> {
        query
            .get(name)
            .map(|text| {
                text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    ApiError::from(WebhookError::InvalidOption { name, problem: "it must be a whole number" })
                })
            })
            .transpose()
    };
    if let Some(unknown) =
        query.keys().find(|key| ![status_key, "topic", "errorClass", "before", "limit"].contains(&key.as_str()))
    {
        return Err(ApiError::bad_request("invalid_option", format!("unknown filter `{unknown}`")));
    }
    Ok(HistoryFilter {
        status: query.get(status_key).cloned(),
        topic: query.get("topic").map(|topic| find_topic(topic).map_or(topic.clone(), |info| info.name.to_owned())),
        error_class: query.get("errorClass").cloned(),
        before: number("before")?,
        limit: number("limit")?.unwrap_or(50).clamp(1, 500),
    })
}

async fn list_deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    load_endpoint(&state, &id).await?;
    let deliveries = state.store.deliveries(&id, &history_filter(&query, "status")?).await?;
    Ok(Json(json!({ "data": deliveries })))
}

async fn list_attempts(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    load_endpoint(&state, &id).await?;
    let attempts = state.store.attempts(Some(&id), None, &history_filter(&query, "outcome")?).await?;
    Ok(Json(json!({ "data": attempts })))
}

async fn get_delivery(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let delivery = state.store.delivery(&id).await?.ok_or_else(|| ApiError::not_found("delivery"))?;
    let filter = HistoryFilter { limit: 500, ..HistoryFilter::default() };
    let attempts = state.store.attempts(None, Some(&id), &filter).await?;
    let mut body = serde_json::to_value(&delivery).map_err(|error| ApiError::internal(&error))?;
    body["attempts"] = json!(attempts);
    Ok(Json(body))
}
