//! The webhooks console at `/console`: the page where an account's user manages its endpoints and secrets, sees
//! their health, sends test events and reads the audit log — server-rendered HTML (askama templates compiled into
//! the binary, the stylesheet and the one small script embedded too), every form working without scripts.
//!
//! Access: a platform asks `POST /v1/accounts/{account}/console-links` for a single-use link valid for minutes and
//! puts it behind a button in its own settings page; an admin signs in with an admin key for every account. A
//! session is an HttpOnly, SameSite=Strict cookie (Secure when the request came over https) with an idle timeout;
//! every form carries the session's CSRF token, and the pages' Content-Security-Policy allows no inline script.
//!
//! The console acts through the JSON API in process, as its session's principal ([`crate::http::auth::InternalCaller`]): the same
//! validation, account isolation and audit log as any API client, and no second copy of the rules.

//!
//! Where to look: [`session`] (links, sign-in, sessions, CSRF), [`client`] (the API, called in process as the
//! session's principal), the pages by area ([`endpoints`], [`history`]) and [`charts`] (the SVG charts).

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::http::AppState;
// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).
use crate::http::error::ApiError;

pub mod charts;
pub mod client;
pub mod endpoints;
pub mod flash;
pub mod history;
pub mod look;
pub mod manage;
pub mod secrets;
pub mod session;
use crate::http::views::{AccountOut, List};

use self::client::get as api_get;
use self::endpoints::{
    add_secret, create_endpoint, edit_endpoint, edit_endpoint_form, endpoint_page, endpoints, expire_secret,
    new_endpoint, send_test,
};
use self::history::{attempt_page, audit, history, recover, recover_preview, resend, stream};
use self::session::{enter, enter_confirm, session, sign_in, sign_in_form, sign_out};

/// A day in ms: the window of the console's rates and charts.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The session cookie's name.
pub const COOKIE: &str = "dw_console";
/// How long a console link may wait before it is used.
pub const LINK_TTL: Duration = crate::settings::defaults::CONSOLE_LINK_TTL;
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// …and at the latest this long after it opened.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The pages' policy: nothing inline, nothing from elsewhere, never framed.
pub use look::{AccountLook, ConsoleLook};

pub(crate) const STYLESHEET: &str = include_str!("../../assets/console.css");
pub(crate) const SCRIPT: &str = include_str!("../../assets/console.js");
pub(crate) const ICON: &str = include_str!("../../assets/icon.svg");

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
        .route("/console/assets/theme.css", get(theme))
        .route("/console/enter", get(enter_confirm).post(enter))
        .route("/console/sign-in", get(sign_in_form).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route(&format!("{account}/endpoints"), get(endpoints).post(create_endpoint))
        .route(&format!("{account}/endpoints/new"), get(new_endpoint))
        .route(&endpoint, get(endpoint_page))
        .route(&format!("{endpoint}/edit"), get(edit_endpoint_form).post(edit_endpoint))
        .route(&format!("{endpoint}/activate"), post(manage::activate))
        .route(&format!("{endpoint}/disable"), post(manage::disable))
        .route(&format!("{endpoint}/delete"), get(manage::delete_confirm).post(manage::delete))
        .route(&format!("{endpoint}/secrets/replace"), post(secrets::replace))
        .route(&format!("{endpoint}/secrets/{{secret_id}}/expiry"), post(secrets::set_expiry))
        .route(&format!("{endpoint}/secrets"), post(add_secret))
        .route(&format!("{endpoint}/secrets/{{secret_id}}/expire"), post(expire_secret))
        .route(&format!("{endpoint}/test"), post(send_test))
        .route(&format!("{account}/audit"), get(audit))
        .route(&format!("{account}/theme.css"), get(account_theme))
        .route(&format!("{account}/history"), get(history))
        .route(&format!("{account}/stream"), get(stream))
        .route(&format!("{account}/attempts/{{attempt_id}}"), get(attempt_page))
        .route(&format!("{account}/deliveries/{{delivery_id}}"), get(history::delivery_page))
        .route(&format!("{account}/deliveries/{{delivery_id}}/resend"), post(resend))
        .route(&format!("{endpoint}/recover"), get(recover_preview).post(recover))
        .layer(axum::middleware::from_fn_with_state(app.clone(), protect))
        .with_state(ConsoleState { app, api })
}

