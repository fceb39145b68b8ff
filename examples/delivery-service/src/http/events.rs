//! `…/events`: posting events, one or a batch (checked by the core's walk, fanned out, idempotent per id, stored by
//! the group commit of [`crate::intake`]) and test events.

use std::collections::HashMap;

use super::views::{ErrorBody, EventAcceptedOut, EventBatchItemOut, EventBatchOut, TestEventOut};
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
use crate::model::{new_id, Enqueued, QueuedEvent, Trigger};

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
    let event = QueuedEvent {
        account_id: scope.account.clone(),
        id: id.clone(),
        topic: topic.clone(),
        body,
        targets,
        trigger: Trigger::Scheduled,
        at: now,
    };
    let [done] = submit(&state, vec![event]).await?[..] else {
        return Err(ApiError::internal(&"the intake answered another number of events"));
    };
    if !done.created {
        same_as_stored(&state, &scope.account, &id, &topic, &request.data).await?;
    }
    let status = if done.created { StatusCode::ACCEPTED } else { StatusCode::OK };
    let out = EventAcceptedOut { id, topic, deliveries: done.queued, duplicate: !done.created };
    Ok((status, Json(out)).into_response())
}

/// Hands events to the group commit ([`crate::intake`]).
async fn submit(state: &AppState, events: Vec<QueuedEvent>) -> Result<Vec<Enqueued>, ApiError> {
    state.intake.submit(events).await.map_err(|error| ApiError::internal(&error))
}

/// Most events in one `POST …/events/batch`.
pub const MAX_BATCH_EVENTS: usize = crate::intake::MAX_EVENTS_PER_COMMIT;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateEvents {
    /// 1 to 1,000 events, each as `POST …/events` takes it (`topic`, `data`, optional `id`). Each is checked and
    /// answered on its own: one refused event does not refuse the others.
    #[schema(value_type = Vec<CreateEvent>)]
    events: Vec<Box<RawValue>>,
}

#[utoipa::path(
    post,
    path = "/v1/accounts/{account}/events/batch",
    tag = "events",
    summary = "Posts up to 1,000 events at once; each is checked, queued and answered on its own (idempotent per id)",
    params(("account" = String, Path, description = "The account's id")),
    request_body = CreateEvents,
    responses(
        (status = 200, description = "One answer per event, in order: as `POST …/events` would answer it, or its error (`invalid_json`, `invalid_payload`, `event_mismatch`)", body = EventBatchOut),
        (status = 400, description = "`invalid_option` (no events, or more than 1,000), `invalid_json`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn create_events(
    State(state): State<AppState>,
    scope: Scope,
    JsonBody(request): JsonBody<CreateEvents>,
) -> Result<Json<EventBatchOut>, ApiError> {
    if request.events.is_empty() || request.events.len() > MAX_BATCH_EVENTS {
        let message = format!("`events` holds 1 to {MAX_BATCH_EVENTS} events; it held {}", request.events.len());
        return Err(ApiError::new(ErrorCode::InvalidOption, message).on("events"));
    }
    let now = state.clock.now_ms();
    // Each event checked on its own; the subscriptions read once per topic.
    let mut subscribers: HashMap<String, Vec<String>> = HashMap::new();
    let mut checked: Vec<Result<(QueuedEvent, CreateEvent), ApiError>> = Vec::with_capacity(request.events.len());
    for raw in &request.events {
        let event = match serde_json::from_str::<CreateEvent>(raw.get()) {
            Ok(event) => event,
            Err(error) => {
                checked.push(Err(ApiError::new(ErrorCode::InvalidJson, format!("this event: {error}"))));
                continue;
            }
        };
        let (id, topic, body) = match envelope(&event.topic, &event.data, event.id.clone(), now) {
            Ok(parts) => parts,
            Err(error) => {
                checked.push(Err(error));
                continue;
            }
        };
        let targets = match subscribers.get(&topic) {
            Some(targets) => targets.clone(),
            None => {
                let targets = state.store.subscribed_endpoints(&scope.account, &topic).await?;
                subscribers.insert(topic.clone(), targets.clone());
                targets
            }
        };
        let queued = QueuedEvent {
            account_id: scope.account.clone(),
            id,
            topic,
            body,
            targets,
            trigger: Trigger::Scheduled,
            at: now,
        };
        checked.push(Ok((queued, event)));
    }
    let accepted: Vec<QueuedEvent> =
        checked.iter().filter_map(|item| item.as_ref().ok()).map(|(queued, _)| queued.clone()).collect();
    let mut done = submit(&state, accepted).await?.into_iter();
    // Re-posted ids: compared with what is stored, all read at once.
    let mut data = Vec::with_capacity(checked.len());
    for item in checked {
        let out = match item {
            Err(error) => EventBatchItemOut::Refused(error.into_body()),
            Ok((queued, event)) => {
                let Some(result) = done.next() else {
                    return Err(ApiError::internal(&"the intake answered fewer events than it was given"));
                };
                let mut out = EventBatchItemOut::Accepted(EventAcceptedOut {
                    id: queued.id.clone(),
                    topic: queued.topic.clone(),
                    deliveries: result.queued,
                    duplicate: !result.created,
                });
                if !result.created {
                    if let Err(error) =
                        same_as_stored(&state, &scope.account, &queued.id, &queued.topic, &event.data).await
                    {
                        out = EventBatchItemOut::Refused(error.into_body());
                    }
                }
                out
            }
        };
        data.push(out);
    }
    Ok(Json(EventBatchOut { data }))
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
    let event = QueuedEvent {
        account_id: scope.account.clone(),
        id: event_id.clone(),
        topic: topic.clone(),
        body,
        targets: vec![endpoint.id],
        trigger: Trigger::Test,
        at: now,
    };
    let queued = submit(&state, vec![event]).await?.first().map_or(0, |done| done.queued);
    Ok((StatusCode::ACCEPTED, Json(TestEventOut { id: event_id, topic, deliveries: queued })).into_response())
}
