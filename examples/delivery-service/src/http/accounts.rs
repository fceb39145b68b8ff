//! `/v1/accounts`: accounts (admin key to make and delete them).

use super::extract::{check_length, page_params, JsonBody, PageQuery, MAX_ACCOUNT_NAME_CHARS};
use super::views::{AccountOut, ErrorBody, List};
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use crate::http::error::{ApiError, ErrorCode};
use crate::model::{AccountRow, Principal};

use super::auth::{record, Scope};
use super::AppState;

/// Longest account id.
pub(crate) const MAX_ACCOUNT_ID: usize = 128;

pub(crate) fn check_account_id(id: &str) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.len() <= MAX_ACCOUNT_ID
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte));
    if fine {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidAccount,
            format!("an account id is 1 to {MAX_ACCOUNT_ID} of A-Z a-z 0-9 - _ . ~ (e.g. your own retailer id)"),
        )
        .on("id"))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateAccount {
    id: String,
    #[serde(default)]
    name: String,
}

#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "accounts",
    summary = "Creates an account (admin key)",
    request_body = CreateAccount,
    responses(
        (status = 201, description = "Created", body = AccountOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_account`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`account_exists`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_account(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonBody(request): JsonBody<CreateAccount>,
) -> Result<Response, ApiError> {
    if !principal.is_admin() {
        return Err(ApiError::forbidden("creating an account"));
    }
    check_account_id(&request.id)?;
    check_length("name", &request.name, MAX_ACCOUNT_NAME_CHARS)?;
    let now = state.clock.now_ms();
    let name = if request.name.is_empty() { request.id.clone() } else { request.name };
    let account = AccountRow { id: request.id, name, created_at: now, updated_at: now, look: None };
    if !state.store.create_account(&account).await? {
        return Err(
            ApiError::new(ErrorCode::AccountExists, format!("the account `{}` already exists", account.id)).on("id")
        );
    }
    record(&state, &principal, Some(&account.id), "create", "account", &account.id, json!({ "name": account.name }))
        .await?;
    Ok((StatusCode::CREATED, Json(AccountOut::with(account, None))).into_response())
}

#[utoipa::path(
    get,
    path = "/v1/accounts",
    tag = "accounts",
    summary = "Lists accounts (an account key sees its own)",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of accounts", body = List<AccountOut>),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<List<AccountOut>>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.accounts(principal.account_id.as_deref(), cursor.as_ref(), limit).await?;
    let ids: Vec<&str> = page.data.iter().map(|account| account.id.as_str()).collect();
    let summaries = state.store.endpoint_summaries(&ids).await?;
    Ok(Json(List::page(page, |account| {
        let summary = summaries.get(&account.id).copied();
        AccountOut::with(account, summary)
    })))
}

#[utoipa::path(
    get,
    path = "/v1/accounts/{account}",
    tag = "accounts",
    summary = "One account",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = AccountOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_account(State(state): State<AppState>, scope: Scope) -> Result<Json<AccountOut>, ApiError> {
    let account = state.store.account(&scope.account).await?.ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(with_summary(&state, account).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditAccount {
    /// A new name.
    name: Option<String>,
    /// The account's own console look (brand name, logo, accent, font); `null` goes back to the service's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::console::AccountLook>)]
    look: Option<Option<crate::console::AccountLook>>,
}

/// A field given, even as `null` (`Some(None)`), apart from one left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[utoipa::path(
    patch,
    path = "/v1/accounts/{account}",
    tag = "accounts",
    summary = "Renames an account",
    params(("account" = String, Path, description = "The account's id")),
    request_body = EditAccount,
    responses(
        (status = 200, description = "Renamed", body = AccountOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn edit_account(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(edit): JsonBody<EditAccount>,
) -> Result<Json<AccountOut>, ApiError> {
    if edit.name.is_none() && edit.look.is_none() {
        return Err(ApiError::new(ErrorCode::InvalidPayload, "send `name`, `look` or both"));
    }
    let now = state.clock.now_ms();
    let mut account = state.store.account(&scope.account).await?.ok_or_else(|| ApiError::not_found("account"))?;
    // Both checked before either is written.
    if let Some(name) = &edit.name {
        check_length("name", name, MAX_ACCOUNT_NAME_CHARS)?;
    }
    if let Some(Some(look)) = &edit.look {
        crate::console::ConsoleLook::check_account(look)
            .map_err(|problem| ApiError::new(ErrorCode::InvalidOption, problem).on("look"))?;
    }
    if let Some(name) = &edit.name {
        account = state
            .store
            .rename_account(&scope.account, name, now)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
    }
    if let Some(look) = &edit.look {
        let text = look.as_ref().map(serde_json::to_string).transpose().map_err(|error| ApiError::internal(&error))?;
        account = state
            .store
            .set_account_look(&scope.account, text.as_deref(), now)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
    }
    scope.audit(&state, "edit", "account", &scope.account, json!({ "name": edit.name, "look": edit.look })).await?;
    Ok(Json(with_summary(&state, account).await?))
}

/// One account with its endpoints' summary.
async fn with_summary(state: &AppState, account: crate::model::AccountRow) -> Result<AccountOut, ApiError> {
    let summary = state.store.endpoint_summaries(&[account.id.as_str()]).await?.get(&account.id).copied();
    Ok(AccountOut::with(account, summary))
}

#[utoipa::path(
    delete,
    path = "/v1/accounts/{account}",
    tag = "accounts",
    summary = "Deletes an account and everything of it (admin key)",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Deleted"),
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
pub(crate) async fn delete_account(State(state): State<AppState>, scope: Scope) -> Result<StatusCode, ApiError> {
    if !scope.principal.is_admin() {
        return Err(ApiError::forbidden("deleting an account"));
    }
    let deleted = state.store.delete_account(&scope.account).await?;
    state.lookups.forget();
    if !deleted {
        return Err(ApiError::not_found("account"));
    }
    // The account's own log went with it; the deletion is recorded outside any account.
    record(&state, &scope.principal, None, "delete", "account", &scope.account, json!({})).await?;
    tracing::info!(account = %scope.account, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}
