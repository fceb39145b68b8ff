//! The history pages: deliveries and attempts with filters and the live tail, an attempt's details, resend and
//! recover with its preview; the audit log.

use std::collections::HashMap;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use dropship_webhooks::delivery::RetrySchedule;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::http::error::ApiError;
use crate::http::views::{
    AttemptDetailOut, AttemptOut, AuditOut, DeliveryDetailOut, DeliveryOut, EndpointOut, List, RecoverOut,
};
use crate::model::{AttemptOutcome, DeliveryStatus, ErrorClass};

use super::client::{as_session, call, get, Refused};
use super::endpoints::Notice;
use super::flash;
use super::session::{posted, session_for, Session};
use super::{page, when, ConsoleState, Moment, Refusal};

#[derive(Template)]
#[template(path = "console/audit.html")]
pub(crate) struct AuditPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    entries: Vec<(Moment, String, String, String)>,
}

pub(crate) async fn audit(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let log: List<AuditOut> = get(&state, &session, &format!("/v1/accounts/{account}/audit?limit=100")).await?;
    let now = state.app.clock.now_ms();
    let entries = log
        .data
        .into_iter()
        .map(|entry| {
            (
                Moment::at(entry.created_at, now),
                entry.actor,
                entry.action,
                format!("{} {}", entry.target_kind, entry.target_id),
            )
        })
        .collect();
    Ok(page(&AuditPage { nav_account: Some(account), signed_in: true, csrf: session.csrf(), entries }))
}

/// One row of the history.
pub(crate) struct HistoryRow {
    id: String,
    when: Moment,
    /// The endpoint it went to (its id), and its name or URL (filled in after the page is read).
    endpoint_id: String,
    endpoint: String,
    event: String,
    topic: String,
    state: String,
    count: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/history.html")]
pub(crate) struct HistoryPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    kind: String,
    status: String,
    topic: String,
    error_class: String,
    endpoint_id: String,
    event_id: String,
    from: String,
    to: String,
    /// The account's endpoints (id, name) and the catalog's topics, for the filters' choices.
    endpoints: Vec<(String, String)>,
    topics: Vec<&'static str>,
    statuses: Vec<&'static str>,
    error_classes: Vec<&'static str>,
    rows: Vec<HistoryRow>,
    next_page: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// The error classes an attempt may fail with.
/// The error classes a filter offers: the model's one list.
pub(crate) fn error_classes() -> Vec<&'static str> {
    ErrorClass::ALL.iter().map(|class| class.name()).collect()
}

pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(_, value)| !value.is_empty()) {
        query.append_pair(name, value);
    }
    query.finish()
}

/// `GET …/history`: deliveries or attempts with the API's filters and cursor pages.
pub(crate) async fn history(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let notice = flash::take(&state, &headers, &session);
    Ok(flash::shown(&state, &headers, history_page(&state, &session, &account, &query, notice).await))
}

