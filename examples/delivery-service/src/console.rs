//! The webhooks console at `/console`: the page where an account's user manages its endpoints and secrets, sees
//! their health, sends test events and reads the audit log — server-rendered HTML (askama templates compiled into
//! the binary, the stylesheet and the one small script embedded too), every form working without scripts.
//!
//! Access: a platform asks `POST /v1/accounts/{account}/console-links` for a single-use link valid for minutes and
//! puts it behind a button in its own settings page; an admin signs in with an admin key for every account. A
//! session is an HttpOnly, SameSite=Strict cookie (Secure when the request came over https) with an idle timeout;
//! every form carries the session's CSRF token, and the pages' Content-Security-Policy allows no inline script.
//!
//! The console acts through the JSON API in process, as its session's principal ([`InternalCaller`]): the same
//! validation, account isolation and audit log as any API client, and no second copy of the rules.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower::ServiceExt;

use crate::http::auth::{hash_api_key, InternalCaller, Scope};
use crate::http::AppState;
// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).
use crate::clock::wall_ms;
use crate::http::error::ApiError;
use crate::model::Principal;
use crate::store::console::{AttemptCounts, ConsoleLink, ConsoleSession, LinkUse};

/// A day in ms: the window of the console's rates and charts.
const DAY_MS: i64 = 86_400_000;

/// The session cookie's name.
pub const COOKIE: &str = "dw_console";
/// How long a console link may wait before it is used.
pub const LINK_TTL: Duration = Duration::from_secs(10 * 60);
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// …and at the latest this long after it opened.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The pages' policy: nothing inline, nothing from elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../assets/console.css");
const SCRIPT: &str = include_str!("../assets/console.js");
const ICON: &str = include_str!("../assets/icon.svg");

/// What the console's handlers share: the service's state and the API router they act through.
#[derive(Clone)]
pub struct ConsoleState {
    app: AppState,
    api: Router,
}

/// The console's routes (under `/console`), acting through `api`.
pub fn routes(app: AppState, api: Router) -> Router {
    let account = "/console/a/{account}";
    let endpoint = format!("{account}/endpoints/{{id}}");
    Router::new()
        .route("/console", get(home))
        .route("/console/assets/console.css", get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route("/console/assets/console.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/console/assets/icon.svg", get(|| async { asset("image/svg+xml", ICON) }))
        .route("/console/enter", get(enter_confirm).post(enter))
        .route("/console/sign-in", get(sign_in_form).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route(&format!("{account}/endpoints"), get(endpoints).post(create_endpoint))
        .route(&format!("{account}/endpoints/new"), get(new_endpoint))
        .route(&endpoint, get(endpoint_page))
        .route(&format!("{endpoint}/edit"), get(edit_endpoint_form).post(edit_endpoint))
        .route(&format!("{endpoint}/activate"), post(activate))
        .route(&format!("{endpoint}/secrets"), post(add_secret))
        .route(&format!("{endpoint}/secrets/{{secret_id}}/expire"), post(expire_secret))
        .route(&format!("{endpoint}/test"), post(send_test))
        .route(&format!("{account}/audit"), get(audit))
        .route(&format!("{account}/history"), get(history))
        .route(&format!("{account}/stream"), get(stream))
        .route(&format!("{account}/attempts/{{attempt_id}}"), get(attempt_page))
        .route(&format!("{account}/deliveries/{{delivery_id}}/resend"), post(resend))
        .route(&format!("{endpoint}/recover"), get(recover_preview).post(recover))
        .layer(axum::middleware::map_response(protect))
        .with_state(ConsoleState { app, api })
}

/// Headers every console response carries.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], text).into_response()
}

fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| ApiError::internal(&error))?;
    Ok(hex::encode(bytes))
}

fn hashed(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `POST /v1/accounts/{account}/console-links` (admin or account key): a single-use sign-in link to the console
/// for this account, valid for [`LINK_TTL`], tied to the key that asked for it (revoking the key voids it).
///
/// The link's address is the configured public base URL (`--public-url`) and its path, or the path alone: never
/// built from the request's `Host`, which a client chooses.
pub async fn create_link(State(state): State<AppState>, scope: Scope) -> Result<Response, ApiError> {
    let token = random_token()?;
    let now = wall_ms();
    let expires_at = now.saturating_add(ms(LINK_TTL));
    let link = ConsoleLink { account_id: scope.account.clone(), key_id: scope.principal.key_id.clone() };
    state.store.add_console_link(&hashed(&token), &link, now, expires_at).await?;
    let path = format!("/console/enter?token={token}");
    let url = match &state.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.clone(),
    };
    Ok((StatusCode::CREATED, Json(json!({ "url": url, "path": path, "expiresAt": expires_at }))).into_response())
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()).is_some_and(|proto| proto == "https")
}

