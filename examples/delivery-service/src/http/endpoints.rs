//! `…/endpoints`: endpoint configurations (checked by the core's rules), their switch and health.

use super::extract::{check_length, page_params, JsonBody, PageQuery, MAX_DESCRIPTION_CHARS};
use super::views::{CreatedEndpointOut, EndpointHealthOut, EndpointOut, ErrorBody, List, NewSecretOut};
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dropship_webhooks::endpoint::{DeliveryMethod, EndpointOptions, EndpointRules, Limit};
use dropship_webhooks::{Scheme, WebhookError};
use serde::Deserialize;
use serde::Serialize;
use serde_json::{json, Value};

use crate::delivery::net::{check_as_sent, AddressPolicy};
use crate::delivery::signing::{live_secrets, secret_set};
use crate::http::error::{ApiError, ErrorCode};
use crate::model::{new_id, EndpointRow, EndpointUpdate, SecretRow};

use super::auth::Scope;
use super::secrets::{secret_row, NewSecret};
use super::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CreateEndpoint {
    url: String,
    topics: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_method")]
    method: String,
    /// Requests per second; 0: unlimited. A whole number: a fraction is refused (`invalid_option`), never rounded.
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295_i64)]
    rate_limit: Option<serde_json::Number>,
    /// Requests in flight; 0: unlimited. A whole number, as `rateLimit`.
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295_i64)]
    burst_limit: Option<serde_json::Number>,
    #[serde(default = "default_scheme")]
    scheme: String,
    #[serde(default = "default_true")]
    enabled: bool,
    secret: Option<NewSecret>,
}

pub(crate) fn default_method() -> String {
    "POST".into()
}
pub(crate) fn default_scheme() -> String {
    "standard".into()
}
pub(crate) fn default_true() -> bool {
    true
}

/// Runs the core's configuration rules over a would-be endpoint.
pub(crate) fn validate(
    rules: EndpointRules,
    endpoint: &mut EndpointRow,
    secrets: &[SecretRow],
) -> Result<(), ApiError> {
    let config = rules.validate(&EndpointOptions {
        url: endpoint.url.clone(),
        topics: endpoint.topics.clone(),
        method: endpoint.method,
        rate_limit: Limit(endpoint.rate_limit.into()),
        burst_limit: Limit(endpoint.burst_limit.into()),
        scheme: endpoint.scheme,
        secrets: secret_set(secrets),
    })?;
    // The core's parser decided; the sender's must read the same host.
    let policy = AddressPolicy { allow_loopback: rules.allow_insecure_loopback };
    check_as_sent(&config.url, &config.host, policy)?;
    endpoint.url = config.url;
    endpoint.topics = config.topics;
    Ok(())
}

