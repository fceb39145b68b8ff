//! The JSON API. Every route but `/healthz` needs `Authorization: Bearer <key>`; keys are stored as SHA-256
//! hashes. An admin key (`--api-key`) reaches every account; an account key (`POST /v1/accounts/{account}/keys`)
//! reaches its own account only, and anything of another account answers 404 to it, exactly as something that
//! does not exist — no existence leaks. Validation is the core's, so a bad configuration gets the same error code
//! a receiver's SDK would give (`invalid_endpoint`, `invalid_secret`, `invalid_payload`, …).
//!
//! Times are unix milliseconds (`createdAt`, `startedAt`, `nextAttemptAt`), except a secret's `expiresAt` and a
//! health streak's `failingSince`, which are unix seconds like the SDKs' `expiresAt`. Lists answer
//! `{"data": [...], "nextCursor": …}`; pass `cursor` back for the next page.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use dropship_webhooks::endpoint::{DeliveryMethod, EndpointOptions, EndpointRules, Limit};
use dropship_webhooks::samples::sample_event_json;
use dropship_webhooks::standard::check_signing_id;
use dropship_webhooks::time::rfc3339_ms;
use dropship_webhooks::{canonical_event_json, find_topic, generate_secret, Scheme, Webhook, WebhookError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::error::ApiError;
use crate::model::{
    new_id, AccountRow, AuditEntry, EndpointRow, EndpointUpdate, KeyRow, NewEvent, Principal, SecretRow,
};
use crate::net::{check_as_sent, AddressPolicy};
use crate::signing::{fingerprint_of, is_live, live_secrets, secret_set};
use crate::store::operational::{OperationalWebhookRow, NOTICE_TYPES};
use crate::store::{Cursor, ListQuery, RecoverFilter, Resend, Store};

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
    /// Turns true at shutdown: live streams end.
    pub shutdown: watch::Receiver<bool>,
    /// Keys and accounts looked up lately.
    pub lookups: Arc<Lookups>,
    /// Where people reach the service (`--public-url`): console links are made under it.
    pub public_url: Option<String>,
    /// The live streams open now.
    pub streams: Arc<crate::stream::Streams>,
    /// Live streams' caps and lifetime.
    pub stream_limits: crate::stream::StreamLimits,
}

/// How long a key's or an account's lookup is reused. A key revoked or an account deleted through this process is
/// forgotten at once; through another process sharing the database, within this long.
pub const LOOKUP_TTL: Duration = Duration::from_secs(2);

/// Lookups every request makes (its key, its account), kept for [`LOOKUP_TTL`]: at 1,000 events per second they
/// were two database round trips of four per request.
#[derive(Default)]
pub struct Lookups {
    keys: std::sync::Mutex<HashMap<String, (std::time::Instant, Option<Principal>)>>,
    accounts: std::sync::Mutex<HashMap<String, std::time::Instant>>,
}

/// Entries kept at most; past it a table starts over.
const MAX_LOOKUPS: usize = 10_000;

impl Lookups {
    fn key(&self, hash: &str) -> Option<Option<Principal>> {
        let keys = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.get(hash).filter(|(at, _)| at.elapsed() < LOOKUP_TTL).map(|(_, principal)| principal.clone())
    }

    fn remember_key(&self, hash: String, principal: Option<Principal>) {
        let mut keys = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if keys.len() >= MAX_LOOKUPS {
            keys.clear();
        }
        keys.insert(hash, (std::time::Instant::now(), principal));
    }

    fn account_known(&self, account: &str) -> bool {
        let accounts = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.get(account).is_some_and(|at| at.elapsed() < LOOKUP_TTL)
    }

    fn remember_account(&self, account: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if accounts.len() >= MAX_LOOKUPS {
            accounts.clear();
        }
        accounts.insert(account.to_owned(), std::time::Instant::now());
    }