/// `GET /console/a/{account}/theme.css`: the account's look over the service's.
async fn account_theme(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    axum::extract::Path(account): axum::extract::Path<String>,
) -> Result<Response, Refusal> {
    session::session_for(&state, &headers, &account).await?;
    let row = state.app.store.account(&account).await.map_err(ApiError::from)?;
    let own = row.and_then(|row| row.look).and_then(|text| serde_json::from_str::<AccountLook>(&text).ok());
    let look =
        own.map_or_else(|| state.app.console_look.as_ref().clone(), |own| state.app.console_look.with_account(&own));
    Ok((
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=60")],
        look.theme_css(),
    )
        .into_response())
}

async fn theme(State(state): State<ConsoleState>) -> Response {
    let css = state.app.console_look.theme_css();
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], css)
        .into_response()
}

/// Where base.html puts the header's brand: filled in here from the look, for every page at once.
const BRAND_SLOT: &str = "<!--brand-->";
/// Where base.html puts the account's name on an account's pages.
const ACCOUNT_SLOT: &str = "<!--account-->";
/// The service's theme in base.html, replaced on the pages of an account with its own look.
const THEME_LINK: &str = "/console/assets/theme.css";

/// Headers every console response carries (the policy from the look: framed only where it allows), and the
/// platform's brand in each page's header.
pub(crate) async fn protect(State(app): State<AppState>, request: axum::extract::Request, next: Next) -> Response {
    let account =
        request.uri().path().strip_prefix("/console/a/").and_then(|rest| rest.split('/').next()).map(str::to_owned);
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    // An account's page: its name beside the brand, and its own look over the service's (the page itself already
    // passed the session check; a refusal page carries no account slot).
    let mut look = app.console_look.as_ref().clone();
    if html {
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if let (Some(at), Some(account)) = (text.find(ACCOUNT_SLOT), account) {
            let row = app.store.account(&account).await.ok().flatten();
            let own = row
                .as_ref()
                .and_then(|row| row.look.as_deref())
                .and_then(|text| serde_json::from_str::<AccountLook>(text).ok());
            if let Some(own) = &own {
                look = look.with_account(own);
                text = text.replacen(THEME_LINK, &format!("/console/a/{account}/theme.css"), 1);
            }
            let name = row.map(|row| row.name).unwrap_or(account);
            text.replace_range(at..at + ACCOUNT_SLOT.len(), &look::escape(&name));
        }
        text = text.replacen(BRAND_SLOT, &look.brand_html(), 1);
        parts.headers.remove(header::CONTENT_LENGTH);
        response = Response::from_parts(parts, axum::body::Body::from(text));
    }
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&look.content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    for (name, value) in [(header::X_CONTENT_TYPE_OPTIONS, "nosniff"), (header::REFERRER_POLICY, "no-referrer")] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // X-Frame-Options cannot name origins: DENY unless the look lets the platform frame the console (then the
    // policy's frame-ancestors decides).
    if !look.embedded() {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn asset(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], text).into_response()
}

/// Why a console request cannot go on: not signed in (to the sign-in page) or anything else (a page that says so).
pub(crate) enum Refusal {
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
        Self::Page(error.status(), error.message)
    }
}

pub(crate) fn page<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(error) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the page could not be rendered: {error}")).into_response()
        }
    }
}

pub(crate) fn when(ms: Option<i64>) -> String {
    ms.map(dropship_webhooks::time::rfc3339_ms).unwrap_or_default()
}

/// A time on a page, said relative to now ("3 min ago", "in 2 h") with the exact UTC time on hover, as a `<time>`
/// element: the page works without scripts, and console.js adds the viewer's own time zone.
pub(crate) struct Moment {
    ms: i64,
    now: i64,
}

