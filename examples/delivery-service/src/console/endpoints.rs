//! The endpoints pages: the list, the add and edit forms, an endpoint with its health, charts, secrets and test
//! events.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).
use crate::http::views::{
    AccountStatsOut, AttemptOut, CreatedEndpointOut, EndpointOut, EndpointStatsOut, ErrorOut, List, NewSecretOut,
    SecretOut, TestEventOut,
};

use super::charts::{class_color, day_slots, latency_chart, outcome_chart, SUCCESS_COLOR};
use super::client::{call, get, Refused};
use super::flash::{self, see_other};
use super::session::{posted, session_for, Form, Session};
use super::{page, when, ConsoleState, Moment, Refusal, DAY_MS};

/// One endpoint in the list.
pub(crate) struct EndpointLine {
    id: String,
    url: String,
    description: String,
    topics: String,
    status: EndpointStatus,
    last_success: Option<Moment>,
    /// Successful attempts of the last 24 hours, as a percentage; empty without attempts.
    success_rate: String,
    /// The 90th percentile of the last 24 hours' latencies, as a bucket bound.
    p90: String,
}

#[derive(Template)]
#[template(path = "console/endpoints.html")]
pub(crate) struct EndpointsPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    endpoints: Vec<EndpointLine>,
    notice: Option<String>,
}

pub(crate) fn topics_text(endpoint: &EndpointOut) -> String {
    endpoint.topics.join(", ")
}

pub(crate) async fn endpoints(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let listed: List<EndpointOut> =
        get(&state, &session, &format!("/v1/accounts/{account}/endpoints?limit=200")).await?;
    let now = state.app.clock.now_ms();
    let since = now.saturating_sub(DAY_MS);
    let stats: AccountStatsOut = get(&state, &session, &format!("/v1/accounts/{account}/stats?since={since}")).await?;
    let endpoints = listed.data.iter().map(|endpoint| {
        let id = endpoint.id.clone();
        let counts = stats.endpoints.get(&id).map(|stats| stats.counts()).unwrap_or_default();
        let total = counts.total();
        EndpointLine {
            success_rate: if total == 0 {
                String::new()
            } else {
                format!("{:.1} %", counts.successes as f64 * 100.0 / total as f64)
            },
            p90: counts.latency_at_most(0.9).map(|ms| format!("≤ {ms} ms")).unwrap_or_default(),
            id,
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            topics: topics_text(endpoint),
            status: endpoint_status(endpoint, now),
            last_success: endpoint.health.last_success_at.map(|at| Moment::at(at, now)),
        }
    });
    let endpoints = endpoints.collect();
    let notice = flash::take(&state, &headers, &session).text;
    let listed = page(&EndpointsPage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        account,
        endpoints,
        notice,
    });
    Ok(flash::shown(&state, &headers, listed))
}

/// An endpoint's one status, computed here for the list and the page alike: words and a colour class, with the
/// reason when it is off. Disabled or deactivated wins over health (an endpoint switched off is never "Healthy").
pub(crate) struct EndpointStatus {
    pub(crate) words: String,
    /// `ok`, `warn`, `off` or `failed`: the pill's colour (always beside the words).
    pub(crate) class: &'static str,
}

pub(crate) fn endpoint_status(endpoint: &EndpointOut, now_ms: i64) -> EndpointStatus {
    let reason = endpoint.disabled_reason.as_deref().unwrap_or_default();
    if endpoint.health.status == "FAILED" {
        return EndpointStatus { words: "Off: FAILED after 3 days of failures".into(), class: "failed" };
    }
    if !endpoint.enabled && reason.contains("410") {
        return EndpointStatus { words: "Off: the receiver answered 410 Gone".into(), class: "failed" };
    }
    if !endpoint.enabled {
        return EndpointStatus { words: "Disabled".into(), class: "off" };
    }
    if let Some(since) = endpoint.health.failing_since {
        let since = i64::try_from(since).unwrap_or(i64::MAX).saturating_mul(1000);
        let next = endpoint
            .health
            .next_attempt_at
            .map(|at| format!("; next attempt {}", Moment::at(at, now_ms).relative()))
            .unwrap_or_default();
        return EndpointStatus {
            words: format!("Failing since {} UTC{next}", super::secrets::minute_text(since)),
            class: "warn",
        };
    }
    if let Some(until) = endpoint.slowed_until.filter(|&until| until > now_ms) {
        return EndpointStatus {
            words: format!("Slowed down until {} UTC", super::secrets::minute_text(until)),
            class: "warn",
        };
    }
    EndpointStatus { words: "Healthy".into(), class: "ok" }
}