    /// After a revocation or a deletion here: nothing remembered is reused.
    fn forget(&self) {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// SHA-256 of an API key, as stored.
pub fn hash_api_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    let account = "/v1/accounts/{account}";
    let endpoint = format!("{account}/endpoints/{{id}}");
    let api = Router::new()
        .route("/v1/topics", get(topics))
        .route("/v1/keys", get(list_admin_keys))
        .route("/v1/keys/{key_id}", axum::routing::delete(revoke_any_key))
        .route("/v1/accounts", post(create_account).get(list_accounts))
        .route(account, get(get_account).patch(edit_account).delete(delete_account))
        .route(&format!("{account}/keys"), post(create_key).get(list_keys))
        .route(&format!("{account}/keys/{{key_id}}"), axum::routing::delete(revoke_key))
        .route(&format!("{account}/endpoints"), post(create_endpoint).get(list_endpoints))
        .route(&endpoint, get(get_endpoint).patch(edit_endpoint).delete(delete_endpoint))
        .route(&format!("{endpoint}/activate"), post(activate))
        .route(&format!("{endpoint}/deactivate"), post(deactivate))
        .route(&format!("{endpoint}/health"), get(health))
        .route(&format!("{endpoint}/secrets"), post(add_secret).get(list_secrets))
        .route(&format!("{endpoint}/secrets/roll"), post(roll_secret))
        .route(&format!("{endpoint}/secrets/{{secret_id}}"), axum::routing::patch(edit_secret).delete(delete_secret))
        .route(&format!("{endpoint}/test"), post(send_test))
        .route(&format!("{endpoint}/deliveries"), get(list_endpoint_deliveries))
        .route(&format!("{endpoint}/attempts"), get(list_endpoint_attempts))
        .route(&format!("{endpoint}/recover"), post(recover))
        .route(&format!("{account}/events"), post(create_event).get(list_events))
        .route(&format!("{account}/deliveries"), get(list_deliveries))
        .route(&format!("{account}/attempts"), get(list_attempts))
        .route(&format!("{account}/audit"), get(list_audit))
        .route(
            &format!("{account}/operational-webhook"),
            axum::routing::put(set_operational_webhook).get(get_operational_webhook).delete(delete_operational_webhook),
        )
        .route(&format!("{account}/operational-events"), get(list_operational_events))
        .route(&format!("{account}/console-links"), post(crate::console::create_link))
        .route(&format!("{account}/stream"), get(crate::stream::stream))
        .route("/v1/deliveries/{id}", get(get_delivery))
        .route("/v1/deliveries/{id}/resend", post(resend))
        .route("/v1/attempts/{id}", get(get_attempt))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state.clone());
    // The console acts through the same routes, in process.
    let console = crate::console::routes(state, api.clone());
    Router::new()
        .route("/healthz", get(|| async { Json(json!({ "ok": true })) }))
        .merge(console)
        .merge(api)
        .layer(axum::middleware::from_fn(refuse_control_characters))
}

/// No path or query carries a control character once percent-decoded (U+0000 above all, which Postgres refuses
/// in any text it compares): 400 `invalid_option` before any route, so no filter or id can reach the database
/// with one.
async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let path_has = percent_decoded(uri.path().as_bytes()).any(|byte| byte < 0x20 || byte == 0x7f);
    let query_has = uri.query().is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    });
    if path_has || query_has {
        return ApiError::bad_request(
            "invalid_option",
            "the path or a query parameter holds a control character (such as %00); none belongs in an id or filter",
        )
        .into_response();
    }
    next.run(request).await
}

/// Bytes with `%XX` escapes decoded (a `%` not followed by two hex digits stays as it is).
fn percent_decoded(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut index = 0;
    std::iter::from_fn(move || {
        let byte = *bytes.get(index)?;
        let hex = |at: usize| bytes.get(at).and_then(|digit| char::from(*digit).to_digit(16));
        if byte == b'%' {
            if let (Some(high), Some(low)) = (hex(index + 1), hex(index + 2)) {
                index += 3;
                return u8::try_from(high * 16 + low).ok();
            }
        }
        index += 1;
        Some(byte)
    })
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is case-insensitive (RFC 9110 §11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

/// Resolves the bearer key to its [`Principal`] (kept in the request's extensions), or answers 401.
/// A caller inside this process (the console, acting for its session): set as a request extension, which no
/// client can send, it stands for an authenticated key.
#[derive(Debug, Clone)]
pub struct InternalCaller(pub Principal);

async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(InternalCaller(principal)) = request.extensions().get::<InternalCaller>().cloned() {
        request.extensions_mut().insert(principal);
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .map(|key| hex::encode(hash_api_key(key)));
    let Some(presented) = presented else { return ApiError::unauthorized().into_response() };
    // Looked up by its SHA-256: what the lookup's timing could tell is about the hash, not the key.
    let principal = match state.lookups.key(&presented) {
        Some(known) => known,
        None => match state.store.principal(&presented).await {
            Ok(found) => {
                state.lookups.remember_key(presented, found.clone());
                found
            }
            Err(error) => return ApiError::from(error).into_response(),
        },
    };
    match principal {
        Some(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        None => ApiError::unauthorized().into_response(),
    }
}

/// The account a request acts in (the path's `{account}`) and who acts. Extracting it answers 404 when the
/// account does not exist or the key may not reach it — the same answer, so an account key learns nothing.
pub struct Scope {
    /// The account's id.
    pub account: String,
    /// The caller.
    pub principal: Principal,
}

impl FromRequestParts<AppState> for Scope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = parts.extensions.get::<Principal>().cloned().ok_or_else(ApiError::unauthorized)?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("account"))?;
        let account = params.get("account").cloned().ok_or_else(|| ApiError::not_found("account"))?;
        if !principal.may_reach(&account) {
            return Err(ApiError::not_found("account"));
        }
        if !state.lookups.account_known(&account) {
            if state.store.account(&account).await?.is_none() {
                return Err(ApiError::not_found("account"));
            }
            state.lookups.remember_account(&account);
        }
        Ok(Self { account, principal })
    }
}