pub(crate) async fn history_page(
    state: &ConsoleState,
    session: &Session,
    account: &str,
    query: &HashMap<String, String>,
    notice: Notice,
) -> Response {
    let field = |name: &str| query.get(name).map(|value| value.trim().to_owned()).unwrap_or_default();
    let kind = if field("kind") == "attempts" { "attempts" } else { "deliveries" };
    let (status_name, statuses): (&str, Vec<&'static str>) = if kind == "attempts" {
        ("outcome", AttemptOutcome::ALL.iter().map(|outcome| outcome.name()).collect())
    } else {
        ("status", DeliveryStatus::ALL.iter().map(|status| status.name()).collect())
    };
    let (status, topic, error_class, endpoint_id, cursor) =
        (field("status"), field("topic"), field("errorClass"), field("endpointId"), field("cursor"));
    // The event id finds deliveries (attempts are found through their delivery's page).
    let event_id = if kind == "deliveries" { field("eventId") } else { String::new() };
    // A date range in whole UTC days, the last day included; a date that is not one is ignored, and said so.
    let (from, to) = (field("from"), field("to"));
    let mut error = notice.error;
    let mut day = |text: &str| -> Option<i64> {
        if text.is_empty() {
            return None;
        }
        let start = super::secrets::date_start(text);
        if start.is_none() {
            error = Some(format!("{text} is not a date (year-month-day): it was left out of the filter."));
        }
        start
    };
    let since = day(&from).map(|start| start.saturating_mul(1000).to_string()).unwrap_or_default();
    let until = day(&to).map(|start| (start + 86_400).saturating_mul(1000).to_string()).unwrap_or_default();
    let api_query = query_string(&[
        (status_name, &status),
        ("topic", &topic),
        ("errorClass", &error_class),
        ("endpointId", &endpoint_id),
        ("eventId", &event_id),
        ("since", &since),
        ("until", &until),
        ("cursor", &cursor),
        ("limit", "50"),
    ]);
    let path = format!("/v1/accounts/{account}/{kind}?{api_query}");
    let now = state.app.clock.now_ms();
    let listed: Result<(Vec<HistoryRow>, Option<String>), Refused> = if kind == "attempts" {
        get_list(state, session, &path, |row: AttemptOut| HistoryRow {
            id: row.id,
            when: Moment::at(row.started_at, now),
            endpoint_id: row.endpoint_id,
            endpoint: String::new(),
            event: row.event_id,
            topic: row.topic,
            state: row.outcome,
            count: row.status_code.map(|code| code.to_string()).unwrap_or_default(),
            error: row.error.unwrap_or_default(),
        })
        .await
    } else {
        get_list(state, session, &path, |row: DeliveryOut| HistoryRow {
            count: row.attempts.to_string(),
            id: row.delivery.id,
            when: Moment::at(row.delivery.created_at, now),
            endpoint_id: row.delivery.endpoint_id,
            endpoint: String::new(),
            event: row.delivery.event_id,
            topic: row.delivery.topic,
            state: row.delivery.status,
            error: row.delivery.last_error.unwrap_or_default(),
        })
        .await
    };
    let (mut rows, next_cursor) = listed.unwrap_or_else(|refused| {
        error = Some(refused.error.message);
        (Vec::new(), None)
    });
    // Each row names its endpoint (the same event goes to several), by name or URL.
    let listed: Result<List<EndpointOut>, Refusal> =
        get(state, session, &format!("/v1/accounts/{account}/endpoints?limit=200")).await;
    let endpoints: Vec<(String, String)> = listed
        .map(|list| {
            list.data
                .into_iter()
                .map(|endpoint| {
                    let name = if endpoint.description.is_empty() { endpoint.url } else { endpoint.description };
                    (endpoint.id, name)
                })
                .collect()
        })
        .unwrap_or_default();
    for row in &mut rows {
        row.endpoint = endpoints
            .iter()
            .find(|(id, _)| *id == row.endpoint_id)
            .map_or_else(|| row.endpoint_id.clone(), |(_, name)| name.clone());
    }
    let next_page = next_cursor.as_deref().map(|next| {
        let pairs = [
            ("kind", kind),
            ("status", status.as_str()),
            ("topic", topic.as_str()),
            ("errorClass", error_class.as_str()),
            ("endpointId", endpoint_id.as_str()),
            ("eventId", event_id.as_str()),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("cursor", next),
        ];
        format!("/console/a/{account}/history?{}", query_string(&pairs))
    });
    page(&HistoryPage {
        nav_account: Some(account.to_owned()),
        signed_in: true,
        csrf: session.csrf(),
        account: account.to_owned(),
        kind: kind.to_owned(),
        status,
        topic,
        error_class,
        endpoint_id,
        event_id,
        from,
        to,
        endpoints,
        topics: dropship_webhooks::TOPICS.iter().map(|topic| topic.name).collect(),
        statuses,
        error_classes: error_classes(),
        rows,
        next_page,
        notice: notice.text,
        error,
    })
}

