//! `…/operational-webhook` and `…/operational-events`: where an account hears of its endpoints' trouble.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::http::error::ApiError;

use super::auth::Scope;
use super::extract::{page_params, JsonBody};
use super::secrets::new_signing_secret;
use super::views::{List, NoticeOut, OperationalWebhookOut, OperationalWebhookSetOut};
use super::AppState;

/// `PUT …/operational-webhook`: where the account's notices go; a secret is made when none is given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OperationalWebhook {
    url: String,
    secret: Option<String>,
}

/// Sets the account's operational webhook (its URL checked as an endpoint's is); the secret is shown only here.
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

pub(crate) async fn get_operational_webhook(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<OperationalWebhookOut>, ApiError> {
    let row = state.store.operational_webhook(&scope.account).await?;
    row.map(|row| Json(OperationalWebhookOut::from(&row))).ok_or_else(|| ApiError::not_found("operational webhook"))
}

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
pub(crate) async fn list_operational_events(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<NoticeOut>>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.notices(&scope.account, cursor.as_ref(), limit).await?;
    Ok(Json(List::page(page, NoticeOut::from)))
}