impl Scope {
    /// Records an action on something of this account in the audit log.
    async fn audit(
        &self,
        state: &AppState,
        action: &str,
        kind: &str,
        target: &str,
        detail: Value,
    ) -> Result<(), ApiError> {
        record(state, &self.principal, Some(&self.account), action, kind, target, detail).await
    }
}

#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    principal: &Principal,
    account: Option<&str>,
    action: &str,
    kind: &str,
    target: &str,
    detail: Value,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        id: new_id("aud"),
        account_id: account.map(str::to_owned),
        actor: principal.actor(),
        action: action.to_owned(),
        target_kind: kind.to_owned(),
        target_id: target.to_owned(),
        detail,
        created_at: state.clock.now_ms(),
    };
    Ok(state.store.record_audit(&entry).await?)
}

fn forbidden(what: &str) -> ApiError {
    ApiError { status: StatusCode::FORBIDDEN, code: "forbidden", message: format!("{what} needs the admin key") }
}

/// A JSON request body whose errors carry the core's codes: `invalid_json` for syntax, `invalid_payload` for shape.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // The server read the body already, within its time and size limits (`crate::server`).
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "payload_too_large",
                    message: "the request body is over the API's limit (2 MB)".into(),
                }
            } else {
                ApiError::bad_request("invalid_json", rejection.body_text())
            }
        })?;
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
        "accountId": endpoint.account_id,
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
        "disabledReason": endpoint.disabled_reason,
        "slowedUntil": endpoint.slowed_until,
        "createdAt": endpoint.created_at,
        "updatedAt": endpoint.updated_at,
    })
}

fn secret_json(secret: &SecretRow, now_seconds: u64) -> Value {
    json!({
        "id": secret.id,
        "label": secret.label,
        "expiresAt": secret.expires_at,
        "active": is_live(secret, now_seconds),
        // Tells secrets apart and matches the one a receiver holds; nothing of the value.
        "fingerprint": fingerprint_of(&secret.value),
        "createdAt": secret.created_at,
    })
}

/// A new secret as answered once, with its value.
fn new_secret_json(secret: &SecretRow) -> Value {
    json!({
        "id": secret.id, "value": secret.value, "label": secret.label, "expiresAt": secret.expires_at,
        "fingerprint": fingerprint_of(&secret.value), "createdAt": secret.created_at,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|error| ApiError::internal(&error))
}

async fn topics() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], dropship_webhooks::topics::catalog_json()).into_response()
}

// ---- accounts and keys ----

/// Longest account id.
const MAX_ACCOUNT_ID: usize = 128;

