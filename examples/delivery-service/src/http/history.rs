//! The history: deliveries, attempts, events and the audit log as lists; resend and recover.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use dropship_webhooks::find_topic;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::error::ApiError;
use crate::model::Principal;
use crate::store::{RecoverFilter, Resend};

use super::auth::{record, Scope};
use super::endpoints::{endpoint_inactive, load_endpoint};
use super::extract::{check_length, list_query, page_params, JsonBody, ListKind, MAX_LABEL_CHARS};
use super::views::to_json;
use super::AppState;

/// One page of a history list: of the account, or (with `endpoint`) of one of its endpoints.
pub(crate) async fn history_page(
    state: &AppState,
    scope: &Scope,
    endpoint: Option<String>,
    mut query: HashMap<String, String>,
    kind: ListKind,
) -> Result<Json<Value>, ApiError> {
    if let Some(id) = endpoint {
        load_endpoint(state, &scope.account, &id).await?;
        query.insert("endpointId".into(), id);
    }
    let list = list_query(scope, &query, kind)?;
    let page = match kind {
        ListKind::Deliveries => to_json(&state.store.deliveries(&list).await?)?,
        ListKind::Attempts => to_json(&state.store.attempts(&list).await?)?,
        ListKind::Events => to_json(&state.store.events(&list).await?)?,
    };
    Ok(Json(page))
}

pub(crate) async fn list_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, None, query, ListKind::Deliveries).await
}

pub(crate) async fn list_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, None, query, ListKind::Attempts).await
}

pub(crate) async fn list_endpoint_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, Some(id), query, ListKind::Deliveries).await
}

pub(crate) async fn list_endpoint_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, Some(id), query, ListKind::Attempts).await
}

pub(crate) async fn get_delivery(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let delivery = state
        .store
        .delivery(principal.account_id.as_deref(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    let attempts = state.store.attempts_of(&id).await?;
    let mut body = to_json(&delivery)?;
    body["attempts"] = json!(attempts);
    Ok(Json(body))
}

pub(crate) async fn get_attempt(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let attempt = state
        .store
        .attempt(principal.account_id.as_deref(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("attempt"))?;
    Ok(Json(to_json(&attempt)?))
}

pub(crate) async fn resend(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope_account = principal.account_id.as_deref();
    let delivery = state.store.delivery(scope_account, &id).await?.ok_or_else(|| ApiError::not_found("delivery"))?;
    let endpoint = load_endpoint(&state, &delivery.account_id, &delivery.endpoint_id).await?;
    if !endpoint.is_active() {
        return Err(endpoint_inactive(&endpoint));
    }
    match state.store.resend(scope_account, &id, state.clock.now_ms()).await? {
        Resend::Queued(delivery) => {
            state.wake.notify_one();
            record(&state, &principal, Some(&delivery.account_id), "resend", "delivery", &id, json!({})).await?;
            Ok((StatusCode::ACCEPTED, Json(to_json(&delivery)?)).into_response())
        }
        Resend::InFlight => Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "in_flight",
            message: "an attempt of this delivery is in flight; resend once it has finished".into(),
        }),
        Resend::NotFound => Err(ApiError::not_found("delivery")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RecoverRequest {
    #[serde(default = "default_recover_status")]
    status: String,
    since: Option<i64>,
    until: Option<i64>,
    topic: Option<String>,
    error_class: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

pub(crate) fn default_recover_status() -> String {
    "failed".into()
}

pub(crate) async fn recover(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<RecoverRequest>,
) -> Result<Json<Value>, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    if !["failed", "succeeded"].contains(&request.status.as_str()) {
        return Err(ApiError::bad_request("invalid_option", "`status` is `failed` (the default) or `succeeded`"));
    }
    for (name, value) in [("topic", &request.topic), ("errorClass", &request.error_class)] {
        if let Some(value) = value {
            check_length(name, value, MAX_LABEL_CHARS)?;
        }
    }
    if !request.dry_run && !endpoint.is_active() {
        return Err(endpoint_inactive(&endpoint));
    }
    let filter = RecoverFilter {
        status: request.status,
        since: request.since,
        until: request.until,
        topic: request.topic.map(|topic| find_topic(&topic).map_or(topic.clone(), |info| info.name.to_owned())),
        error_class: request.error_class,
    };
    let plan = state.store.recover(&id, &filter, request.dry_run, state.clock.now_ms()).await?;
    // The endpoint's rate limit paces the resend; without one it goes as fast as the worker and receiver allow.
    let estimated_seconds = (endpoint.rate_limit > 0).then(|| plan.count as f64 / f64::from(endpoint.rate_limit));
    let body = json!({
        "count": plan.count,
        "dryRun": request.dry_run,
        "estimatedSeconds": estimated_seconds,
        "rateLimit": endpoint.rate_limit,
        "burstLimit": endpoint.burst_limit,
        "filter": {
            "status": filter.status, "since": filter.since, "until": filter.until, "topic": filter.topic,
            "errorClass": filter.error_class,
        },
    });
    if !request.dry_run {
        if plan.count > 0 {
            state.wake.notify_one();
        }
        scope.audit(&state, "recover", "endpoint", &id, body.clone()).await?;
    }
    Ok(Json(body))
}

pub(crate) async fn list_audit(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    Ok(Json(to_json(&state.store.audit(&scope.account, cursor.as_ref(), limit).await?)?))
}