/// A topic in the form, with its catalog description.
pub(crate) struct TopicChoice {
    name: &'static str,
    description: &'static str,
    checked: bool,
}

/// The topics of one group.
pub(crate) struct TopicGroupChoice {
    name: &'static str,
    topics: Vec<TopicChoice>,
}

#[derive(Template)]
#[template(path = "console/endpoint_form.html")]
pub(crate) struct EndpointForm {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    action: String,
    endpoint_id: Option<String>,
    url: String,
    /// The endpoint's name (the API's `description`), so endpoints on one host can be told apart.
    description: String,
    groups: Vec<TopicGroupChoice>,
    method: String,
    rate_limit: String,
    burst_limit: String,
    scheme: String,
    enabled: bool,
    form_error: Option<String>,
    url_error: Option<String>,
    topics_error: Option<String>,
    rate_error: Option<String>,
    burst_error: Option<String>,
    /// The pasted secret and its expiry date (create only), kept when the form comes back.
    secret: String,
    secret_expires_on: String,
    secret_error: Option<String>,
    expiry_error: Option<String>,
}

pub(crate) fn topic_groups(checked: &[String]) -> Vec<TopicGroupChoice> {
    let mut groups: Vec<TopicGroupChoice> = Vec::new();
    for topic in dropship_webhooks::TOPICS {
        let choice = TopicChoice {
            name: topic.name,
            description: topic.description,
            checked: checked.iter().any(|name| name == topic.name),
        };
        match groups.iter_mut().find(|group| group.name == topic.group.name()) {
            Some(group) => group.topics.push(choice),
            None => groups.push(TopicGroupChoice { name: topic.group.name(), topics: vec![choice] }),
        }
    }
    groups
}

impl EndpointForm {
    fn blank(account: &str, session: &Session) -> Self {
        Self {
            nav_account: Some(account.to_owned()),
            signed_in: true,
            csrf: session.csrf(),
            action: format!("/console/a/{account}/endpoints"),
            endpoint_id: None,
            url: String::new(),
            description: String::new(),
            groups: topic_groups(&[]),
            method: "POST".into(),
            rate_limit: "0".into(),
            burst_limit: "0".into(),
            scheme: "standard".into(),
            enabled: true,
            form_error: None,
            url_error: None,
            topics_error: None,
            rate_error: None,
            burst_error: None,
            secret: String::new(),
            secret_expires_on: String::new(),
            secret_error: None,
            expiry_error: None,
        }
    }

    /// The form as sent, to show again with the API's refusal next to the field it concerns.
    fn refill(mut self, form: &Form, error: &ErrorOut) -> Self {
        self.url = form.get("url").unwrap_or_default().to_owned();
        self.description = form.get("description").unwrap_or_default().to_owned();
        self.groups = topic_groups(&form.all("topics"));
        self.method = form.get("method").unwrap_or("POST").to_owned();
        self.rate_limit = form.get("rateLimit").unwrap_or("0").to_owned();
        self.burst_limit = form.get("burstLimit").unwrap_or("0").to_owned();
        self.scheme = form.get("scheme").unwrap_or("standard").to_owned();
        self.enabled = form.get("enabled").is_some();
        self.secret = form.get("secret").unwrap_or_default().to_owned();
        self.secret_expires_on = form.get("secretExpiresOn").unwrap_or_default().to_owned();
        // The API names the field its refusal concerns; the limits' refusals are said in the form's words, the
        // others without the API's code formatting.
        let message = plain_words(error);
        match error.field.as_deref() {
            Some("url") => self.url_error = Some(message),
            Some("topics") => self.topics_error = Some(message),
            Some("rateLimit") => self.rate_error = Some(LIMIT_WORDS[0].into()),
            Some("burstLimit") => self.burst_error = Some(LIMIT_WORDS[1].into()),
            Some("secret" | "value") => self.secret_error = Some(message),
            Some("secretExpiresOn" | "expiresAt") => self.expiry_error = Some(message),
            _ => self.form_error = Some(message),
        }
        self
    }
}