fn check_account_id(id: &str) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.len() <= MAX_ACCOUNT_ID
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte));
    if fine {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_account",
            format!("an account id is 1 to {MAX_ACCOUNT_ID} of A-Z a-z 0-9 - _ . ~ (e.g. your own retailer id)"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateAccount {
    id: String,
    #[serde(default)]
    name: String,
}

async fn create_account(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    JsonBody(request): JsonBody<CreateAccount>,
) -> Result<Response, ApiError> {
    if !principal.is_admin() {
        return Err(forbidden("creating an account"));
    }
    check_account_id(&request.id)?;
    check_length("name", &request.name, MAX_ACCOUNT_NAME_CHARS)?;
    let now = state.clock.now_ms();
    let name = if request.name.is_empty() { request.id.clone() } else { request.name };
    let account = AccountRow { id: request.id, name, created_at: now, updated_at: now };
    if !state.store.create_account(&account).await? {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "account_exists",
            message: format!("the account `{}` already exists", account.id),
        });
    }
    record(&state, &principal, Some(&account.id), "create", "account", &account.id, json!({ "name": account.name }))
        .await?;
    Ok((StatusCode::CREATED, Json(to_json(&account)?)).into_response())
}

async fn list_accounts(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.accounts(principal.account_id.as_deref(), cursor.as_ref(), limit).await?;
    Ok(Json(to_json(&page)?))
}