/// The session cookie: HttpOnly, SameSite=Strict, scoped to the console, Secure over https.
fn session_cookie(id: &str, headers: &HeaderMap, max_age: Duration) -> String {
    let secure = if forwarded_https(headers) { "; Secure" } else { "" };
    format!("{COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{secure}", max_age.as_secs())
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, COOKIE)
}

fn cookie_named(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == wanted).then(|| value.to_owned())
        })
}

/// A session's page context.
struct Session {
    id_hash: String,
    inner: ConsoleSession,
}

impl Session {
    /// The principal the session acts as: the key it stands on, within the session's account.
    fn principal(&self) -> Principal {
        Principal {
            key_id: self.inner.key_id.clone(),
            account_id: self.inner.account_id.clone(),
            console_session: Some(self.id_hash.get(..12).unwrap_or_default().to_owned()),
        }
    }

    fn may_see(&self, account: &str) -> bool {
        self.inner.account_id.as_deref().is_none_or(|own| own == account)
    }

    fn csrf(&self) -> String {
        self.inner.csrf.clone()
    }
}

/// Why a console request cannot go on: not signed in (to the sign-in page) or anything else (a page that says so).
enum Refusal {
    SignIn,
    Page(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/console/sign-in").into_response(),
            Self::Page(status, text) => {
                (status, page(&MessagePage::error("Not possible", text, Some("/console".into()), false, String::new())))
                    .into_response()
            }
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Page(error.status, error.message)
    }
}

async fn session(state: &ConsoleState, headers: &HeaderMap) -> Result<Session, Refusal> {
    let Some(id) = cookie_value(headers) else { return Err(Refusal::SignIn) };
    let id_hash = hashed(&id);
    let now = wall_ms();
    match state.app.store.console_session(&id_hash, now, ms(IDLE_TIMEOUT)).await.map_err(ApiError::from)? {
        Some(inner) => Ok(Session { id_hash, inner }),
        None => Err(Refusal::SignIn),
    }
}

/// The session, allowed to see `account` (404 otherwise, as the API answers: nothing of another account leaks).
async fn session_for(state: &ConsoleState, headers: &HeaderMap, account: &str) -> Result<Session, Refusal> {
    let session = session(state, headers).await?;
    if !session.may_see(account) {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    }
    Ok(session)
}

/// A form posted in a session allowed to see `account`, with its CSRF token checked.
async fn posted(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: &str,
    body: &Bytes,
) -> Result<(Session, Form), Refusal> {
    let session = session_for(state, headers, account).await?;
    let form = Form::parse(body);
    form.check_csrf(&session)?;
    Ok((session, form))
}

/// A form's fields, repeated names kept (topics).
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &Bytes) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(key, _)| key == name).map(|(_, value)| value.clone()).collect()
    }

    /// The CSRF token matches the session's (compared in constant time), or the form is refused.
    fn check_csrf(&self, session: &Session) -> Result<(), Refusal> {
        let sent = self.get("_csrf").unwrap_or_default().as_bytes();
        if bool::from(sent.ct_eq(session.inner.csrf.as_bytes())) && !sent.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Page(
                StatusCode::FORBIDDEN,
                "This form is missing its security token (or it is from another session): reload the page and try again."
                    .into(),
            ))
        }
    }
}

/// An API request made as the session's principal.
fn as_session(session: &Session, request: axum::http::request::Builder) -> axum::http::request::Builder {
    request.extension(InternalCaller(session.principal()))
}

/// Calls the JSON API as the session's principal; the status and the JSON answer.
async fn call(
    state: &ConsoleState,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = as_session(session, Request::builder().method(method).uri(path))
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or_else(Body::empty, |value| Body::from(value.to_string()));
    let Ok(request) = request.body(body) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": { "message": "bad internal request" } }));
    };
    let Ok(response) = state.api.clone().oneshot(request).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// [`call`], with a refusal of the API shown as a page saying why.