/// What the form says when a limit is not a whole number in range (rate, then burst).
const LIMIT_WORDS: [&str; 2] = [
    "Enter a whole number of requests per second, from 0 (no limit) to 4294967295.",
    "Enter a whole number of requests at once, from 0 (no limit) to 4294967295.",
];

/// A limit as typed: empty is 0 (no limit), a whole number in range is itself; anything else is refused on its
/// field before the API is asked — never read as 0, which would mean "unlimited".
fn limit_of(form: &Form, field: &str) -> Result<u32, ErrorOut> {
    let text = form.get(field).unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse::<u32>().map_err(|_| ErrorOut {
        code: "invalid_option".into(),
        message: format!("`{field}` must be a whole number from 0 to 4294967295"),
        field: Some(field.to_owned()),
    })
}

/// The create form's optional secret: pasted (or generated when empty), with an optional expiry date.
fn secret_of(form: &Form, now_seconds: i64) -> Result<Option<Value>, ErrorOut> {
    let value = form.get("secret").map(str::trim).filter(|value| !value.is_empty());
    let expires = form.get("secretExpiresOn").map(str::trim).filter(|date| !date.is_empty());
    let expires_at = match expires {
        None => None,
        Some(date) => Some(super::secrets::future_date(date, now_seconds).map_err(|message| ErrorOut {
            code: "invalid_option".into(),
            message,
            field: Some("secretExpiresOn".into()),
        })?),
    };
    if value.is_none() && expires_at.is_none() {
        return Ok(None);
    }
    let mut secret = json!({});
    if let Some(value) = value {
        secret["value"] = Value::from(value);
    }
    if let Some(at) = expires_at {
        secret["expiresAt"] = Value::from(at);
    }
    Ok(Some(secret))
}

pub(crate) fn endpoint_body(form: &Form, creating: bool) -> Result<Value, ErrorOut> {
    let mut body = json!({
        "url": form.get("url").unwrap_or_default().trim(),
        "topics": form.all("topics"),
        "method": form.get("method").unwrap_or("POST"),
        "rateLimit": limit_of(form, "rateLimit")?,
        "burstLimit": limit_of(form, "burstLimit")?,
        "enabled": form.get("enabled").is_some(),
    });
    if let Some(description) = form.get("description") {
        body["description"] = Value::from(description.trim());
    }
    if creating {
        body["scheme"] = Value::from(form.get("scheme").unwrap_or("standard"));
    }
    Ok(body)
}

pub(crate) async fn new_endpoint(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    Ok(page(&EndpointForm::blank(&account, &session)))
}

pub(crate) async fn create_endpoint(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, form) = posted(&state, &headers, &account, &body).await?;
    let path = format!("/v1/accounts/{account}/endpoints");
    let now_seconds = i64::try_from(state.app.clock.now_seconds()).unwrap_or(i64::MAX);
    let request = endpoint_body(&form, true).and_then(|mut request| {
        if let Some(secret) = secret_of(&form, now_seconds)? {
            request["secret"] = secret;
        }
        Ok(request)
    });
    let sent = match request {
        Ok(request) => call(&state, &session, Method::POST, &path, Some(&request)).await,
        Err(error) => Err(Refused { status: StatusCode::BAD_REQUEST, error }),
    };
    let created: CreatedEndpointOut = match sent {
        Ok(created) => created,
        Err(Refused { error, .. }) => {
            let form = EndpointForm::blank(&account, &session).refill(&form, &error);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&form)).into_response());
        }
    };
    let id = created.endpoint.id;
    let secret = Some(created.secret.value);
    let notice = Notice { text: Some("Endpoint created.".into()), secret, error: None };
    Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice))
}

