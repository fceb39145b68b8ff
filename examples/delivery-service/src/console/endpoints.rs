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
use crate::http::error::ApiError;

use super::charts::{class_color, day_slots, latency_chart, outcome_chart, SUCCESS_COLOR};
use super::client::{call, call_ok, error_message, items};
use super::session::{posted, session_for, Form, Session};
use super::{page, when, ConsoleState, Refusal, DAY_MS};

/// One endpoint in the list.
pub(crate) struct EndpointLine {
    id: String,
    url: String,
    topics: String,
    enabled: bool,
    health: String,
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
}

pub(crate) fn topics_text(endpoint: &Value) -> String {
    endpoint["topics"]
        .as_array()
        .map(|topics| topics.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

pub(crate) async fn endpoints(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let answer = call_ok(&state, &session, Method::GET, &format!("/v1/accounts/{account}/endpoints?limit=200")).await?;
    let since = state.app.clock.now_ms().saturating_sub(DAY_MS);
    let stats = state.app.store.attempt_counts_by_endpoint(&account, since).await.map_err(ApiError::from)?;
    let endpoints = items(&answer, |endpoint| {
        let id = endpoint["id"].as_str().unwrap_or_default().to_owned();
        let counts = stats.get(&id).cloned().unwrap_or_default();
        let total = counts.total();
        EndpointLine {
            success_rate: if total == 0 {
                String::new()
            } else {
                format!("{:.1} %", counts.successes as f64 * 100.0 / total as f64)
            },
            p90: counts.latency_at_most(0.9).map(|ms| format!("≤ {ms} ms")).unwrap_or_default(),
            id,
            url: endpoint["url"].as_str().unwrap_or_default().to_owned(),
            topics: topics_text(endpoint),
            enabled: endpoint["enabled"].as_bool().unwrap_or(false),
            health: endpoint["health"]["status"].as_str().unwrap_or_default().to_owned(),
        }
    });
    Ok(page(&EndpointsPage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        account,
        endpoints,
    }))
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
    groups: Vec<TopicGroupChoice>,
    method: String,
    rate_limit: String,
    burst_limit: String,
    scheme: String,
    enabled: bool,
    form_error: Option<String>,
    url_error: Option<String>,
    topics_error: Option<String>,
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
            groups: topic_groups(&[]),
            method: "POST".into(),
            rate_limit: "0".into(),
            burst_limit: "0".into(),
            scheme: "standard".into(),
            enabled: true,
            form_error: None,
            url_error: None,
            topics_error: None,
        }
    }

    /// The form as sent, to show again with the API's refusal next to the field it concerns.
    fn refill(mut self, form: &Form, answer: &Value) -> Self {
        self.url = form.get("url").unwrap_or_default().to_owned();
        self.groups = topic_groups(&form.all("topics"));
        self.method = form.get("method").unwrap_or("POST").to_owned();
        self.rate_limit = form.get("rateLimit").unwrap_or("0").to_owned();
        self.burst_limit = form.get("burstLimit").unwrap_or("0").to_owned();
        self.scheme = form.get("scheme").unwrap_or("standard").to_owned();
        self.enabled = form.get("enabled").is_some();
        let message = error_message(answer);
        let field = answer["error"]["field"].as_str().map(str::to_owned).or_else(|| {
            // The core names the field in its message: "the endpoint's `url` is invalid: …".
            message.split('`').nth(1).map(str::to_owned)
        });
        match field.as_deref() {
            Some("url") => self.url_error = Some(message),
            Some("topics") => self.topics_error = Some(message),
            _ if answer["error"]["code"] == "endpoint_exists" => self.url_error = Some(message),
            _ => self.form_error = Some(message),
        }
        self
    }
}

pub(crate) fn endpoint_body(form: &Form, creating: bool) -> Value {
    let number = |name| form.get(name).and_then(|text| text.trim().parse::<i64>().ok()).unwrap_or(0);
    let mut body = json!({
        "url": form.get("url").unwrap_or_default().trim(),
        "topics": form.all("topics"),
        "method": form.get("method").unwrap_or("POST"),
        "rateLimit": number("rateLimit"),
        "burstLimit": number("burstLimit"),
        "enabled": form.get("enabled").is_some(),
    });
    if creating {
        body["scheme"] = Value::from(form.get("scheme").unwrap_or("standard"));
    }
    body
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
    let (status, answer) = call(
        &state,
        &session,
        Method::POST,
        &format!("/v1/accounts/{account}/endpoints"),
        Some(endpoint_body(&form, true)),
    )
    .await;
    if !status.is_success() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&EndpointForm::blank(&account, &session).refill(&form, &answer)),
        )
            .into_response());
    }
    let id = answer["id"].as_str().unwrap_or_default().to_owned();
    let secret = answer["secret"]["value"].as_str().map(str::to_owned);
    render_endpoint(
        &state,
        &session,
        &account,
        &id,
        Notice { text: Some("Endpoint created.".into()), secret, error: None },
    )
    .await
}

