//! `…/endpoints/{id}/secrets`: signing secrets — add, roll, expire, delete; values shown once.

use super::extract::{check_length, EditSecret, JsonBody, MAX_LABEL_CHARS, MIN_FABRIC_SECRET_BYTES};
use super::views::{ErrorBody, List, NewSecretOut, RolledSecretOut, SecretOut};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dropship_webhooks::{generate_secret, Scheme, Webhook, WebhookError};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::delivery::signing::{is_live, live_secrets, secret_set};
use crate::http::error::{ApiError, ErrorCode};
use crate::model::{new_id, SecretRow};

use super::auth::Scope;
use super::endpoints::load_endpoint;
use super::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewSecret {
    value: Option<String>,
    label: Option<String>,
    expires_at: Option<i64>,
}

/// A new `whsec_` secret from 32 bytes of the OS generator.
pub(crate) fn new_signing_secret() -> Result<String, ApiError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| ApiError::internal(&error))?;
    Ok(generate_secret(&random)?)
}

pub(crate) fn check_expiry(expires_at: Option<i64>) -> Result<Option<i64>, ApiError> {
    match expires_at {
        Some(at) if at < 0 => {
            Err(WebhookError::InvalidOption { name: "expiresAt", problem: "it must be unix seconds (0 or more)" }
                .into())
        }
        other => Ok(other),
    }
}