async fn call_ok(state: &ConsoleState, session: &Session, method: Method, path: &str) -> Result<Value, Refusal> {
    let (status, answer) = call(state, session, method, path, None).await;
    if !status.is_success() {
        return Err(Refusal::Page(status, error_message(&answer)));
    }
    Ok(answer)
}

/// The items of a list answer's `data`, each made by `make`.
fn items<T>(answer: &Value, make: impl Fn(&Value) -> T) -> Vec<T> {
    answer["data"].as_array().map(|list| list.iter().map(make).collect()).unwrap_or_default()
}

fn error_message(answer: &Value) -> String {
    answer["error"]["message"].as_str().unwrap_or("the request failed").to_owned()
}

fn page<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(error) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the page could not be rendered: {error}")).into_response()
        }
    }
}

fn when(ms: Option<i64>) -> String {
    ms.map(dropship_webhooks::time::rfc3339_ms).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    heading: String,
    text: String,
    back: Option<String>,
    is_error: bool,
}

impl MessagePage {
    fn error(heading: &str, text: String, back: Option<String>, signed_in: bool, csrf: String) -> Self {
        Self { nav_account: None, signed_in, csrf, heading: heading.into(), text, back, is_error: true }
    }
}

async fn home(State(state): State<ConsoleState>, headers: HeaderMap) -> Result<Response, Refusal> {
    let session = session(&state, &headers).await?;
    if let Some(account) = &session.inner.account_id {
        return Ok(Redirect::to(&format!("/console/a/{account}/endpoints")).into_response());
    }
    let answer = call_ok(&state, &session, Method::GET, "/v1/accounts?limit=200").await?;
    let accounts = items(&answer, |account| {
        (account["id"].as_str().unwrap_or_default().to_owned(), account["name"].as_str().unwrap_or_default().to_owned())
    });
    Ok(page(&AccountsPage { nav_account: None, signed_in: true, csrf: session.csrf(), accounts }))
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    accounts: Vec<(String, String)>,
}

/// The cookie that ties a link's confirmation to the browser that asked for it (SameSite=Strict: a form another
/// site posts cannot carry it, so no site can sign a browser into an account of its choosing).
const ENTER_COOKIE: &str = "dw_console_enter";

fn link_refused() -> Response {
    let text = "This sign-in link was already used or has expired. Open the console again from your platform's \
                settings page for a new one.";
    (StatusCode::FORBIDDEN, page(&MessagePage::error("Link not valid", text.into(), None, false, String::new())))
        .into_response()
}

#[derive(Template)]
#[template(path = "console/enter.html")]
struct EnterPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account_id: String,
    account_name: String,
    token: String,
    nonce: String,
}

/// `GET /console/enter?token=…`: a page that says which account the link opens, with a button. Nothing is used or
/// opened by a GET (link scanners and prefetchers follow links; a cross-site GET must not sign anyone in).
async fn enter_confirm(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let token = query.get("token").cloned().unwrap_or_default();
    let store = &state.app.store;
    let Some(link) = store.peek_console_link(&hashed(&token), wall_ms()).await.map_err(ApiError::from)? else {
        return Ok(link_refused());
    };
    if !store.key_is_live(&link.key_id).await.map_err(ApiError::from)? {
        return Ok(link_refused());
    }
    let account = store.account(&link.account_id).await.map_err(ApiError::from)?;
    let Some(account) = account else { return Ok(link_refused()) };
    let nonce = random_token()?;
    let secure = if forwarded_https(&headers) { "; Secure" } else { "" };
    let cookie = format!(
        "{ENTER_COOKIE}={nonce}; Path=/console/enter; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        LINK_TTL.as_secs()
    );
    let body = page(&EnterPage {
        nav_account: None,
        signed_in: false,
        csrf: String::new(),
        account_id: account.id,
        account_name: account.name,
        token,
        nonce,
    });
    Ok(([(header::SET_COOKIE, cookie)], body).into_response())
}