/// What the endpoint page says after an action.
#[derive(Default, Debug)]
pub(crate) struct Notice {
    pub(crate) text: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) error: Option<String>,
}

/// The endpoint as the page shows it.
pub(crate) struct EndpointView {
    url: String,
    description: String,
    topics: String,
    topic_list: Vec<String>,
    method: String,
    rate_limit: u32,
    burst_limit: u32,
    scheme: String,
    enabled: bool,
    active: bool,
    health: String,
    status: EndpointStatus,
    failing_since: Option<String>,
    disabled_reason: Option<String>,
}

/// A secret in the list: never its value.
pub(crate) struct SecretLine {
    id: String,
    fingerprint: String,
    label: String,
    created: Moment,
    /// `YYYY-MM-DD HH:MM UTC`, or "never".
    expires: String,
    /// The expiry as `YYYY-MM-DD` for the date input (empty: never).
    expires_on: String,
    active: bool,
}

/// An attempt in the list.
pub(crate) struct AttemptLine {
    when: Moment,
    event: String,
    topic: String,
    outcome: String,
    status: String,
    latency: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/endpoint.html")]
pub(crate) struct EndpointPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    id: String,
    base: String,
    view: EndpointView,
    secrets: Vec<SecretLine>,
    attempts: Vec<AttemptLine>,
    notice: Option<String>,
    new_secret: Option<String>,
    error: Option<String>,
    last_success: Option<Moment>,
    outcome_svg: String,
    latency_svg: String,
    legend: Vec<(String, &'static str)>,
    /// Attempts in the last 24 hours: without any, the page says so instead of drawing empty charts.
    day_attempts: i64,
}

pub(crate) async fn render_endpoint(
    state: &ConsoleState,
    session: &Session,
    account: &str,
    id: &str,
    notice: Notice,
) -> Result<Response, Refusal> {
    let api = format!("/v1/accounts/{account}/endpoints/{id}");
    let endpoint: EndpointOut = get(state, session, &api).await?;
    let secrets: List<SecretOut> = get(state, session, &format!("{api}/secrets")).await?;
    let attempts: List<AttemptOut> = get(state, session, &format!("{api}/attempts?limit=20")).await?;
    let view = EndpointView {
        description: endpoint.description.clone(),
        status: endpoint_status(&endpoint, state.app.clock.now_ms()),
        url: endpoint.url.clone(),
        topics: topics_text(&endpoint),
        // Any topic may be sent as a test, the endpoint's own first.
        topic_list: {
            let others = dropship_webhooks::TOPICS
                .iter()
                .map(|topic| topic.name.to_owned())
                .filter(|name| !endpoint.topics.contains(name));
            endpoint.topics.iter().cloned().chain(others).collect()
        },
        method: endpoint.method.clone(),
        rate_limit: endpoint.rate_limit,
        burst_limit: endpoint.burst_limit,
        scheme: endpoint.scheme.clone(),
        enabled: endpoint.enabled,
        active: endpoint.active,
        health: endpoint.health.status.clone(),
        failing_since: endpoint
            .health
            .failing_since
            .and_then(|seconds| i64::try_from(seconds).ok())
            .map(|seconds| when(Some(seconds.saturating_mul(1000)))),
        disabled_reason: endpoint.disabled_reason.clone(),
    };
    let now = state.app.clock.now_ms();
    let secrets = secrets
        .data
        .into_iter()
        .map(|secret| SecretLine {
            id: secret.id,
            fingerprint: secret.fingerprint,
            label: secret.label.unwrap_or_default(),
            created: Moment::at(secret.created_at, now),
            expires: secret.expires_at.map_or_else(
                || "never".into(),
                |at| format!("{} UTC", super::secrets::minute_text(at.saturating_mul(1000))),
            ),
            expires_on: secret.expires_at.map(super::secrets::day_text).unwrap_or_default(),
            active: secret.active,
        })
        .collect();
    let attempts = attempts
        .data
        .into_iter()
        .map(|attempt| AttemptLine {
            when: Moment::at(attempt.started_at, now),
            event: attempt.event_id,
            topic: attempt.topic,
            outcome: attempt.outcome,
            status: attempt.status_code.map(|code| code.to_string()).unwrap_or_default(),
            latency: format!("{} ms", attempt.latency_ms),
            error: attempt.error.unwrap_or_default(),
        })
        .collect();
    let since = now.saturating_sub(DAY_MS);
    let stats: EndpointStatsOut = get(state, session, &format!("{api}/stats?since={since}")).await?;
    let hours: Vec<(i64, crate::model::AttemptCounts)> =
        stats.hours.iter().map(|hour| (hour.hour, hour.attempts.counts())).collect();
    let slots = day_slots(&hours, now);
    let mut legend: Vec<(String, &'static str)> = vec![("success".into(), SUCCESS_COLOR)];
    for (_, counts) in &slots {
        for class in counts.failures.keys() {
            if !legend.iter().any(|(name, _)| name == class) {
                legend.push((class.clone(), class_color(class)));
            }
        }
    }
    let last_success = stats.last_success_at.map(|at| Moment::at(at, now));
    let day_attempts = slots.iter().map(|(_, counts)| counts.total()).sum();
    Ok(page(&EndpointPage {
        day_attempts,
        last_success,
        outcome_svg: outcome_chart(&slots),
        latency_svg: latency_chart(&slots),
        legend,
        nav_account: Some(account.to_owned()),
        signed_in: true,
        csrf: session.csrf(),
        account: account.to_owned(),
        id: id.to_owned(),
        base: format!("/console/a/{account}/endpoints/{id}"),
        view,
        secrets,
        attempts,
        notice: notice.text,
        new_secret: notice.secret,
        error: notice.error,
    }))
}

pub(crate) async fn endpoint_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let notice = flash::take(&state, &headers, &session);
    Ok(flash::shown(&state, &headers, render_endpoint(&state, &session, &account, &id, notice).await?))
}

pub(crate) async fn edit_endpoint_form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let endpoint: EndpointOut = get(&state, &session, &format!("/v1/accounts/{account}/endpoints/{id}")).await?;
    let mut form = EndpointForm::blank(&account, &session);
    form.action = format!("/console/a/{account}/endpoints/{id}/edit");
    form.endpoint_id = Some(id);
    form.url = endpoint.url;
    form.description = endpoint.description;
    form.groups = topic_groups(&endpoint.topics);
    form.method = endpoint.method;
    form.rate_limit = endpoint.rate_limit.to_string();
    form.burst_limit = endpoint.burst_limit.to_string();
    form.enabled = endpoint.enabled;
    Ok(page(&form))
}