/// A secret row from a request: the value given, or a fresh `whsec_` secret from the OS generator.
pub(crate) fn secret_row(
    endpoint_id: &str,
    scheme: Scheme,
    request: Option<NewSecret>,
    now: i64,
) -> Result<SecretRow, ApiError> {
    let request = request.unwrap_or(NewSecret { value: None, label: None, expires_at: None });
    if let Some(label) = &request.label {
        check_length("label", label, MAX_LABEL_CHARS)?;
    }
    let value = match request.value {
        Some(value) if scheme == Scheme::Fabric && value.len() < MIN_FABRIC_SECRET_BYTES => {
            return Err(ApiError::new(
                ErrorCode::InvalidSecret,
                format!(
                    "a fabric-scheme secret needs at least {MIN_FABRIC_SECRET_BYTES} bytes; leave `value` out to \
                     get a generated one"
                ),
            )
            .on("secret"));
        }
        Some(value) => value,
        None => new_signing_secret()?,
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

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/secrets",
    tag = "secrets",
    summary = "Adds a signing secret (shown once)",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = NewSecret,
    responses(
        (status = 201, description = "Added, with its value", body = NewSecretOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_secret`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn add_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<NewSecret>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    // The cap counts live secrets only: expired ones stay listed until purged.
    let mut secrets = live_secrets(&state.store.secrets(&id).await?, state.clock.now_seconds());
    let secret = secret_row(&id, endpoint.scheme, Some(request), state.clock.now_ms())?;
    secrets.push(secret.clone());
    Webhook::with_scheme(secret_set(&secrets), endpoint.scheme)?;
    state.store.insert_secret(&secret).await?;
    tracing::info!(endpoint = %id, secret = %secret.id, "secret added");
    scope.audit(&state, "rotate", "secret", &secret.id, json!({ "endpointId": id, "label": secret.label })).await?;
    Ok((StatusCode::CREATED, Json(NewSecretOut::from(&secret))).into_response())
}

/// Default overlap of a roll: how long the old secrets keep signing beside the new one.
pub const DEFAULT_ROLL_OVERLAP_SECONDS: i64 = 24 * 3600;
/// Longest overlap of a roll.
pub const MAX_ROLL_OVERLAP_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RollSecret {
    value: Option<String>,
    label: Option<String>,
    overlap_seconds: Option<i64>,
}

/// `POST …/secrets/roll`: one call adds a new secret and gives every secret active now an expiry after the
/// overlap (24 h by default, at most 7 days), the way Stripe's "roll secret" works.
#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/secrets/roll",
    tag = "secrets",
    summary = "Adds a secret and expires the others after an overlap",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = RollSecret,
    responses(
        (status = 201, description = "Rolled", body = RolledSecretOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_secret`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn roll_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<RollSecret>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let overlap = request.overlap_seconds.unwrap_or(DEFAULT_ROLL_OVERLAP_SECONDS);
    if !(0..=MAX_ROLL_OVERLAP_SECONDS).contains(&overlap) {
        return Err(ApiError::new(
            ErrorCode::InvalidOption,
            format!("`overlapSeconds` is from 0 to {MAX_ROLL_OVERLAP_SECONDS} (7 days)"),
        )
        .on("overlapSeconds"));
    }
    let now_seconds = state.clock.now_seconds();
    let new = secret_row(
        &id,
        endpoint.scheme,
        Some(NewSecret { value: request.value, label: request.label, expires_at: None }),
        state.clock.now_ms(),
    )?;
    let mut signing = live_secrets(&state.store.secrets(&id).await?, now_seconds);
    signing.push(new.clone());
    Webhook::with_scheme(secret_set(&signing), endpoint.scheme)?;
    let until = i64::try_from(now_seconds).unwrap_or(i64::MAX).saturating_add(overlap);
    let expiring = state.store.roll_secret(&new, until).await?;
    let detail = json!({ "endpointId": id, "roll": true, "expiring": expiring, "until": until });
    scope.audit(&state, "rotate", "secret", &new.id, detail).await?;
    let body = RolledSecretOut { secret: NewSecretOut::from(&new), expiring, old_secrets_expire_at: until };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE …/secrets/{id}`: removes a secret that has expired (an active one must be expired first).
#[utoipa::path(
    delete,
    path = "/v1/accounts/{account}/endpoints/{id}/secrets/{secret_id}",
    tag = "secrets",
    summary = "Deletes an expired secret",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id"), ("secret_id" = String, Path, description = "The secret's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`secret_active`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn delete_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id, secret_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let secrets = state.store.secrets(&id).await?;
    let secret = secrets.iter().find(|s| s.id == secret_id).ok_or_else(|| ApiError::not_found("secret"))?;
    if is_live(secret, state.clock.now_seconds()) {
        return Err(ApiError::new(
            ErrorCode::SecretActive,
            "only an expired secret can be deleted; give it an expiry first (or roll)",
        ));
    }
    if !state.store.delete_secret(&id, &secret_id).await? {
        return Err(ApiError::not_found("secret"));
    }
    scope.audit(&state, "delete", "secret", &secret_id, json!({ "endpointId": id })).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}/secrets",
    tag = "secrets",
    summary = "An endpoint's secrets, by fingerprint",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The secrets", body = List<SecretOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_secrets(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<List<SecretOut>>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let now = state.clock.now_seconds();
    let secrets = state.store.secrets(&id).await?;
    Ok(Json(List::all(secrets.iter().map(|secret| SecretOut::at(secret, now)).collect())))
}

#[utoipa::path(
    patch,
    path = "/v1/accounts/{account}/endpoints/{id}/secrets/{secret_id}",
    tag = "secrets",
    summary = "Sets or clears a secret's expiry",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id"), ("secret_id" = String, Path, description = "The secret's id")),
    request_body = EditSecret,
    responses(
        (status = 200, description = "Its new expiry", body = SecretOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`last_active_secret`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn edit_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id, secret_id)): Path<(String, String, String)>,
    JsonBody(edit): JsonBody<Value>,
) -> Result<Json<SecretOut>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let Value::Object(fields) = edit else {
        return Err(ApiError::new(ErrorCode::InvalidPayload, "send a JSON object such as {\"expiresAt\": 1767225600}"));
    };
    if fields.contains_key("value") || fields.contains_key("secret") {
        return Err(ApiError::new(
            ErrorCode::InvalidOption,
            "a secret's value cannot be edited; add a new secret and set an expiry on this one",
        )
        .on("value"));
    }
    if let Some(unknown) = fields.keys().find(|key| key.as_str() != "expiresAt") {
        return Err(ApiError::new(
            ErrorCode::InvalidPayload,
            format!("unknown field `{unknown}`; only expiresAt can change"),
        )
        .on(unknown));
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
    // An endpoint always keeps one active secret: whatever this expiry ends, another must still sign after it.
    if let Some(at) = expires_at.and_then(|at| u64::try_from(at).ok()) {
        let secrets = state.store.secrets(&id).await?;
        let after = at.max(state.clock.now_seconds());
        let others_outlive =
            secrets.iter().filter(|secret| secret.id != secret_id).any(|secret| is_live(secret, after));
        if secrets.iter().any(|secret| secret.id == secret_id) && !others_outlive {
            return Err(ApiError::new(
                ErrorCode::LastActiveSecret,
                "this would leave the endpoint without an active secret and every delivery would fail; add a new \
                 secret first, or roll (POST …/secrets/roll)",
            )
            .on("expiresAt"));
        }
    }
    if !state.store.set_secret_expiry(&id, &secret_id, expires_at).await? {
        return Err(ApiError::not_found("secret"));
    }
    let action = if expires_at.is_some() { "expire" } else { "edit" };
    scope.audit(&state, action, "secret", &secret_id, json!({ "endpointId": id, "expiresAt": expires_at })).await?;
    let now = state.clock.now_seconds();
    let secrets = state.store.secrets(&id).await?;
    let secret = secrets.iter().find(|s| s.id == secret_id).ok_or_else(|| ApiError::not_found("secret"))?;
    Ok(Json(SecretOut::at(secret, now)))
}