/// `GET …/stream`: the API's live stream of attempts, for the page's live tail.
pub(crate) async fn stream(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    connection: Option<axum::Extension<crate::http::server::ConnectionHandle>>,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let mut request = Request::builder().method(Method::GET).uri(format!("/v1/accounts/{account}/stream"));
    if let Some(last) = headers.get("last-event-id") {
        request = request.header("last-event-id", last.clone());
    }
    // The stream leaves the browser's connection's ordinary slot, as the API's own streams do.
    if let Some(axum::Extension(connection)) = connection {
        request = request.extension(connection);
    }
    let request = as_session(&session, request).body(Body::empty()).map_err(|error| ApiError::internal(&error))?;
    let Ok(response) = state.api.clone().oneshot(request).await;
    Ok(response)
}

#[derive(Template)]
#[template(path = "console/attempt.html")]
pub(crate) struct AttemptPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    delivery: String,
    number: i64,
    event: String,
    topic: String,
    when: Moment,
    outcome: String,
    latency: i64,
    error: Option<String>,
    method: String,
    url: String,
    request_headers: Vec<(String, String)>,
    request_body: Option<String>,
    response_status: Option<i64>,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

/// A list of the API, each row made a line by `line`, and its next page's cursor.
async fn get_list<T: serde::de::DeserializeOwned, L>(
    state: &ConsoleState,
    session: &Session,
    path: &str,
    line: impl FnMut(T) -> L,
) -> Result<(Vec<L>, Option<String>), Refused> {
    let list: List<T> = call(state, session, Method::GET, path, None::<&()>).await?;
    Ok((list.data.into_iter().map(line).collect(), list.next_cursor))
}

/// `GET …/attempts/{id}`: what was sent and what came back.
pub(crate) async fn attempt_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, attempt_id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let found: Result<AttemptDetailOut, Refused> =
        call(&state, &session, Method::GET, &format!("/v1/attempts/{attempt_id}"), None::<&()>).await;
    // The unscoped API route filters by the session's account; an admin session is held to the path's.
    let Some(detail) = found.ok().filter(|detail| detail.attempt.account_id == account) else {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    };
    let AttemptDetailOut { attempt, request, response } = detail;
    Ok(page(&AttemptPage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        account,
        delivery: attempt.delivery_id,
        number: attempt.attempt,
        event: attempt.event_id,
        topic: attempt.topic,
        when: Moment::at(attempt.started_at, state.app.clock.now_ms()),
        outcome: attempt.outcome,
        latency: attempt.latency_ms,
        error: attempt.error,
        method: request.method,
        url: request.url,
        request_headers: request.headers,
        request_body: request.body,
        response_status: response.as_ref().map(|response| response.status),
        // The bytes as they came, with control characters and invalid bytes as escapes.
        response_body: response
            .as_ref()
            .map(|response| crate::received::visible(&response.body_bytes()))
            .unwrap_or_default(),
        response_headers: response.map(|response| response.headers).unwrap_or_default(),
    }))
}

/// `POST …/deliveries/{id}/resend`: one more attempt, shown in the history.
pub(crate) async fn resend(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, delivery_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, _) = posted(&state, &headers, &account, &body).await?;
    let found: Result<DeliveryDetailOut, Refused> =
        call(&state, &session, Method::GET, &format!("/v1/deliveries/{delivery_id}"), None::<&()>).await;
    if !found.is_ok_and(|detail| detail.delivery.account_id == account) {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    }
    let path = format!("/v1/deliveries/{delivery_id}/resend");
    let resent: Result<DeliveryOut, Refused> = call(&state, &session, Method::POST, &path, Some(&json!({}))).await;
    let notice = match resent {
        Ok(_) => Notice {
            text: Some(format!("Resent: delivery {delivery_id} is queued for one more attempt.")),
            ..Notice::default()
        },
        Err(Refused { error, .. }) => Notice { error: Some(error.message), ..Notice::default() },
    };
    // Back to the history as it was shown (its filters and page) when the form came from it.
    let history = format!("/console/a/{account}/history");
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|referer| referer.to_str().ok())
        .and_then(|referer| referer.find(&history).map(|at| referer[at..].to_owned()))
        .filter(|path| path == &history || path.starts_with(&format!("{history}?")))
        .unwrap_or(history);
    Ok(flash::see_other(&state, &headers, &session, &back, notice))
}