pub(crate) async fn edit_endpoint(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, form) = posted(&state, &headers, &account, &body).await?;
    let path = format!("/v1/accounts/{account}/endpoints/{id}");
    let edited: Result<EndpointOut, Refused> = match endpoint_body(&form, false) {
        Ok(request) => call(&state, &session, Method::PATCH, &path, Some(&request)).await,
        Err(error) => Err(Refused { status: StatusCode::BAD_REQUEST, error }),
    };
    if let Err(Refused { error, .. }) = edited {
        let mut refilled = EndpointForm::blank(&account, &session).refill(&form, &error);
        refilled.action = format!("/console/a/{account}/endpoints/{id}/edit");
        refilled.endpoint_id = Some(id);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&refilled)).into_response());
    }
    let notice = Notice { text: Some("Saved.".into()), ..Notice::default() };
    Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice))
}

/// Runs one API action for a form on the endpoint page (its answer read as `T`) and shows the page again with
/// what came of it.
pub(crate) async fn endpoint_action<T: serde::de::DeserializeOwned>(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: &str,
    id: &str,
    body: &Bytes,
    action: impl FnOnce(&Form, i64) -> Result<(Method, String, Value), String>,
    done: impl FnOnce(T) -> Notice,
) -> Result<Response, Refusal> {
    let (session, form) = posted(state, headers, account, body).await?;
    let now_seconds = i64::try_from(state.app.clock.now_seconds()).unwrap_or(i64::MAX);
    let notice = match action(&form, now_seconds) {
        // Refused by the console itself (a date in the past, a box not ticked): the API is not asked.
        Err(problem) => Notice { error: Some(problem), ..Notice::default() },
        Ok((method, path, request)) => {
            let path = format!("/v1/accounts/{account}/endpoints/{id}{path}");
            match call(state, &session, method, &path, Some(&request)).await {
                Ok(answer) => done(answer),
                Err(Refused { error, .. }) => Notice { error: Some(plain_words(&error)), ..Notice::default() },
            }
        }
    };
    Ok(see_other(state, headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice))
}

