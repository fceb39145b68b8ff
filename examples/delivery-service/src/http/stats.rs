//! `…/stats` and `…/endpoints/{id}/stats`: attempts counted by outcome class and latency bucket over a window
//! (`since`, unix ms; 24 hours by default), from the hourly counts kept as outcomes are recorded — what the
//! console's rates, percentiles and charts are drawn from, and what a platform's own dashboard can read.

use super::extract::{whole_number, StatsQuery};
use super::views::{AccountStatsOut, AttemptStatsOut, EndpointStatsOut, ErrorBody, HourStatsOut};
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;

use crate::http::error::ApiError;
use crate::rules::LATENCY_BUCKETS_MS;

use super::auth::Scope;
use super::endpoints::load_endpoint;
use super::AppState;

/// The default window: the last day.
pub const DEFAULT_WINDOW_MS: i64 = 86_400_000;

/// The window's start: `since`, or a day ago; its whole hour counts. Any other parameter is refused.
fn window_start(state: &AppState, query: &HashMap<String, String>) -> Result<i64, ApiError> {
    if let Some(unknown) = query.keys().find(|key| key.as_str() != "since") {
        return Err(
            ApiError::new(super::error::ErrorCode::InvalidOption, format!("unknown parameter `{unknown}`")).on(unknown)
        );
    }
    let since = whole_number(query, "since")?.unwrap_or_else(|| state.clock.now_ms().saturating_sub(DEFAULT_WINDOW_MS));
    Ok(since - since.rem_euclid(3_600_000))
}

/// Each endpoint of the account, its attempts since the window's start.
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/stats",
    tag = "stats",
    summary = "Each endpoint's attempts over a window",
    params(("account" = String, Path, description = "The account's id"), StatsQuery),
    responses(
        (status = 200, description = "The figures", body = AccountStatsOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn account_stats(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AccountStatsOut>, ApiError> {
    let since = window_start(&state, &query)?;
    let counts = state.store.attempt_counts_by_endpoint(&scope.account, since).await?;
    Ok(Json(AccountStatsOut {
        since,
        latency_buckets_ms: LATENCY_BUCKETS_MS.to_vec(),
        endpoints: counts.iter().map(|(id, counts)| (id.clone(), AttemptStatsOut::from(counts))).collect(),
    }))
}

/// One endpoint's attempts per hour since the window's start, and its last success.
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/endpoints/{id}/stats",
    tag = "stats",
    summary = "An endpoint's attempts per hour and its last success",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id"), StatsQuery),
    responses(
        (status = 200, description = "Its figures", body = EndpointStatsOut),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn endpoint_stats(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<EndpointStatsOut>, ApiError> {
    load_endpoint(&state, &scope.account, &id).await?;
    let since = window_start(&state, &query)?;
    let hours = state.store.attempt_counts_by_hour(&id, since).await?;
    Ok(Json(EndpointStatsOut {
        since,
        latency_buckets_ms: LATENCY_BUCKETS_MS.to_vec(),
        hours: hours
            .iter()
            .map(|(hour, counts)| HourStatsOut { hour: *hour, attempts: AttemptStatsOut::from(counts) })
            .collect(),
        last_success_at: state.store.last_success(&id).await?,
    }))
}
