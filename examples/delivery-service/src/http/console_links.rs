//! `POST …/console-links`: a single-use sign-in link to the console for one account, for a platform to put behind
//! a button in its own settings page ([`crate::console`] opens it).

use super::views::{ConsoleLinkOut, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::clock::wall_ms;
use crate::http::error::ApiError;
use crate::settings::defaults::CONSOLE_LINK_TTL;
use crate::store::console::ConsoleLink;
use crate::tokens::{hashed, ms, random_token};

use super::auth::Scope;
use super::AppState;

/// `POST /v1/accounts/{account}/console-links` (admin or account key): a single-use sign-in link to the console
/// for this account, valid for [`CONSOLE_LINK_TTL`], tied to the key that asked for it (revoking the key voids it).
///
/// The link's address is the configured public base URL (`--public-url`) and its path, or the path alone: never
/// built from the request's `Host`, which a client chooses.
#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/console-links",
    tag = "console",
    summary = "A single-use link to the console for this account",
    params(("account" = String, Path, description = "The account's id")),
    responses(
        (status = 201, description = "The link", body = ConsoleLinkOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_link(State(state): State<AppState>, scope: Scope) -> Result<Response, ApiError> {
    let token = random_token().map_err(|error| ApiError::internal(&error))?;
    let now = wall_ms();
    let expires_at = now.saturating_add(ms(CONSOLE_LINK_TTL));
    let link = ConsoleLink { account_id: scope.account.clone(), key_id: scope.principal.key_id.clone() };
    state.store.add_console_link(&hashed(&token), &link, now, expires_at).await?;
    let path = format!("/console/enter?token={token}");
    let url = match &state.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.clone(),
    };
    Ok((StatusCode::CREATED, Json(ConsoleLinkOut { url, path, expires_at })).into_response())
}
