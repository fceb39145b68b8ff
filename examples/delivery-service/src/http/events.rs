//! `…/events`: posting events (checked by the core's walk, fanned out, idempotent per id) and test events.

use super::views::{ErrorBody, EventAcceptedOut, TestEventOut};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dropship_webhooks::samples::sample_event_json;
use dropship_webhooks::standard::check_signing_id;
use dropship_webhooks::time::rfc3339_ms;
use dropship_webhooks::{canonical_event_json, find_topic};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::http::error::{ApiError, ErrorCode};
use crate::model::{new_id, NewEvent, Trigger};

use super::auth::Scope;
use super::endpoints::load_endpoint;
use super::extract::JsonBody;
use super::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateEvent {
    topic: String,
    /// Kept as posted, byte for byte: numbers of any size or precision, escapes and key order reach the receiver
    /// exactly as the platform wrote them (a parsed value would round `1e-398` to `0.0` and re-sort the keys).
    #[schema(value_type = Object)]
    data: Box<RawValue>,
    id: Option<String>,
}

/// Builds and checks an event envelope around `data` as given: known topic, valid id, data of the topic's shape
/// (the core's walk). The envelope is written in the canonical order (`id`, `topic`, `createdAt`, `data`), so a
/// receiver whose data is canonical gets back the body itself.
pub(crate) fn envelope(
    topic: &str,
    data: &RawValue,
    id: Option<String>,
    now: i64,
) -> Result<(String, String, String), ApiError> {
    let info = find_topic(topic).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidPayload, format!("unknown topic `{topic}`; GET /v1/topics lists them"))
            .on("topic")
    })?;
    let id = match id {
        // The id is signed as the first part of `id.timestamp.body`: the core's sender rule refuses a `.` in it.
        Some(id) => check_signing_id(&id)
            .map(str::to_owned)
            .map_err(|problem| ApiError::new(ErrorCode::InvalidPayload, format!("event id: {problem}")).on("id"))?,
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

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/events",
    tag = "events",
    summary = "Posts an event; it fans out to the subscribed endpoints (idempotent per id)",
    params(("account" = String, Path, description = "The account's id")),
    request_body = CreateEvent,
    responses(
        (status = 202, description = "Queued (200 with `duplicate: true` when the id was posted before with the same data)", body = EventAcceptedOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`, `invalid_header`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 409, description = "`event_mismatch`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_event(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(request): JsonBody<CreateEvent>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_ms();
    let (id, topic, body) = envelope(&request.topic, &request.data, request.id, now)?;
    let targets = state.store.subscribed_endpoints(&scope.account, &topic).await?;
    let event = NewEvent { account_id: &scope.account, id: &id, topic: &topic, body: &body };
    let (created, queued) = state.store.enqueue_event(&event, &targets, Trigger::Scheduled, now).await?;
    if queued > 0 {
        state.wake.notify_one();
    }
    if !created {
        same_as_stored(&state, &scope.account, &id, &topic, &request.data).await?;
    }
    let status = if created { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(EventAcceptedOut { id, topic, deliveries: queued, duplicate: !created })).into_response())
}

/// A re-posted event id is idempotent only with the same topic and data: an event id names one event, so other
/// data under it is refused (409 `event_mismatch`) rather than silently dropped.
pub(crate) async fn same_as_stored(
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
    let other = if stored.topic == topic { "data" } else { "topic" };
    Err(ApiError::new(
        ErrorCode::EventMismatch,
        format!("the event `{id}` was posted before with other {other}; an event id names one event (post new data under a new id)"),
    )
    .on("id"))
}

/// A topic's sample event: its data, as written.
#[derive(Deserialize)]
pub(crate) struct SampleEvent<'a> {
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestEvent {
    topic: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/endpoints/{id}/test",
    tag = "events",
    summary = "Sends a topic's sample event to one endpoint",
    params(("account" = String, Path, description = "The account's id"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = TestEvent,
    responses(
        (status = 202, description = "Queued", body = TestEventOut),
        (status = 400, description = "`invalid_option`, `invalid_json`, `invalid_payload`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn send_test(
    State(state): State<AppState>,
    scope: Scope,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<TestEvent>,
) -> Result<Response, ApiError> {
    let endpoint = load_endpoint(&state, &scope.account, &id).await?;
    let topic = request.topic.or_else(|| endpoint.topics.first().cloned()).unwrap_or_default();
    let canonical = find_topic(&topic).map(|info| info.name).unwrap_or_default();
    let sample = sample_event_json(canonical)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidPayload, format!("unknown topic `{topic}`")).on("topic"))?;
    let sample: SampleEvent<'_> = serde_json::from_str(sample).map_err(|error| ApiError::internal(&error))?;
    let now = state.clock.now_ms();
    let (event_id, topic, body) = envelope(canonical, sample.data, None, now)?;
    let event = NewEvent { account_id: &scope.account, id: &event_id, topic: &topic, body: &body };
    let (_, queued) = state.store.enqueue_event(&event, &[endpoint.id], Trigger::Test, now).await?;
    state.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(TestEventOut { id: event_id, topic, deliveries: queued })).into_response())
}