async fn get_account(State(state): State<AppState>, scope: Scope) -> Result<Json<Value>, ApiError> {
    let account = state.store.account(&scope.account).await?.ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(to_json(&account)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditAccount {
    name: String,
}

async fn edit_account(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(edit): JsonBody<EditAccount>,
) -> Result<Json<Value>, ApiError> {
    check_length("name", &edit.name, MAX_ACCOUNT_NAME_CHARS)?;
    let account = state
        .store
        .rename_account(&scope.account, &edit.name, state.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    scope.audit(&state, "edit", "account", &scope.account, json!({ "name": edit.name })).await?;
    Ok(Json(to_json(&account)?))
}

async fn delete_account(State(state): State<AppState>, scope: Scope) -> Result<StatusCode, ApiError> {
    if !scope.principal.is_admin() {
        return Err(forbidden("deleting an account"));
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

/// Keys are managed with the admin key only: an account key that could mint keys would outlive its own
/// revocation (a leaked key would make itself a successor first).
fn admin_manages_keys(scope: &Scope) -> Result<(), ApiError> {
    if scope.principal.is_admin() {
        Ok(())
    } else {
        Err(forbidden("managing API keys"))
    }
}

async fn create_key(State(state): State<AppState>, scope: Scope) -> Result<Response, ApiError> {
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
    let mut body = to_json(&row)?;
    // Shown once: only its hash is kept.
    body["key"] = json!(key);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn list_keys(State(state): State<AppState>, scope: Scope) -> Result<Json<Value>, ApiError> {
    admin_manages_keys(&scope)?;
    let keys = state.store.keys(&scope.account).await?;
    Ok(Json(json!({ "data": keys, "nextCursor": null })))
}

async fn list_admin_keys(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Value>, ApiError> {
    if !principal.is_admin() {
        return Err(forbidden("listing admin keys"));
    }
    Ok(Json(json!({ "data": state.store.admin_keys().await?, "nextCursor": null })))
}

/// `DELETE /v1/keys/{id}` (admin key): revokes any key, admin or account; the last admin key stays.
async fn revoke_any_key(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(key_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !principal.is_admin() {
        return Err(forbidden("revoking a key outside an account"));
    }
    let admins = state.store.admin_keys().await?;
    let live_admins: Vec<&KeyRow> = admins.iter().filter(|key| key.revoked_at.is_none()).collect();
    if live_admins.len() == 1 && live_admins[0].id == key_id {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "last_admin_key",
            message: "this is the last admin key; start the service with a new one (--api-key-file) first".into(),
        });
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

async fn revoke_key(
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

// ---- endpoints and secrets ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSecret {
    value: Option<String>,
    label: Option<String>,
    expires_at: Option<i64>,
}

/// `PUT …/operational-webhook`: where the account's notices go; a secret is made when none is given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OperationalWebhook {
    url: String,
    secret: Option<String>,
}

/// A new `whsec_` secret from 32 bytes of the OS generator.
fn new_signing_secret() -> Result<String, ApiError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| ApiError::internal(&error))?;
    Ok(generate_secret(&random)?)
}

fn operational_webhook_json(row: &OperationalWebhookRow) -> Value {
    json!({
        "url": row.url,
        "fingerprint": fingerprint_of(&row.secret),
        "types": NOTICE_TYPES,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    })
}

/// Sets the account's operational webhook (its URL checked as an endpoint's is); the secret is shown only here.
async fn set_operational_webhook(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(request): JsonBody<OperationalWebhook>,
) -> Result<Response, ApiError> {
    let secret = match request.secret {
        Some(secret) => secret,
        None => new_signing_secret()?,
    };
    let url = crate::operational::validate_destination(&request.url, &secret, state.rules)?;
    let row = state.store.set_operational_webhook(&scope.account, &url, &secret, state.clock.now_ms()).await?;
    let body = operational_webhook_json(&row);
    scope.audit(&state, "set", "operational_webhook", &scope.account, body.clone()).await?;
    let mut answer = body;
    answer["secret"] = Value::from(secret);
    Ok((StatusCode::OK, Json(answer)).into_response())
}

async fn get_operational_webhook(State(state): State<AppState>, scope: Scope) -> Result<Json<Value>, ApiError> {
    let row = state.store.operational_webhook(&scope.account).await?;
    row.map(|row| Json(operational_webhook_json(&row))).ok_or_else(|| ApiError::not_found("operational webhook"))
}

async fn delete_operational_webhook(State(state): State<AppState>, scope: Scope) -> Result<StatusCode, ApiError> {
    if !state.store.delete_operational_webhook(&scope.account).await? {
        return Err(ApiError::not_found("operational webhook"));
    }
    scope.audit(&state, "delete", "operational_webhook", &scope.account, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's latest notices (both destinations), newest first, with their delivery status.
async fn list_operational_events(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let limit =
        match query.get("limit") {
            Some(text) => text.parse::<i64>().ok().filter(|limit| (1..=500).contains(limit)).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "`limit` must be a whole number from 1 to 500")
            })?,
            None => 50,
        };
    let notices = state.store.notices(&scope.account, limit).await?;
    let data: Vec<Value> = notices
        .iter()
        .map(|notice| {
            let mut value = to_json(notice)?;
            value["body"] = serde_json::from_str(&notice.body).unwrap_or(Value::Null);
            Ok(value)
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(json!({ "data": data })))
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

/// Shortest fabric-scheme secret the service accepts (the scheme's keys are the raw bytes, so a short one is a
/// guessable one).
pub const MIN_FABRIC_SECRET_BYTES: usize = 24;
/// Longest secret label.
pub const MAX_LABEL_CHARS: usize = 200;
/// Longest endpoint description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Longest account name.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 200;

/// A text field as people write it: at most `most` characters, and no control characters (U+0000 above all,
/// which Postgres refuses; none belongs in a name, a description or a label).
fn check_length(name: &'static str, text: &str, most: usize) -> Result<(), ApiError> {
    if text.chars().count() > most {
        return Err(ApiError::bad_request("invalid_option", format!("`{name}` is longer than {most} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::bad_request("invalid_option", format!("`{name}` may not hold control characters")));
    }
    Ok(())
}

/// A secret row from a request: the value given, or a fresh `whsec_` secret from the OS generator.
fn secret_row(endpoint_id: &str, scheme: Scheme, request: Option<NewSecret>, now: i64) -> Result<SecretRow, ApiError> {
    let request = request.unwrap_or(NewSecret { value: None, label: None, expires_at: None });
    if let Some(label) = &request.label {
        check_length("label", label, MAX_LABEL_CHARS)?;
    }
    let value = match request.value {
        Some(value) if scheme == Scheme::Fabric && value.len() < MIN_FABRIC_SECRET_BYTES => {
            return Err(ApiError::bad_request(
                "invalid_secret",
                format!(
                    "a fabric-scheme secret needs at least {MIN_FABRIC_SECRET_BYTES} bytes; leave `value` out to \
                     get a generated one"
                ),
            ));
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
    // The core's parser decided; the sender's must read the same host.
    let policy = AddressPolicy { allow_loopback: rules.allow_insecure_loopback };
    check_as_sent(&config.url, &config.host, policy)?;
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
        rate_limit: limit_value("rateLimit", request.rate_limit)?,
        burst_limit: limit_value("burstLimit", request.burst_limit)?,
        enabled: request.enabled,
        health: Default::default(),
        created_at: now,
        updated_at: now,
        disabled_reason: None,
        slowed_until: None,
    };
    validate(state.rules, &mut endpoint, std::slice::from_ref(&secret))?;
    if !state.store.insert_endpoint(&endpoint, &secret).await? {
        return Err(url_taken(&endpoint.url));
    }
    tracing::info!(account = %scope.account, endpoint = %endpoint.id, url = %endpoint.url, "endpoint created");
    let mut body = endpoint_json(&endpoint);
    scope.audit(&state, "create", "endpoint", &endpoint.id, body.clone()).await?;
    body["secret"] = new_secret_json(&secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn url_taken(url: &str) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        code: "endpoint_exists",
        message: format!(
            "an endpoint for {url} already exists in this account; there is one configuration per target URL"
        ),
    }
}

async fn list_endpoints(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    let page = state.store.endpoints(&scope.account, cursor.as_ref(), limit).await?;
    let data: Vec<Value> = page.data.iter().map(endpoint_json).collect();
    Ok(Json(json!({ "data": data, "nextCursor": page.next_cursor })))
}

async fn load_endpoint(state: &AppState, account: &str, id: &str) -> Result<EndpointRow, ApiError> {
    state.store.endpoint(account, id).await?.ok_or_else(|| ApiError::not_found("endpoint"))
}

async fn get_endpoint(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(endpoint_json(&load_endpoint(&state, &scope.account, &id).await?)))
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
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(edit): JsonBody<EditEndpoint>,
) -> Result<Json<Value>, ApiError> {
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
    let body = endpoint_json(&endpoint);
    scope.audit(&state, "edit", "endpoint", &id, body.clone()).await?;
    Ok(Json(body))
}

/// How often a change is re-read and redone when the endpoint changed under it (a worker's health verdict, another
/// edit) before the API gives up with 409.
const MODIFY_TRIES: usize = 8;

/// Reads the endpoint, applies `change`, and writes it back only if nothing changed it meanwhile
/// (compare-and-set); on a race, reads and applies again. 404 if it does not exist, 409 if its new URL is taken or
/// it keeps changing.
async fn modify_endpoint(
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
    if enabled {
        endpoint.disabled_reason = None;
    }
}

async fn switch(state: AppState, scope: Scope, id: String, enabled: bool) -> Result<Json<Value>, ApiError> {
    let endpoint = modify_endpoint(&state, &scope.account, &id, |endpoint| {
        set_enabled(endpoint, enabled);
        Ok(())
    })
    .await?;
    tracing::info!(account = %scope.account, endpoint = %id, enabled, "endpoint switched");
    state.wake.notify_one();
    let action = if enabled { "activate" } else { "deactivate" };
    scope.audit(&state, action, "endpoint", &id, json!({})).await?;
    Ok(Json(endpoint_json(&endpoint)))
}

async fn activate(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    switch(state, scope, id, true).await
}

async fn deactivate(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    switch(state, scope, id, false).await
}

async fn delete_endpoint(
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

async fn health(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let counts = state.store.delivery_counts(&id).await?;
    Ok(Json(json!({
        "status": endpoint.health.status.name(),
        "failingSince": endpoint.health.failing_since,
        "enabled": endpoint.enabled,
        "active": endpoint.is_active(),
        "disabledReason": endpoint.disabled_reason,
        "slowedUntil": endpoint.slowed_until,
        "deliveries": counts,
    })))
}

async fn add_secret(
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
    Ok((StatusCode::CREATED, Json(new_secret_json(&secret))).into_response())
}

/// Default overlap of a roll: how long the old secrets keep signing beside the new one.
pub const DEFAULT_ROLL_OVERLAP_SECONDS: i64 = 24 * 3600;
/// Longest overlap of a roll.
pub const MAX_ROLL_OVERLAP_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RollSecret {
    value: Option<String>,
    label: Option<String>,
    overlap_seconds: Option<i64>,
}

/// `POST …/secrets/roll`: one call adds a new secret and gives every secret active now an expiry after the
/// overlap (24 h by default, at most 7 days), the way Stripe's "roll secret" works.
async fn roll_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<RollSecret>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let overlap = request.overlap_seconds.unwrap_or(DEFAULT_ROLL_OVERLAP_SECONDS);
    if !(0..=MAX_ROLL_OVERLAP_SECONDS).contains(&overlap) {
        return Err(ApiError::bad_request(
            "invalid_option",
            format!("`overlapSeconds` is from 0 to {MAX_ROLL_OVERLAP_SECONDS} (7 days)"),
        ));
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
    let mut body = new_secret_json(&new);
    body["expiring"] = json!(expiring);
    body["oldSecretsExpireAt"] = json!(until);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE …/secrets/{id}`: removes a secret that has expired (an active one must be expired first).
async fn delete_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id, secret_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let secrets = state.store.secrets(&id).await?;
    let secret = secrets.iter().find(|s| s.id == secret_id).ok_or_else(|| ApiError::not_found("secret"))?;
    if is_live(secret, state.clock.now_seconds()) {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "secret_active",
            message: "only an expired secret can be deleted; give it an expiry first (or roll)".into(),
        });
    }
    if !state.store.delete_secret(&id, &secret_id).await? {
        return Err(ApiError::not_found("secret"));
    }
    scope.audit(&state, "delete", "secret", &secret_id, json!({ "endpointId": id })).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_secrets(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let now = state.clock.now_seconds();
    let secrets = state.store.secrets(&id).await?;
    Ok(Json(json!({ "data": secrets.iter().map(|s| secret_json(s, now)).collect::<Vec<_>>(), "nextCursor": null })))
}

async fn edit_secret(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id, secret_id)): Path<(String, String, String)>,
    JsonBody(edit): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
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
    // An endpoint always keeps one active secret: whatever this expiry ends, another must still sign after it.
    if let Some(at) = expires_at.and_then(|at| u64::try_from(at).ok()) {
        let secrets = state.store.secrets(&id).await?;
        let after = at.max(state.clock.now_seconds());
        let others_outlive =
            secrets.iter().filter(|secret| secret.id != secret_id).any(|secret| is_live(secret, after));
        if secrets.iter().any(|secret| secret.id == secret_id) && !others_outlive {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                code: "last_active_secret",
                message: "this would leave the endpoint without an active secret and every delivery would fail; \
                          add a new secret first, or roll (POST …/secrets/roll)"
                    .into(),
            });
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
    Ok(Json(secret_json(secret, now)))
}

// ---- events ----

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
        // The id is signed as the first part of `id.timestamp.body`: the core's sender rule refuses a `.` in it.
        Some(id) => check_signing_id(&id)
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
    scope: Scope,
    JsonBody(request): JsonBody<CreateEvent>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let (id, topic, body) = envelope(&request.topic, &request.data, request.id, now)?;
    let targets = state.store.subscribed_endpoints(&scope.account, &topic).await?;
    let event = NewEvent { account_id: &scope.account, id: &id, topic: &topic, body: &body };
    let (created, queued) = state.store.enqueue_event(&event, &targets, "scheduled", now).await?;
    if queued > 0 {
        state.wake.notify_one();
    }
    if !created {
        same_as_stored(&state, &scope.account, &id, &topic, &request.data).await?;
    }
    let status = if created { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(json!({ "id": id, "topic": topic, "deliveries": queued, "duplicate": !created }))).into_response())
}

/// A re-posted event id is idempotent only with the same topic and data: an event id names one event, so other
/// data under it is refused (409 `event_mismatch`) rather than silently dropped.
async fn same_as_stored(
    state: &AppState,
    account: &str,
    id: &str,
    topic: &str,
    data: &RawValue,
) -> Result<(), ApiError> {
    #[derive(Deserialize)]
    struct Stored<'a> {
        topic: &'a str,
        #[serde(borrow)]
        data: &'a RawValue,
    }
    let bodies = state.store.event_bodies(&[(account, id)]).await?;
    let Some(body) = bodies.get(&(account.to_owned(), id.to_owned())) else {
        // Pruned since (past retention): nothing to compare with.
        return Ok(());
    };
    let stored: Stored<'_> = serde_json::from_str(body).map_err(|error| ApiError::internal(&error))?;
    if stored.topic == topic && stored.data.get() == data.get() {
        return Ok(());
    }
    Err(ApiError {
        status: StatusCode::CONFLICT,
        code: "event_mismatch",
        message: format!(
            "the event `{id}` was posted before with other {}; an event id names one event (post new data under a new id)",
            if stored.topic == topic { "data" } else { "topic" }
        ),
    })
}

async fn list_events(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, None, query, ListKind::Events).await
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
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<TestEvent>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let topic = request.topic.or_else(|| endpoint.topics.first().cloned()).unwrap_or_default();
    let canonical = find_topic(&topic).map(|info| info.name).unwrap_or_default();
    let sample = sample_event_json(canonical)
        .ok_or_else(|| ApiError::bad_request("invalid_payload", format!("unknown topic `{topic}`")))?;
    let sample: SampleEvent<'_> = serde_json::from_str(sample).map_err(|error| ApiError::internal(&error))?;
    let now = state.clock.now_ms();
    let (event_id, topic, body) = envelope(canonical, sample.data, None, now)?;
    let event = NewEvent { account_id: &scope.account, id: &event_id, topic: &topic, body: &body };
    let (_, queued) = state.store.enqueue_event(&event, &[endpoint.id], "test", now).await?;
    state.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": event_id, "topic": topic, "deliveries": queued }))).into_response())
}

// ---- history ----

/// Largest page.
const MAX_PAGE: i64 = 500;

fn whole_number(query: &HashMap<String, String>, name: &'static str) -> Result<Option<i64>, ApiError> {
    query
        .get(name)
        .map(|text| {
            text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::from(WebhookError::InvalidOption { name, problem: "it must be a whole number" })
            })
        })
        .transpose()
}

/// `cursor` and `limit` (50 by default, at most 500); any key outside them and `also` is refused.
fn page_params(query: &HashMap<String, String>, also: &[&str]) -> Result<(Option<Cursor>, i64), ApiError> {
    if let Some(unknown) =
        query.keys().find(|key| !["cursor", "limit"].contains(&key.as_str()) && !also.contains(&key.as_str()))
    {
        return Err(ApiError::bad_request("invalid_option", format!("unknown filter `{unknown}`")));
    }
    let cursor = query
        .get("cursor")
        .map(|text| {
            Cursor::decode(text).ok_or_else(|| {
                ApiError::bad_request("invalid_option", "`cursor` must be a nextCursor this API answered")
            })
        })
        .transpose()?;
    Ok((cursor, whole_number(query, "limit")?.unwrap_or(50).clamp(1, MAX_PAGE)))
}

/// Which list a query is for: each has its own status word and filters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Deliveries,
    Attempts,
    Events,
}

fn list_query(scope: &Scope, query: &HashMap<String, String>, kind: ListKind) -> Result<ListQuery, ApiError> {
    let filters: &[&str] = match kind {
        ListKind::Deliveries => &["status", "topic", "errorClass", "since", "until", "endpointId"],
        ListKind::Attempts => &["outcome", "topic", "errorClass", "since", "until", "endpointId"],
        ListKind::Events => &["topic", "since", "until"],
    };
    let (cursor, limit) = page_params(query, filters)?;
    let status_key = if kind == ListKind::Attempts { "outcome" } else { "status" };
    Ok(ListQuery {
        account_id: scope.account.clone(),
        endpoint_id: query.get("endpointId").cloned(),
        status: query.get(status_key).cloned(),
        topic: query.get("topic").map(|topic| find_topic(topic).map_or(topic.clone(), |info| info.name.to_owned())),
        error_class: query.get("errorClass").cloned(),
        since: whole_number(query, "since")?,
        until: whole_number(query, "until")?,
        cursor,
        limit,
    })
}

/// One page of a history list: of the account, or (with `endpoint`) of one of its endpoints.
async fn history_page(
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

async fn list_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, None, query, ListKind::Deliveries).await
}

async fn list_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, None, query, ListKind::Attempts).await
}

async fn list_endpoint_deliveries(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, Some(id), query, ListKind::Deliveries).await
}

async fn list_endpoint_attempts(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    history_page(&state, &scope, Some(id), query, ListKind::Attempts).await
}

async fn get_delivery(
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

async fn get_attempt(
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

fn endpoint_inactive(endpoint: &EndpointRow) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        code: "endpoint_inactive",
        message: format!(
            "the endpoint {} is {}; activate it first (POST …/endpoints/{}/activate)",
            endpoint.id,
            if endpoint.enabled { "FAILED" } else { "deactivated" },
            endpoint.id
        ),
    }
}

async fn resend(
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
struct RecoverRequest {
    #[serde(default = "default_recover_status")]
    status: String,
    since: Option<i64>,
    until: Option<i64>,
    topic: Option<String>,
    error_class: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn default_recover_status() -> String {
    "failed".into()
}

async fn recover(
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

async fn list_audit(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (cursor, limit) = page_params(&query, &[])?;
    Ok(Json(to_json(&state.store.audit(&scope.account, cursor.as_ref(), limit).await?)?))
}