#[derive(Template)]
#[template(path = "console/recover.html")]
pub(crate) struct RecoverPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    action: String,
    back: String,
    status: String,
    since_hours: String,
    since_text: Option<String>,
    preview: bool,
    count: u64,
    duration: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

pub(crate) fn duration_text(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{} s", s.ceil()),
        s if s < 5400.0 => format!("{} min", (s / 60.0).ceil()),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// The recovery the form asks for: its API body and its page.
pub(crate) async fn recovery(
    state: &ConsoleState,
    session: &Session,
    account: &str,
    id: &str,
    fields: &HashMap<String, String>,
    dry_run: bool,
) -> Response {
    let since_hours = fields.get("sinceHours").map(|text| text.trim().to_owned()).unwrap_or_default();
    let now = state.app.clock.now_ms();
    let since = since_hours.parse::<i64>().ok().map(|hours| now.saturating_sub(hours.saturating_mul(3_600_000)));
    let mut request = json!({ "status": "failed", "dryRun": dry_run });
    if let Some(since) = since {
        request["since"] = Value::from(since);
    }
    let base = format!("/console/a/{account}/endpoints/{id}");
    let path = format!("/v1/accounts/{account}/endpoints/{id}/recover");
    let answer: Result<RecoverOut, Refused> = call(state, session, Method::POST, &path, Some(&request)).await;
    let ok = answer.is_ok();
    let count = answer.as_ref().map_or(0, |plan| plan.count);
    let duration = answer.as_ref().ok().and_then(|plan| plan.estimated_seconds).map(duration_text);
    page(&RecoverPage {
        nav_account: Some(account.to_owned()),
        signed_in: true,
        csrf: session.csrf(),
        action: format!("{base}/recover"),
        back: base,
        status: "failed".into(),
        since_hours,
        since_text: since.map(|since| when(Some(since))),
        preview: ok && dry_run,
        count,
        duration,
        notice: (ok && !dry_run).then(|| format!("{count} deliveries are queued again.")),
        error: answer.err().map(|refused| refused.error.message),
    })
}

/// `GET …/recover`: the dry run — how many deliveries, how long — before anything is sent.
pub(crate) async fn recover_preview(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    Ok(recovery(&state, &session, &account, &id, &query, true).await)
}

/// `POST …/recover`: the confirmed recovery.
pub(crate) async fn recover(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, form) = posted(&state, &headers, &account, &body).await?;
    let fields: HashMap<String, String> = form.0.into_iter().collect();
    Ok(recovery(&state, &session, &account, &id, &fields, false).await)
}

/// One attempt on the delivery page's timeline.
pub(crate) struct TimelineStep {
    id: String,
    number: i64,
    when: Moment,
    trigger: String,
    outcome: String,
    status: String,
    latency: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/delivery.html")]
pub(crate) struct DeliveryPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    id: String,
    event: String,
    topic: String,
    endpoint: String,
    endpoint_name: String,
    status: String,
    /// Where it stands, in one sentence: the next attempt and its number, or how it ended.
    standing: String,
    last_error: Option<String>,
    steps: Vec<TimelineStep>,
    /// The endpoint's retry schedule in words.
    schedule: String,
    notice: Option<String>,
    error: Option<String>,
}

/// A wait in words: 30 s, 4 min, 2 h.
fn wait_text(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let seconds = ms / 1000;
    match seconds {
        0..=59 => format!("{seconds} s"),
        60..=5399 => format!("{} min", (seconds + 30) / 60),
        _ => format!("{} h", (seconds + 1800) / 3600),
    }
}