pub(crate) async fn add_secret(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    endpoint_action(
        &state,
        &headers,
        &account,
        &id,
        &body,
        |form, now| {
            let mut request = json!({});
            if let Some(label) = form.get("label").filter(|label| !label.trim().is_empty()) {
                request["label"] = Value::from(label.trim());
            }
            if let Some(value) = form.get("value").filter(|value| !value.trim().is_empty()) {
                request["value"] = Value::from(value.trim());
            }
            if let Some(date) = form.get("expiresOn").filter(|date| !date.trim().is_empty()) {
                request["expiresAt"] = Value::from(super::secrets::future_date(date, now)?);
            }
            Ok((Method::POST, "/secrets".into(), request))
        },
        |answer: NewSecretOut| Notice {
            text: Some("Secret added: deliveries are signed with it too.".into()),
            secret: Some(answer.value),
            error: None,
        },
    )
    .await
}

pub(crate) async fn expire_secret(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id, secret_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    endpoint_action(
        &state,
        &headers,
        &account,
        &id,
        &body,
        |_, now| Ok((Method::PATCH, format!("/secrets/{secret_id}"), json!({ "expiresAt": now }))),
        |_: SecretOut| Notice { text: Some("Secret expired.".into()), ..Notice::default() },
    )
    .await
}

pub(crate) async fn send_test(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, form) = posted(&state, &headers, &account, &body).await?;
    let api = format!("/v1/accounts/{account}/endpoints/{id}");
    let topic = form.get("topic").unwrap_or("order.created").to_owned();
    let sent: Result<TestEventOut, Refused> =
        call(&state, &session, Method::POST, &format!("{api}/test"), Some(&json!({ "topic": topic }))).await;
    let event = match sent {
        Ok(sent) => sent.id,
        Err(Refused { error, .. }) => {
            let notice = Notice { error: Some(error.message), ..Notice::default() };
            return Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice));
        }
    };
    // Shown inline: the page waits (a little) for the test's attempt to be recorded.
    let mut outcome = None;
    for _ in 0..TEST_WAIT_STEPS {
        let attempts: List<AttemptOut> = get(&state, &session, &format!("{api}/attempts?limit=10")).await?;
        outcome = attempts.data.into_iter().find(|attempt| attempt.event_id == event);
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = match outcome {
        Some(attempt) => format!(
            "Test event {event} ({topic}) sent: {}{}.",
            attempt.outcome,
            attempt.status_code.map(|code| format!(", HTTP {code}")).unwrap_or_default()
        ),
        None => format!("Test event {event} ({topic}) queued: its attempt appears below in a moment."),
    };
    let notice = Notice { text: Some(text), ..Notice::default() };
    Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice))
}

/// How long (in steps of 50 ms) a test event's page waits for its attempt.
pub(crate) const TEST_WAIT_STEPS: usize = 60;

/// An API refusal said the way the console's reader needs it: the codes a person meets on these pages get
/// sentences pointing at the page's own controls (never API routes); any other message loses its code formatting.
pub(crate) fn plain_words(error: &ErrorOut) -> String {
    match error.code.as_str() {
        "last_active_secret" => "This is the endpoint's only active secret, so expiring it would stop every \
                                 delivery. Replace it instead (below): the new one takes over after the overlap."
            .into(),
        "secret_active" => "Only an expired secret can be deleted.".into(),
        _ => error.message.replace('`', ""),
    }
}