/// What the endpoint page says after an action.
#[derive(Default)]
pub(crate) struct Notice {
    pub(crate) text: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) error: Option<String>,
}

/// The endpoint as the page shows it.
pub(crate) struct EndpointView {
    url: String,
    topics: String,
    topic_list: Vec<String>,
    method: String,
    rate_limit: i64,
    burst_limit: i64,
    scheme: String,
    enabled: bool,
    active: bool,
    health: String,
    failing_since: Option<String>,
    disabled_reason: Option<String>,
}

/// A secret in the list: never its value.
pub(crate) struct SecretLine {
    id: String,
    fingerprint: String,
    label: String,
    created: String,
    expires: String,
    active: bool,
}

/// An attempt in the list.
pub(crate) struct AttemptLine {
    when: String,
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
    last_success: Option<String>,
    outcome_svg: String,
    latency_svg: String,
    legend: Vec<(String, &'static str)>,
}

pub(crate) async fn render_endpoint(
    state: &ConsoleState,
    session: &Session,
    account: &str,
    id: &str,
    notice: Notice,
) -> Result<Response, Refusal> {
    let api = format!("/v1/accounts/{account}/endpoints/{id}");
    let endpoint = call_ok(state, session, Method::GET, &api).await?;
    let (_, secrets) = call(state, session, Method::GET, &format!("{api}/secrets"), None).await;
    let (_, attempts) = call(state, session, Method::GET, &format!("{api}/attempts?limit=20"), None).await;
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let view = EndpointView {
        url: text(&endpoint["url"]),
        topics: topics_text(&endpoint),
        // Any topic may be sent as a test, the endpoint's own first.
        topic_list: {
            let own: Vec<String> =
                endpoint["topics"].as_array().map(|list| list.iter().map(text).collect()).unwrap_or_default();
            let others =
                dropship_webhooks::TOPICS.iter().map(|topic| topic.name.to_owned()).filter(|name| !own.contains(name));
            own.iter().cloned().chain(others).collect()
        },
        method: text(&endpoint["method"]),
        rate_limit: endpoint["rateLimit"].as_i64().unwrap_or(0),
        burst_limit: endpoint["burstLimit"].as_i64().unwrap_or(0),
        scheme: text(&endpoint["scheme"]),
        enabled: endpoint["enabled"].as_bool().unwrap_or(false),
        active: endpoint["active"].as_bool().unwrap_or(false),
        health: text(&endpoint["health"]["status"]),
        failing_since: endpoint["health"]["failingSince"]
            .as_i64()
            .map(|seconds| when(Some(seconds.saturating_mul(1000)))),
        disabled_reason: endpoint["disabledReason"].as_str().map(str::to_owned),
    };
    let secrets = items(&secrets, |secret| SecretLine {
        id: text(&secret["id"]),
        fingerprint: text(&secret["fingerprint"]),
        label: text(&secret["label"]),
        created: when(secret["createdAt"].as_i64()),
        expires: secret["expiresAt"].as_i64().map_or_else(|| "never".into(), |at| when(Some(at.saturating_mul(1000)))),
        active: secret["active"].as_bool().unwrap_or(false),
    });
    let attempts = items(&attempts, |attempt| AttemptLine {
        when: when(attempt["startedAt"].as_i64()),
        event: text(&attempt["eventId"]),
        topic: text(&attempt["topic"]),
        outcome: text(&attempt["outcome"]),
        status: attempt["statusCode"].as_i64().map(|code| code.to_string()).unwrap_or_default(),
        latency: attempt["latencyMs"].as_i64().map(|ms| format!("{ms} ms")).unwrap_or_default(),
        error: text(&attempt["error"]),
    });
    let now = state.app.clock.now_ms();
    let store = &state.app.store;
    let hours = store.attempt_counts_by_hour(id, now.saturating_sub(DAY_MS)).await.map_err(ApiError::from)?;
    let slots = day_slots(&hours, now);
    let mut legend: Vec<(String, &'static str)> = vec![("success".into(), SUCCESS_COLOR)];
    for (_, counts) in &slots {
        for class in counts.failures.keys() {
            if !legend.iter().any(|(name, _)| name == class) {
                legend.push((class.clone(), class_color(class)));
            }
        }
    }
    let last_success = store.last_success(id).await.map_err(ApiError::from)?.map(|at| when(Some(at)));
    Ok(page(&EndpointPage {
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
    render_endpoint(&state, &session, &account, &id, Notice::default()).await
}

pub(crate) async fn edit_endpoint_form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let endpoint = call_ok(&state, &session, Method::GET, &format!("/v1/accounts/{account}/endpoints/{id}")).await?;
    let topics: Vec<String> = endpoint["topics"]
        .as_array()
        .map(|list| list.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut form = EndpointForm::blank(&account, &session);
    form.action = format!("/console/a/{account}/endpoints/{id}/edit");
    form.endpoint_id = Some(id);
    form.url = endpoint["url"].as_str().unwrap_or_default().to_owned();
    form.groups = topic_groups(&topics);
    form.method = endpoint["method"].as_str().unwrap_or("POST").to_owned();
    form.rate_limit = endpoint["rateLimit"].as_i64().unwrap_or(0).to_string();
    form.burst_limit = endpoint["burstLimit"].as_i64().unwrap_or(0).to_string();
    form.enabled = endpoint["enabled"].as_bool().unwrap_or(true);
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
    let (status, answer) = call(&state, &session, Method::PATCH, &path, Some(endpoint_body(&form, false))).await;
    if !status.is_success() {
        let mut refilled = EndpointForm::blank(&account, &session).refill(&form, &answer);
        refilled.action = format!("/console/a/{account}/endpoints/{id}/edit");
        refilled.endpoint_id = Some(id);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&refilled)).into_response());
    }
    render_endpoint(&state, &session, &account, &id, Notice { text: Some("Saved.".into()), ..Notice::default() }).await
}

/// Runs one API action for a form on the endpoint page and shows the page again with what came of it.
pub(crate) async fn endpoint_action(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: &str,
    id: &str,
    body: &Bytes,
    action: impl FnOnce(&Form, i64) -> (Method, String, Option<Value>),
    done: impl FnOnce(&Value) -> Notice,
) -> Result<Response, Refusal> {
    let (session, form) = posted(state, headers, account, body).await?;
    let now_seconds = i64::try_from(state.app.clock.now_seconds()).unwrap_or(i64::MAX);
    let (method, path, request) = action(&form, now_seconds);
    let (status, answer) =
        call(state, &session, method, &format!("/v1/accounts/{account}/endpoints/{id}{path}"), request).await;
    let notice = if status.is_success() {
        done(&answer)
    } else {
        Notice { error: Some(error_message(&answer)), ..Notice::default() }
    };
    render_endpoint(state, &session, account, id, notice).await
}

pub(crate) async fn activate(
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
        |_, _| (Method::POST, "/activate".into(), Some(json!({}))),
        |_| Notice { text: Some("Activated: deliveries resume.".into()), ..Notice::default() },
    )
    .await
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
            if let Some(days) = form.get("expiresInDays").and_then(|days| days.trim().parse::<i64>().ok()) {
                request["expiresAt"] = Value::from(now.saturating_add(days.saturating_mul(86_400)));
            }
            (Method::POST, "/secrets".into(), Some(request))
        },
        |answer| Notice {
            text: Some("Secret added: deliveries are signed with it too.".into()),
            secret: answer["value"].as_str().map(str::to_owned),
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
        |_, now| (Method::PATCH, format!("/secrets/{secret_id}"), Some(json!({ "expiresAt": now }))),
        |_| Notice { text: Some("Secret expired.".into()), ..Notice::default() },
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
    let (status, answer) =
        call(&state, &session, Method::POST, &format!("{api}/test"), Some(json!({ "topic": topic }))).await;
    if !status.is_success() {
        let notice = Notice { error: Some(error_message(&answer)), ..Notice::default() };
        return render_endpoint(&state, &session, &account, &id, notice).await;
    }
    // Shown inline: the page waits (a little) for the test's attempt to be recorded.
    let event = answer["id"].as_str().unwrap_or_default().to_owned();
    let mut outcome = None;
    for _ in 0..TEST_WAIT_STEPS {
        let (_, attempts) = call(&state, &session, Method::GET, &format!("{api}/attempts?limit=10"), None).await;
        outcome =
            attempts["data"].as_array().and_then(|list| list.iter().find(|a| a["eventId"] == event.as_str()).cloned());
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = match outcome {
        Some(attempt) => format!(
            "Test event {event} ({topic}) sent: {}{}.",
            attempt["outcome"].as_str().unwrap_or_default(),
            attempt["statusCode"].as_i64().map(|code| format!(", HTTP {code}")).unwrap_or_default()
        ),
        None => format!("Test event {event} ({topic}) queued: its attempt appears below in a moment."),
    };
    render_endpoint(&state, &session, &account, &id, Notice { text: Some(text), ..Notice::default() }).await
}

/// How long (in steps of 50 ms) a test event's page waits for its attempt.
pub(crate) const TEST_WAIT_STEPS: usize = 60;
