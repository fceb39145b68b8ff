//! Who is calling: bearer keys (looked up by hash, with a short-lived cache), the account a path acts in
//! ([`Scope`]: 404 for what the key may not reach), and the audit log of what a principal did.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;
use crate::model::{new_id, AuditEntry, Principal};

use super::AppState;

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
pub(crate) const MAX_LOOKUPS: usize = 10_000;

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
    pub(crate) fn forget(&self) {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// SHA-256 of an API key, as stored.
pub fn hash_api_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is case-insensitive (RFC 9110 §11.1).
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

/// Resolves the bearer key to its [`Principal`] (kept in the request's extensions), or answers 401.
/// A caller inside this process (the console, acting for its session): set as a request extension, which no
/// client can send, it stands for an authenticated key.
#[derive(Debug, Clone)]
pub struct InternalCaller(pub Principal);

pub(crate) async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
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
    pub(crate) async fn audit(
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
pub(crate) async fn record(
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
