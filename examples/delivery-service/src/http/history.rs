//! The history: deliveries, attempts, events and the audit log as lists; resend and recover.

use super::extract::{
    check_length, list_query, page_params, AttemptQuery, DeliveryQuery, EventQuery, JsonBody, ListKind, PageQuery,
    MAX_LABEL_CHARS,
};
use super::views::{
    AttemptDetailOut, AttemptOut, AuditOut, DeliveryDetailOut, DeliveryOut, ErrorBody, EventOut, List,
    RecoverFilterOut, RecoverOut,
};
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use dropship_webhooks::find_topic;
use serde::Deserialize;
use serde_json::json;

use crate::http::error::{ApiError, ErrorCode};
use crate::model::{DeliveryStatus, ErrorClass, Principal};
use crate::store::{ListQuery, RecoverFilter, Resend};

use super::auth::{record, Scope};
use super::endpoints::{endpoint_inactive, load_endpoint};
use super::AppState;

/// A history list's query, of the account or (with `endpoint`) of one of its endpoints (404 if it is not the
/// account's).
async fn scoped_query(
    state: &AppState,
    scope: &Scope,
    endpoint: Option<String>,
    mut query: HashMap<String, String>,
    kind: ListKind,
) -> Result<ListQuery, ApiError> {
    if let Some(id) = endpoint {
        load_endpoint(state, &scope.account, &id).await?;
        query.insert("endpointId".into(), id);
    }
    list_query(&scope.account, &query, kind)
}

async fn deliveries(
    state: &AppState,
    scope: &Scope,
    endpoint: Option<String>,
    query: HashMap<String, String>,
) -> Result<Json<List<DeliveryOut>>, ApiError> {
    let list = scoped_query(state, scope, endpoint, query, ListKind::Deliveries).await?;
    Ok(Json(List::page(state.store.deliveries(&list).await?, DeliveryOut::from)))
}

async fn attempts(
    state: &AppState,
    scope: &Scope,
    endpoint: Option<String>,
    query: HashMap<String, String>,
) -> Result<Json<List<AttemptOut>>, ApiError> {
    let list = scoped_query(state, scope, endpoint, query, ListKind::Attempts).await?;
    Ok(Json(List::page(state.store.attempts(&list).await?, AttemptOut::from)))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/events",
    tag = "history",
    summary = "An account's events",
    params(("account" = String, Path, description = "The account's id"), EventQuery),
    responses(
        (status = 200, description = "A page of events", body = List<EventOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_events(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<EventOut>>, ApiError> {
    let list = scoped_query(&state, &scope, None, query, ListKind::Events).await?;
    Ok(Json(List::page(state.store.events(&list).await?, EventOut::from)))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/deliveries",
    tag = "history",
    summary = "An account's deliveries",
    params(("account" = String, Path, description = "The account's id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = List<DeliveryOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<DeliveryOut>>, ApiError> {
    deliveries(&state, &scope, None, query).await
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/attempts",
    tag = "history",
    summary = "An account's attempts",
    params(("account" = String, Path, description = "The account's id"), AttemptQuery),
    responses(
        (status = 200, description = "A page of attempts", body = List<AttemptOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<AttemptOut>>, ApiError> {
    attempts(&state, &scope, None, query).await
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}/deliveries",
    tag = "history",
    summary = "An endpoint's deliveries",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = List<DeliveryOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_endpoint_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<DeliveryOut>>, ApiError> {
    deliveries(&state, &scope, Some(id), query).await
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}/attempts",
    tag = "history",
    summary = "An endpoint's attempts",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id"), AttemptQuery),
    responses(
        (status = 200, description = "A page of attempts", body = List<AttemptOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_endpoint_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<AttemptOut>>, ApiError> {
    attempts(&state, &scope, Some(id), query).await
}

#[utoipa::path(
    get,
    path = "/v1/deliveries/{id}",
    tag = "history",
    summary = "One delivery with its attempts",
    params(("id" = String, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "The delivery", body = DeliveryDetailOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_delivery(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<DeliveryDetailOut>, ApiError> {
    let delivery = state
        .store
        .delivery(principal.account_id.as_deref(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    let attempts = state.store.attempts_of(&id).await?;
    Ok(Json(DeliveryOut::from(delivery).with_attempts(attempts.into_iter().map(AttemptOut::from).collect())))
}

#[utoipa::path(
    get,
    path = "/v1/attempts/{id}",
    tag = "history",
    summary = "One attempt: what was sent and what came back",
    params(("id" = String, Path, description = "The attempt's id")),
    responses(
        (status = 200, description = "The attempt", body = AttemptDetailOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_attempt(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<AttemptDetailOut>, ApiError> {
    let attempt = state
        .store
        .attempt(principal.account_id.as_deref(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("attempt"))?;
    Ok(Json(attempt.into()))
}

#[utoipa::path(
    post,
    path = "/v1/deliveries/{id}/resend",
    tag = "history",
    summary = "Resends one delivery (one attempt now)",
    params(("id" = String, Path, description = "The delivery's id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`endpoint_inactive`, `in_flight`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
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
            Ok((StatusCode::ACCEPTED, Json(DeliveryOut::from(*delivery))).into_response())
        }
        Resend::InFlight => Err(ApiError::new(
            ErrorCode::InFlight,
            "an attempt of this delivery is in flight; resend once it has finished",
        )),
        Resend::NotFound => Err(ApiError::not_found("delivery")),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
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

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/recover",
    tag = "history",
    summary = "Sends an endpoint's failed (or succeeded) deliveries again; a dry run counts them",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = RecoverRequest,
    responses(
        (status = 200, description = "What was (or would be) sent again", body = RecoverOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`endpoint_inactive`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn recover(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<RecoverRequest>,
) -> Result<Json<RecoverOut>, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    if ![DeliveryStatus::Failed, DeliveryStatus::Succeeded].map(DeliveryStatus::name).contains(&request.status.as_str())
    {
        return Err(
            ApiError::new(ErrorCode::InvalidOption, "`status` is `failed` (the default) or `succeeded`").on("status")
        );
    }
    if let Some(topic) = &request.topic {
        check_length("topic", topic, MAX_LABEL_CHARS)?;
    }
    if request.error_class.as_deref().is_some_and(|class| ErrorClass::from_name(class).is_none()) {
        let classes: Vec<&str> = ErrorClass::ALL.iter().map(|class| class.name()).collect();
        return Err(ApiError::new(ErrorCode::InvalidOption, format!("`errorClass` is one of {}", classes.join(", ")))
            .on("errorClass"));
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
    let body = RecoverOut {
        count: plan.count,
        dry_run: request.dry_run,
        estimated_seconds,
        rate_limit: endpoint.rate_limit,
        burst_limit: endpoint.burst_limit,
        filter: RecoverFilterOut {
            status: filter.status,
            since: filter.since,
            until: filter.until,
            topic: filter.topic,
            error_class: filter.error_class,
        },
    };
    if !request.dry_run {
        if plan.count > 0 {
            state.wake.notify_one();
        }
        let detail = serde_json::to_value(&body).map_err(|error| ApiError::internal(&error))?;
        scope.audit(&state, "recover", "endpoint", &id, detail).await?;
    }
    Ok(Json(body))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/audit",
    tag = "history",
    summary = "An account's audit log",
    params(("account" = String, Path, description = "The account's id"), PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = List<AuditOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_audit(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<AuditOut>>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    Ok(Json(List::page(state.store.audit(&scope.account, cursor.as_ref(), limit).await?, AuditOut::from)))
}