/// `POST /console/enter`: the confirmation's button, from the page this browser got (its cookie matches the form):
/// uses the link once and opens its session, standing on the key that made the link.
async fn enter(State(state): State<ConsoleState>, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    let sent = form.get("_confirm").unwrap_or_default().as_bytes();
    let expected = cookie_named(&headers, ENTER_COOKIE).unwrap_or_default();
    if sent.is_empty() || !bool::from(sent.ct_eq(expected.as_bytes())) {
        return Err(Refusal::Page(
            StatusCode::FORBIDDEN,
            "This sign-in was not confirmed from this browser's own page. Open the link again and press the button \
             on the page it shows."
                .into(),
        ));
    }
    let store = &state.app.store;
    let token = form.get("token").unwrap_or_default();
    let LinkUse::Opened(link) = store.use_console_link(&hashed(token), wall_ms()).await.map_err(ApiError::from)? else {
        return Ok(link_refused());
    };
    if !store.key_is_live(&link.key_id).await.map_err(ApiError::from)? {
        return Ok(link_refused());
    }
    let to = format!("/console/a/{}/endpoints", link.account_id);
    let mut response = open_session(&state, &headers, Some(&link.account_id), &link.key_id, &to).await?;
    let clear = format!("{ENTER_COOKIE}=; Path=/console/enter; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn open_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: Option<&str>,
    key_id: &str,
    to: &str,
) -> Result<Response, Refusal> {
    let id = random_token()?;
    let csrf = random_token()?;
    let now = wall_ms();
    state
        .app
        .store
        .open_console_session(&hashed(&id), account, key_id, &csrf, now, now.saturating_add(ms(SESSION_LIFETIME)))
        .await
        .map_err(ApiError::from)?;
    let cookie = session_cookie(&id, headers, SESSION_LIFETIME);
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, to.to_owned())]).into_response())
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    error: Option<String>,
}

async fn sign_in_form() -> Response {
    page(&SignInPage { nav_account: None, signed_in: false, csrf: String::new(), error: None })
}

/// `POST /console/sign-in`: an admin key opens an admin session (every account).
async fn sign_in(State(state): State<ConsoleState>, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    let key = form.get("key").unwrap_or_default().trim();
    let principal = state.app.store.principal(&hex::encode(hash_api_key(key))).await.map_err(ApiError::from)?;
    let Some(admin) = principal.filter(Principal::is_admin) else {
        let error = Some("That is not an admin key of this service.".to_owned());
        return Ok((
            StatusCode::UNAUTHORIZED,
            page(&SignInPage { nav_account: None, signed_in: false, csrf: String::new(), error }),
        )
            .into_response());
    };
    open_session(&state, &headers, None, &admin.key_id, "/console").await
}

async fn sign_out(State(state): State<ConsoleState>, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
    let session = session(&state, &headers).await?;
    Form::parse(&body).check_csrf(&session)?;
    state.app.store.close_console_session(&session.id_hash).await.map_err(ApiError::from)?;
    let cookie = session_cookie("", &headers, Duration::ZERO);
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, "/console/sign-in".to_owned())])
        .into_response())
}

/// One endpoint in the list.
struct EndpointLine {
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
struct EndpointsPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    endpoints: Vec<EndpointLine>,
}