/// The schedule as a sentence: each wait after a failure, then when it is given up.
pub(crate) fn schedule_text(schedule: &RetrySchedule) -> String {
    if schedule.max_retries == 0 {
        return "A delivery is tried 1 time: a failed attempt is not retried.".into();
    }
    let waits: Vec<String> =
        (1..=schedule.max_retries).filter_map(|failures| schedule.nominal_delay_ms(failures)).map(wait_text).collect();
    let total: u64 = (1..=schedule.max_retries).filter_map(|failures| schedule.nominal_delay_ms(failures)).sum();
    format!(
        "After a failed attempt the next one follows after {} (each ±{} %), so a delivery is tried {} times over \
         about {} before it is given up. A 410 Gone stops it at once.",
        waits.join(", "),
        schedule.jitter_percent,
        schedule.max_retries + 1,
        wait_text(total)
    )
}

/// `GET …/deliveries/{id}`: one delivery, its attempts as a timeline, what happens next.
pub(crate) async fn delivery_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, delivery_id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let found: Result<DeliveryDetailOut, Refused> =
        call(&state, &session, Method::GET, &format!("/v1/deliveries/{delivery_id}"), None::<&()>).await;
    let Some(detail) = found.ok().filter(|detail| detail.delivery.account_id == account) else {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    };
    let schedule = state.app.retry_schedule;
    let tries = i64::from(schedule.max_retries) + 1;
    let made = i64::try_from(detail.attempts.len()).unwrap_or(i64::MAX);
    let delivery = detail.delivery;
    let standing = match delivery.status.as_str() {
        "succeeded" => format!("Delivered on attempt {made}."),
        "failed" => format!("Given up after {made} attempt{}.", if made == 1 { "" } else { "s" }),
        _ => match delivery.next_attempt_at {
            Some(at) if delivery.trigger == "scheduled" => {
                format!("Next attempt at {} UTC (attempt {} of {tries}).", super::secrets::minute_text(at), made + 1)
            }
            Some(at) => {
                format!("Sent again on request: attempt {} at {} UTC.", made + 1, super::secrets::minute_text(at))
            }
            None => "Waiting for its next attempt.".into(),
        },
    };
    let mut steps: Vec<TimelineStep> = detail
        .attempts
        .into_iter()
        .map(|attempt| TimelineStep {
            id: attempt.id,
            number: attempt.attempt,
            when: Moment::at(attempt.started_at, state.app.clock.now_ms()),
            trigger: attempt.trigger,
            outcome: attempt.outcome,
            status: attempt.status_code.map(|code| code.to_string()).unwrap_or_default(),
            latency: format!("{} ms", attempt.latency_ms),
            error: attempt.error.unwrap_or_default(),
        })
        .collect();
    steps.sort_by_key(|step| step.number);
    // The endpoint by its name or URL (it may have been deleted since: then its id).
    let endpoint_path = format!("/v1/accounts/{account}/endpoints/{}", delivery.endpoint_id);
    let endpoint_name =
        match call::<crate::http::views::EndpointOut>(&state, &session, Method::GET, &endpoint_path, None::<&()>).await
        {
            Ok(endpoint) if !endpoint.description.is_empty() => endpoint.description,
            Ok(endpoint) => endpoint.url,
            Err(_) => delivery.endpoint_id.clone(),
        };
    let notice = flash::take(&state, &headers, &session);
    let shown = page(&DeliveryPage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        account,
        id: delivery.id,
        event: delivery.event_id,
        topic: delivery.topic,
        endpoint: delivery.endpoint_id,
        endpoint_name,
        // A pending delivery's last error is history, not its state: it shows on its attempt, not as the status.
        last_error: if delivery.status == "failed" { delivery.last_error } else { None },
        status: delivery.status,
        standing,
        steps,
        schedule: schedule_text(&schedule),
        notice: notice.text,
        error: notice.error,
    });
    Ok(flash::shown(&state, &headers, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_reads_as_the_platforms_document_it() {
        let text = schedule_text(&RetrySchedule::default());
        assert!(
            text.starts_with("After a failed attempt the next one follows after 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, 64 min, 2 h, 2 h (each ±20 %)"),
            "{text}"
        );
        assert!(text.contains("tried 11 times over about 6 h"), "{text}");
        let once = RetrySchedule { max_retries: 0, ..RetrySchedule::default() };
        assert_eq!(schedule_text(&once), "A delivery is tried 1 time: a failed attempt is not retried.");
    }
}