/// A limit as sent: a whole number from 0 to 4294967295. A fraction (`2.5`, even `2.0`) is `invalid_option` on its
/// field — rounding would save a limit nobody typed (2.5 must not become 2, nor 0.5 become "unlimited").
pub(crate) fn limit_value(field: &'static str, value: &serde_json::Number) -> Result<u32, ApiError> {
    if value.is_f64() {
        return Err(
            ApiError::from(WebhookError::InvalidOption { name: field, problem: "it must be a whole number" }).on(field)
        );
    }
    value.as_u64().and_then(|whole| u32::try_from(whole).ok()).ok_or_else(|| {
        ApiError::from(WebhookError::InvalidEndpoint {
            field,
            problem: format!("{value} is not a whole number from 0 to 4294967295"),
        })
    })
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints",
    tag = "endpoints",
    summary = "Creates an endpoint; its first secret is shown once",
    params(("account" = String, Path, description = "The account's id")),
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "Created, with its secret", body = CreatedEndpointOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_endpoint`, `invalid_secret`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`endpoint_exists`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_endpoint(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(request): JsonBody<CreateEndpoint>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let id = new_id("ep");
    let scheme = Scheme::from_name(&request.scheme)?;
    check_length("description", &request.description, MAX_DESCRIPTION_CHARS)?;
    let secret = secret_row(&id, scheme, request.secret, now)?;
    let mut endpoint = EndpointRow {
        id,
        account_id: scope.account.clone(),
        url: request.url,
        description: request.description,
        topics: request.topics,
        method: DeliveryMethod::from_name(&request.method)?,
        scheme,
        rate_limit: request.rate_limit.as_ref().map_or(Ok(0), |rate| limit_value("rateLimit", rate))?,
        burst_limit: request.burst_limit.as_ref().map_or(Ok(0), |burst| limit_value("burstLimit", burst))?,
        enabled: request.enabled,
        health: Default::default(),
        created_at: now,
        updated_at: now,
        disabled_reason: None,
        slowed_until: None,
        last_success_at: None,
        due_at: None,
    };
    validate(state.rules, &mut endpoint, std::slice::from_ref(&secret))?;
    if !state.store.insert_endpoint(&endpoint, &secret).await? {
        return Err(url_taken(&endpoint.url));
    }
    tracing::info!(account = %scope.account, endpoint = %endpoint.id, url = %endpoint.url, "endpoint created");
    let created = EndpointOut::from(&endpoint);
    scope.audit(&state, "create", "endpoint", &endpoint.id, audit_detail(&created)?).await?;
    Ok((StatusCode::CREATED, Json(CreatedEndpointOut { endpoint: created, secret: NewSecretOut::from(&secret) }))
        .into_response())
}

pub(crate) fn url_taken(url: &str) -> ApiError {
    ApiError::new(
        ErrorCode::EndpointExists,
        format!("an endpoint for {url} already exists in this account; there is one configuration per target URL"),
    )
    .on("url")
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints",
    tag = "endpoints",
    summary = "Lists an account's endpoints",
    params(("account" = String, Path, description = "The account's id"), PageQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = List<EndpointOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_endpoints(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<EndpointOut>>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.endpoints(&scope.account, cursor.as_ref(), limit).await?;
    Ok(Json(List::page(page, |endpoint| EndpointOut::from(&endpoint))))
}

pub(crate) async fn load_endpoint(state: &AppState, account: &str, id: &str) -> Result<EndpointRow, ApiError> {
    state.store.endpoint(account, id).await?.ok_or_else(|| ApiError::not_found("endpoint"))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}",
    tag = "endpoints",
    summary = "One endpoint",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_endpoint(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<EndpointOut>, ApiError> {
    Ok(Json(EndpointOut::from(&load_endpoint(&state, &scope.account, &id).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EditEndpoint {
    url: Option<String>,
    topics: Option<Vec<String>>,
    description: Option<String>,
    method: Option<String>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    rate_limit: Option<serde_json::Number>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    burst_limit: Option<serde_json::Number>,
    enabled: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/v1/accounts/{account}/endpoints/{id}",
    tag = "endpoints",
    summary = "Edits an endpoint (compare-and-set)",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = EditEndpoint,
    responses(
        (status = 200, description = "Edited", body = EndpointOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_endpoint`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`endpoint_exists`, `conflict`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn edit_endpoint(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(edit): JsonBody<EditEndpoint>,
) -> Result<Json<EndpointOut>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    if let Some(description) = &edit.description {
        check_length("description", description, MAX_DESCRIPTION_CHARS)?;
    }
    let secrets = live_secrets(&state.store.secrets(&id).await?, state.clock.now_seconds());
    let endpoint = modify_endpoint(&state, &scope.account, &id, |endpoint| {
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
        if let Some(rate) = &edit.rate_limit {
            endpoint.rate_limit = limit_value("rateLimit", rate)?;
        }
        if let Some(burst) = &edit.burst_limit {
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
    if edit.enabled == Some(true) {
        // Its deliveries may be due again: worker processes elsewhere hear it at once, not at their next poll.
        state.store.announce_due();
    }
    let body = EndpointOut::from(&endpoint);
    scope.audit(&state, "edit", "endpoint", &id, audit_detail(&body)?).await?;
    Ok(Json(body))
}

/// How often a change is re-read and redone when the endpoint changed under it (a worker's health verdict, another
/// edit) before the API gives up with 409.
pub(crate) const MODIFY_TRIES: usize = 8;

/// Reads the endpoint, applies `change`, and writes it back only if nothing changed it meanwhile
/// (compare-and-set); on a race, reads and applies again. 404 if it does not exist, 409 if its new URL is taken or
/// it keeps changing.
pub(crate) async fn modify_endpoint(
    state: &AppState,
    account: &str,
    id: &str,
    mut change: impl FnMut(&mut EndpointRow) -> Result<(), ApiError>,
) -> Result<EndpointRow, ApiError> {
    for _ in 0..MODIFY_TRIES {
        let previous = load_endpoint(state, account, id).await?;
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
    Err(ApiError::new(ErrorCode::Conflict, "the endpoint kept changing while this change was applied; try again"))
}

/// The owner's switch, by the service's rule ([`crate::rules::EndpointState::switched`]: activation re-arms a FAILED endpoint,
/// whose pending deliveries resume at once).
pub(crate) fn set_enabled(endpoint: &mut EndpointRow, enabled: bool) {
    let state = endpoint.state().switched(enabled);
    (endpoint.enabled, endpoint.health) = (state.enabled, state.health);
    if enabled {
        endpoint.disabled_reason = None;
    }
}

pub(crate) async fn switch(
    state: AppState,
    scope: Scope,
    id: String,
    enabled: bool,
) -> Result<Json<EndpointOut>, ApiError> {
    let endpoint = modify_endpoint(&state, &scope.account, &id, |endpoint| {
        set_enabled(endpoint, enabled);
        Ok(())
    })
    .await?;
    tracing::info!(account = %scope.account, endpoint = %id, enabled, "endpoint switched");
    state.wake.notify_one();
    if enabled {
        state.store.announce_due();
    }
    let action = if enabled { "activate" } else { "deactivate" };
    scope.audit(&state, action, "endpoint", &id, json!({})).await?;
    Ok(Json(EndpointOut::from(&endpoint)))
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/activate",
    tag = "endpoints",
    summary = "Switches an endpoint on (a FAILED one gets a fresh streak)",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Active", body = EndpointOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`conflict`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn activate(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<EndpointOut>, ApiError> {
    switch(state, scope, id, true).await
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/deactivate",
    tag = "endpoints",
    summary = "Switches an endpoint off",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Off", body = EndpointOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`conflict`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<EndpointOut>, ApiError> {
    switch(state, scope, id, false).await
}

#[utoipa::path(
    delete,
    path = "/v1/accounts/{account}/endpoints/{id}",
    tag = "endpoints",
    summary = "Deletes an endpoint with its secrets, queue and history",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_endpoint(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if !state.store.delete_endpoint(&scope.account, &id).await? {
        return Err(ApiError::not_found("endpoint"));
    }
    scope.audit(&state, "delete", "endpoint", &id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}/health",
    tag = "endpoints",
    summary = "An endpoint's health and its deliveries by status",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Its health", body = EndpointHealthOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn health(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<EndpointHealthOut>, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let counts = state.store.delivery_counts(&id).await?;
    Ok(Json(EndpointHealthOut {
        status: endpoint.health.status.name().to_owned(),
        failing_since: endpoint.health.failing_since,
        enabled: endpoint.enabled,
        active: endpoint.is_active(),
        disabled_reason: endpoint.disabled_reason,
        slowed_until: endpoint.slowed_until,
        deliveries: counts.into_iter().collect(),
    }))
}

pub(crate) fn endpoint_inactive(endpoint: &EndpointRow) -> ApiError {
    ApiError::new(
        ErrorCode::EndpointInactive,
        format!(
            "the endpoint {} is {}; activate it first (POST …/endpoints/{}/activate)",
            endpoint.id,
            if endpoint.enabled { "FAILED" } else { "deactivated" },
            endpoint.id
        ),
    )
}

/// A view as the audit log's detail.
pub(crate) fn audit_detail(view: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(view).map_err(|error| ApiError::internal(&error))
}