impl Moment {
    pub(crate) fn at(ms: i64, now: i64) -> Self {
        Self { ms, now }
    }

    /// The relative words alone.
    pub(crate) fn relative(&self) -> String {
        let ahead = self.ms > self.now;
        let seconds = (self.ms - self.now).unsigned_abs() / 1000;
        let amount = match seconds {
            0..=44 if ahead => return "in under a minute".into(),
            0..=44 => return "just now".into(),
            45..=5_399 => format!("{} min", (seconds + 30) / 60),
            5_400..=129_599 => format!("{} h", (seconds + 1_800) / 3_600),
            _ => return format!("on {}", when(Some(self.ms)).get(..10).unwrap_or_default()),
        };
        if ahead {
            format!("in {amount}")
        } else {
            format!("{amount} ago")
        }
    }
}

impl std::fmt::Display for Moment {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exact = when(Some(self.ms));
        let utc = exact.replace('T', " ").get(..19).unwrap_or_default().to_owned();
        write!(formatter, "<time datetime=\"{exact}\" title=\"{utc} UTC\">{}</time>", self.relative())
    }
}

// Only digits, dashes, colons and fixed words: nothing to escape.
impl askama::filters::HtmlSafe for Moment {}

#[derive(Template)]
#[template(path = "console/message.html")]
pub(crate) struct MessagePage {
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

pub(crate) async fn home(State(state): State<ConsoleState>, headers: HeaderMap) -> Result<Response, Refusal> {
    let session = session(&state, &headers).await?;
    if let Some(account) = &session.inner.account_id {
        return Ok(Redirect::to(&format!("/console/a/{account}/endpoints")).into_response());
    }
    let listed: List<AccountOut> = api_get(&state, &session, "/v1/accounts?limit=200").await?;
    let now = state.app.clock.now_ms();
    let mut accounts: Vec<AccountLine> = listed
        .data
        .into_iter()
        .map(|account| AccountLine {
            trouble: if account.endpoints.failed > 0 {
                "failed"
            } else if account.endpoints.failing > 0 {
                "warn"
            } else {
                "ok"
            },
            last_activity: account.endpoints.last_activity_at.map(|at| Moment::at(at, now)),
            id: account.id,
            name: account.name,
            endpoints: account.endpoints,
        })
        .collect();
    // Trouble first: FAILED endpoints, then failing ones, then by name.
    accounts.sort_by(|one, other| {
        (other.endpoints.failed, other.endpoints.failing, &one.name).cmp(&(
            one.endpoints.failed,
            one.endpoints.failing,
            &other.name,
        ))
    });
    Ok(page(&AccountsPage { nav_account: None, signed_in: true, csrf: session.csrf(), accounts }))
}

/// One account on the operator's page.
pub(crate) struct AccountLine {
    id: String,
    name: String,
    endpoints: crate::http::views::AccountEndpointsOut,
    last_activity: Option<Moment>,
    /// `failed`, `warn` or `ok`: the row's status pill.
    trouble: &'static str,
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
pub(crate) struct AccountsPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    accounts: Vec<AccountLine>,
}

#[cfg(test)]
mod tests {
    use super::Moment;

    #[test]
    fn moments_read_relative_with_the_exact_time_on_hover() {
        let now = 1_796_601_600_000; // 2026-12-07 00:00 UTC
        let words = |ms: i64| Moment::at(ms, now).relative();
        assert_eq!(words(now - 10_000), "just now");
        assert_eq!(words(now - 120_000), "2 min ago");
        assert_eq!(words(now + 3 * 3_600_000), "in 3 h");
        assert_eq!(words(now - 5 * 86_400_000), "on 2026-12-02");
        assert_eq!(
            Moment::at(now - 120_000, now).to_string(),
            "<time datetime=\"2026-12-06T23:58:00.000Z\" title=\"2026-12-06 23:58:00 UTC\">2 min ago</time>"
        );
    }
}
