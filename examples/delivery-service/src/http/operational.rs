//! `…/operational-webhook` and `…/operational-events`: where an account hears of its endpoints' trouble.

use super::extract::{page_params, JsonBody, PageQuery};
use super::views::{ErrorBody, List, NoticeOut, OperationalWebhookOut, OperationalWebhookSetOut};
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::http::error::ApiError;

use super::auth::Scope;
use super::secrets::new_signing_secret;
use super::AppState;

/// `PUT …/operational-webhook`: where the account's notices go; a secret is made when none is given.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OperationalWebhook {
    url: String,
    secret: Option<String>,
}

/// Sets the account's operational webhook (its URL checked as an endpoint's is); the secret is shown only here.
#[utoipa::path(
    put,
    path = "/v1/accounts/{account}/operational-webhook",
    tag = "operational",
    summary = "Sets the account's operational webhook (its secret shown once)",
    params(("account" = String, Path, description = "The account's id")),
    request_body = OperationalWebhook,
    responses(
        (status = 200, description = "Set", body = OperationalWebhookSetOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_endpoint`, `invalid_secret`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn set_operational_webhook(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(request): JsonBody<OperationalWebhook>,
) -> Result<Response, ApiError> {
    let secret = match request.secret {
        Some(secret) => secret,
        None => new_signing_secret()?,
    };
    let url = crate::delivery::operational::validate_destination(&request.url, &secret, state.rules)?;
    let row = state.store.set_operational_webhook(&scope.account, &url, &secret, state.clock.now_ms()).await?;
    let webhook = OperationalWebhookOut::from(&row);
    let detail = serde_json::to_value(&webhook).map_err(|error| ApiError::internal(&error))?;
    scope.audit(&state, "set", "operational_webhook", &scope.account, detail).await?;
    Ok((StatusCode::OK, Json(OperationalWebhookSetOut { webhook, secret })).into_response())
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/operational-webhook",
    tag = "operational",
    summary = "The account's operational webhook",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The destination", body = OperationalWebhookOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_operational_webhook(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<OperationalWebhookOut>, ApiError> {
    let row = state.store.operational_webhook(&scope.account).await?;
    row.map(|row| Json(OperationalWebhookOut::from(&row))).ok_or_else(|| ApiError::not_found("operational webhook"))
}

#[utoipa::path(
    delete,
    path = "/v1/accounts/{account}/operational-webhook",
    tag = "operational",
    summary = "Removes the account's operational webhook",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_operational_webhook(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<StatusCode, ApiError> {
    if !state.store.delete_operational_webhook(&scope.account).await? {
        return Err(ApiError::not_found("operational webhook"));
    }
    scope.audit(&state, "delete", "operational_webhook", &scope.account, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's latest notices (both destinations), newest first, with their delivery status.
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/operational-events",
    tag = "operational",
    summary = "The account's operational notices, newest first",
    params(("account" = String, Path, description = "The account's id"), PageQuery),
    responses(
        (status = 200, description = "A page of notices", body = List<NoticeOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_operational_events(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<NoticeOut>>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.notices(&scope.account, cursor.as_ref(), limit).await?;
    Ok(Json(List::page(page, NoticeOut::from)))
}