fn topics_text(endpoint: &Value) -> String {
    endpoint["topics"]
        .as_array()
        .map(|topics| topics.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

async fn endpoints(
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
struct TopicChoice {
    name: &'static str,
    description: &'static str,
    checked: bool,
}

/// The topics of one group.
struct TopicGroupChoice {
    name: &'static str,
    topics: Vec<TopicChoice>,
}

#[derive(Template)]
#[template(path = "console/endpoint_form.html")]
struct EndpointForm {
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

fn topic_groups(checked: &[String]) -> Vec<TopicGroupChoice> {
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

fn endpoint_body(form: &Form, creating: bool) -> Value {
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

async fn new_endpoint(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    Ok(page(&EndpointForm::blank(&account, &session)))
}

async fn create_endpoint(
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
struct Notice {
    text: Option<String>,
    secret: Option<String>,
    error: Option<String>,
}

/// The endpoint as the page shows it.
struct EndpointView {
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
struct SecretLine {
    id: String,
    fingerprint: String,
    label: String,
    created: String,
    expires: String,
    active: bool,
}

/// An attempt in the list.
struct AttemptLine {
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
struct EndpointPage {
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

async fn render_endpoint(
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

async fn endpoint_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    render_endpoint(&state, &session, &account, &id, Notice::default()).await
}

async fn edit_endpoint_form(
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

async fn edit_endpoint(
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
async fn endpoint_action(
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

async fn activate(
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

async fn add_secret(
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

async fn expire_secret(
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

async fn send_test(
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
const TEST_WAIT_STEPS: usize = 60;

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    entries: Vec<(String, String, String, String)>,
}

async fn audit(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let answer = call_ok(&state, &session, Method::GET, &format!("/v1/accounts/{account}/audit?limit=100")).await?;
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let entries = items(&answer, |entry| {
        (
            when(entry["createdAt"].as_i64()),
            text(&entry["actor"]),
            text(&entry["action"]),
            format!("{} {}", text(&entry["targetKind"]), text(&entry["targetId"])),
        )
    });
    Ok(page(&AuditPage { nav_account: Some(account), signed_in: true, csrf: session.csrf(), entries }))
}

/// One row of the history.
struct HistoryRow {
    id: String,
    when: String,
    event: String,
    topic: String,
    state: String,
    count: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/history.html")]
struct HistoryPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    kind: String,
    status: String,
    topic: String,
    error_class: String,
    endpoint_id: Option<String>,
    statuses: &'static [&'static str],
    error_classes: &'static [&'static str],
    rows: Vec<HistoryRow>,
    next_page: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// The error classes an attempt may fail with.
const ERROR_CLASSES: &[&str] = &["timeout", "dns", "tls", "connect", "network", "http", "blocked", "signing", "config"];

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(_, value)| !value.is_empty()) {
        query.append_pair(name, value);
    }
    query.finish()
}

/// `GET …/history`: deliveries or attempts with the API's filters and cursor pages.
async fn history(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    Ok(history_page(&state, &session, &account, &query, Notice::default()).await)
}

async fn history_page(
    state: &ConsoleState,
    session: &Session,
    account: &str,
    query: &HashMap<String, String>,
    notice: Notice,
) -> Response {
    let field = |name: &str| query.get(name).map(|value| value.trim().to_owned()).unwrap_or_default();
    let kind = if field("kind") == "attempts" { "attempts" } else { "deliveries" };
    let (status_name, statuses): (&str, &'static [&'static str]) = if kind == "attempts" {
        ("outcome", &["success", "failure"])
    } else {
        ("status", &["pending", "succeeded", "failed"])
    };
    let (status, topic, error_class, endpoint_id, cursor) =
        (field("status"), field("topic"), field("errorClass"), field("endpointId"), field("cursor"));
    let api_query = query_string(&[
        (status_name, &status),
        ("topic", &topic),
        ("errorClass", &error_class),
        ("endpointId", &endpoint_id),
        ("cursor", &cursor),
        ("limit", "50"),
    ]);
    let (code, answer) =
        call(state, session, Method::GET, &format!("/v1/accounts/{account}/{kind}?{api_query}"), None).await;
    let mut error = notice.error;
    if !code.is_success() {
        error = Some(error_message(&answer));
    }
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let rows = items(&answer, |row| {
        if kind == "attempts" {
            HistoryRow {
                id: text(&row["id"]),
                when: when(row["startedAt"].as_i64()),
                event: text(&row["eventId"]),
                topic: text(&row["topic"]),
                state: text(&row["outcome"]),
                count: row["statusCode"].as_i64().map(|code| code.to_string()).unwrap_or_default(),
                error: text(&row["error"]),
            }
        } else {
            HistoryRow {
                id: text(&row["id"]),
                when: when(row["createdAt"].as_i64()),
                event: text(&row["eventId"]),
                topic: text(&row["topic"]),
                state: text(&row["status"]),
                count: row["attempts"].as_i64().unwrap_or(0).to_string(),
                error: text(&row["lastError"]),
            }
        }
    });
    let next_page = answer["nextCursor"].as_str().map(|next| {
        let pairs = [
            ("kind", kind),
            ("status", status.as_str()),
            ("topic", topic.as_str()),
            ("errorClass", error_class.as_str()),
            ("endpointId", endpoint_id.as_str()),
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
        endpoint_id: (!endpoint_id.is_empty()).then_some(endpoint_id),
        statuses,
        error_classes: ERROR_CLASSES,
        rows,
        next_page,
        notice: notice.text,
        error,
    })
}

/// `GET …/stream`: the API's live stream of attempts, for the page's live tail.
async fn stream(
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
struct AttemptPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    account: String,
    delivery: String,
    number: i64,
    event: String,
    topic: String,
    when: String,
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

fn header_pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|pair| {
                    (pair[0].as_str().unwrap_or_default().to_owned(), pair[1].as_str().unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A response body as a person should see it: the exact bytes (from `bodyBase64` when they are not UTF-8), with
/// control characters and invalid bytes as escapes ([`crate::received::visible`]).
fn response_body_visible(response: &Value) -> String {
    use base64::Engine as _;
    let exact = response["bodyBase64"]
        .as_str()
        .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded).ok());
    match exact {
        Some(bytes) => crate::received::visible(&bytes),
        None => crate::received::visible(response["body"].as_str().unwrap_or_default().as_bytes()),
    }
}

/// `GET …/attempts/{id}`: what was sent and what came back.
async fn attempt_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, attempt_id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let (status, attempt) = call(&state, &session, Method::GET, &format!("/v1/attempts/{attempt_id}"), None).await;
    // The unscoped API route filters by the session's account; an admin session is held to the path's.
    if !status.is_success() || attempt["accountId"].as_str().is_some_and(|owner| owner != account) {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    }
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    Ok(page(&AttemptPage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        account,
        delivery: text(&attempt["deliveryId"]),
        number: attempt["attempt"].as_i64().unwrap_or(0),
        event: text(&attempt["eventId"]),
        topic: text(&attempt["topic"]),
        when: when(attempt["startedAt"].as_i64()),
        outcome: text(&attempt["outcome"]),
        latency: attempt["latencyMs"].as_i64().unwrap_or(0),
        error: attempt["error"].as_str().map(str::to_owned),
        method: text(&attempt["request"]["method"]),
        url: text(&attempt["request"]["url"]),
        request_headers: header_pairs(&attempt["request"]["headers"]),
        request_body: attempt["request"]["body"].as_str().map(str::to_owned),
        response_status: attempt["response"]["status"].as_i64(),
        response_headers: header_pairs(&attempt["response"]["headers"]),
        response_body: response_body_visible(&attempt["response"]),
    }))
}

/// `POST …/deliveries/{id}/resend`: one more attempt, shown in the history.
async fn resend(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, delivery_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, _) = posted(&state, &headers, &account, &body).await?;
    let (status, delivery) = call(&state, &session, Method::GET, &format!("/v1/deliveries/{delivery_id}"), None).await;
    if !status.is_success() || delivery["accountId"].as_str().is_some_and(|owner| owner != account) {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    }
    let (status, answer) =
        call(&state, &session, Method::POST, &format!("/v1/deliveries/{delivery_id}/resend"), Some(json!({}))).await;
    let notice = if status.is_success() {
        Notice {
            text: Some(format!("Resent: delivery {delivery_id} is queued for one more attempt.")),
            ..Notice::default()
        }
    } else {
        Notice { error: Some(error_message(&answer)), ..Notice::default() }
    };
    Ok(history_page(&state, &session, &account, &HashMap::new(), notice).await)
}

#[derive(Template)]
#[template(path = "console/recover.html")]
struct RecoverPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    action: String,
    back: String,
    status: String,
    since_hours: String,
    since_text: Option<String>,
    preview: bool,
    count: i64,
    duration: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

fn duration_text(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{} s", s.ceil()),
        s if s < 5400.0 => format!("{} min", (s / 60.0).ceil()),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// The recovery the form asks for: its API body and its page.
async fn recovery(
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
    let (status, answer) =
        call(state, session, Method::POST, &format!("/v1/accounts/{account}/endpoints/{id}/recover"), Some(request))
            .await;
    let ok = status.is_success();
    let count = answer["count"].as_i64().unwrap_or(0);
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
        duration: answer["estimatedSeconds"].as_f64().map(duration_text),
        notice: (ok && !dry_run).then(|| format!("{count} deliveries are queued again.")),
        error: (!ok).then(|| error_message(&answer)),
    })
}

/// `GET …/recover`: the dry run — how many deliveries, how long — before anything is sent.
async fn recover_preview(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    Ok(recovery(&state, &session, &account, &id, &query, true).await)
}

/// `POST …/recover`: the confirmed recovery.
async fn recover(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, form) = posted(&state, &headers, &account, &body).await?;
    let fields: HashMap<String, String> = form.0.into_iter().collect();
    Ok(recovery(&state, &session, &account, &id, &fields, false).await)
}

/// Colors of the chart's series (presentation attributes: the policy allows no inline style).
const SUCCESS_COLOR: &str = "#1b7f3b";
const CLASS_COLORS: &[(&str, &str)] = &[
    ("timeout", "#b3261e"),
    ("dns", "#8e24aa"),
    ("tls", "#6d4c41"),
    ("connect", "#e65100"),
    ("network", "#f9a825"),
    ("http 4xx", "#c2185b"),
    ("http 5xx", "#7b1fa2"),
    ("blocked", "#455a64"),
    ("signing", "#37474f"),
];

fn class_color(class: &str) -> &'static str {
    CLASS_COLORS.iter().find(|(name, _)| *name == class).map_or("#757575", |(_, color)| *color)
}

/// The last 24 hours, one slot per hour, oldest first (hours without attempts are empty).
fn day_slots(hours: &[(i64, AttemptCounts)], now: i64) -> Vec<(i64, AttemptCounts)> {
    let current = now - now.rem_euclid(3_600_000);
    (0..24)
        .map(|back| current - (23 - back) * 3_600_000)
        .map(|start| {
            (start, hours.iter().find(|(hour, _)| *hour == start).map(|(_, counts)| counts.clone()).unwrap_or_default())
        })
        .collect()
}

/// Attempts per hour as stacked bars: successes, then failures by class. Server-rendered SVG, no script.
fn outcome_chart(slots: &[(i64, AttemptCounts)]) -> String {
    let (width, height, bar) = (480.0, 120.0, 16.0);
    let most = slots.iter().map(|(_, counts)| counts.total()).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"outcomes-title\" viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\">\
         <title id=\"outcomes-title\">Attempts per hour over the last 24 hours, by outcome and error class (at most {most} in an hour)</title>",
        height + 16.0,
        height + 16.0
    );
    for (index, (start, counts)) in slots.iter().enumerate() {
        let x = index as f64 * 20.0 + 2.0;
        let mut top = height;
        let mut series: Vec<(String, i64, &str)> = vec![("success".into(), counts.successes, SUCCESS_COLOR)];
        series.extend(counts.failures.iter().map(|(class, n)| (class.clone(), *n, class_color(class))));
        for (name, n, color) in series.into_iter().filter(|(_, n, _)| *n > 0) {
            let h = (n as f64 / most * height).max(1.0);
            top -= h;
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{top:.1}\" width=\"{bar}\" height=\"{h:.1}\" fill=\"{color}\"><title>{}: {n} {name}</title></rect>",
                hour_label(*start)
            ));
        }
        if index % 6 == 0 {
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{}\" font-size=\"10\" fill=\"currentColor\">{}</text>",
                height + 12.0,
                hour_label(*start)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// An hour's p50 and p90 latencies (bucket bounds, ms).
type Percentiles = (Option<i64>, Option<i64>);

/// Latency per hour: p50 and p90 (bucket bounds) as two lines.
fn latency_chart(slots: &[(i64, AttemptCounts)]) -> String {
    let (width, height) = (480.0, 120.0);
    let values: Vec<Percentiles> =
        slots.iter().map(|(_, counts)| (counts.latency_at_most(0.5), counts.latency_at_most(0.9))).collect();
    let most = values.iter().filter_map(|(_, p90)| *p90).max().unwrap_or(0).max(10) as f64;
    let points = |pick: fn(&Percentiles) -> Option<i64>| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .filter_map(|(index, value)| {
                pick(value).map(|ms| (index as f64 * 20.0 + 10.0, height - ms as f64 / most * height))
            })
            .collect()
    };
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"latency-title\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
         <title id=\"latency-title\">Latency per hour over the last 24 hours: p50 (solid) and p90 (dashed), up to {most} ms</title>"
    );
    for (pick, color, dash) in
        [(points(|value| value.0), "#2457d6", ""), (points(|value| value.1), "#b3261e", " stroke-dasharray=\"4 3\"")]
    {
        let line: Vec<String> = pick.iter().map(|(x, y)| format!("{x},{y:.1}")).collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>",
            line.join(" ")
        ));
        // A point per hour, so a lone hour shows too.
        for (x, y) in pick {
            svg.push_str(&format!("<circle cx=\"{x}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{color}\"/>"));
        }
    }
    svg.push_str("</svg>");
    svg
}

fn hour_label(start: i64) -> String {
    let text = dropship_webhooks::time::rfc3339_ms(start);
    text.get(11..16).map_or(text.clone(), str::to_owned)
}
