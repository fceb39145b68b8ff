//! API keys: admin keys (`/v1/keys`) and account keys (`/v1/accounts/{account}/keys`), managed with the admin key.

use super::views::{CreatedKeyOut, ErrorBody, KeyOut, List};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::http::error::{ApiError, ErrorCode};
use crate::model::{new_id, KeyRow, Principal};

use super::auth::{hash_api_key, record, Scope};
use super::AppState;

/// Keys are managed with the admin key only: an account key that could mint keys would outlive its own
/// revocation (a leaked key would make itself a successor first).
pub(crate) fn admin_manages_keys(scope: &Scope) -> Result<(), ApiError> {
    if scope.principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("managing API keys"))
    }
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/keys",
    tag = "keys",
    summary = "Makes an account key (admin key); the key is shown once",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 201, description = "The key, shown once", body = CreatedKeyOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_key(State(state): State<AppState>, scope: Scope) -> Result<Response, ApiError> {
    admin_manages_keys(&scope)?;
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| ApiError::internal(&error))?;
    let key = format!("dwk_{}", hex::encode(random));
    let row = KeyRow {
        id: new_id("key"),
        account_id: Some(scope.account.clone()),
        prefix: key[..12].to_owned(),
        created_at: state.clock.now_ms(),
        revoked_at: None,
    };
    state.store.insert_key(&row, &hex::encode(hash_api_key(&key))).await?;
    scope.audit(&state, "create", "key", &row.id, json!({ "prefix": row.prefix })).await?;
    // Shown once: only its hash is kept.
    Ok((StatusCode::CREATED, Json(CreatedKeyOut { listed: row.into(), key })).into_response())
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/keys",
    tag = "keys",
    summary = "An account's keys, by prefix (admin key)",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The keys", body = List<KeyOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_keys(State(state): State<AppState>, scope: Scope) -> Result<Json<List<KeyOut>>, ApiError> {
    admin_manages_keys(&scope)?;
    let keys = state.store.keys(&scope.account).await?;
    Ok(Json(List::all(keys.into_iter().map(KeyOut::from).collect())))
}

#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "keys",
    summary = "The admin keys (admin key)",
    responses(
        (status = 200, description = "Admin keys, valid and revoked", body = List<KeyOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_admin_keys(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<List<KeyOut>>, ApiError> {
    if !principal.is_admin() {
        return Err(ApiError::forbidden("listing admin keys"));
    }
    Ok(Json(List::all(state.store.admin_keys().await?.into_iter().map(KeyOut::from).collect())))
}

/// `DELETE /v1/keys/{id}` (admin key): revokes any key, admin or account; the last admin key stays.
#[utoipa::path(
    delete,
    path = "/v1/keys/{key_id}",
    tag = "keys",
    summary = "Revokes any key, admin or account (admin key); its console sessions and links end",
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`last_admin_key`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn revoke_any_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(key_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !principal.is_admin() {
        return Err(ApiError::forbidden("revoking a key outside an account"));
    }
    let admins = state.store.admin_keys().await?;
    let live_admins: Vec<&KeyRow> = admins.iter().filter(|key| key.revoked_at.is_none()).collect();
    if live_admins.len() == 1 && live_admins[0].id == key_id {
        return Err(ApiError::new(
            ErrorCode::LastAdminKey,
            "this is the last admin key; start the service with a new one (--api-key-file) first",
        ));
    }
    let revoked = state.store.revoke_key_anywhere(&key_id, state.clock.now_ms()).await?;
    state.lookups.forget();
    let Some(account) = revoked else {
        return Err(ApiError::not_found("key"));
    };
    state.store.end_console_access_of_key(&key_id).await?;
    record(&state, &principal, account.as_deref(), "revoke", "key", &key_id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/v1/accounts/{account}/keys/{key_id}",
    tag = "keys",
    summary = "Revokes an account key (admin key)",
    params(("account" = String, Path, description = "The account's id"), ("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    admin_manages_keys(&scope)?;
    let revoked = state.store.revoke_key(&scope.account, &key_id, state.clock.now_ms()).await?;
    state.lookups.forget();
    if !revoked {
        return Err(ApiError::not_found("key"));
    }
    // The console sessions and links that stood on it end too (they are also checked on every console request).
    state.store.end_console_access_of_key(&key_id).await?;
    scope.audit(&state, "revoke", "key", &key_id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
