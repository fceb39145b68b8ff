//! Getting in and staying in: console links (confirmed by a POST from their own page), admin sign-in, sessions in
//! HttpOnly SameSite=Strict cookies that end with their key, and the CSRF token every form carries.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::http::auth::hash_api_key;
// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).
use crate::clock::wall_ms;
use crate::http::error::ApiError;
use crate::model::Principal;
use crate::store::console::{ConsoleSession, LinkUse};

use crate::tokens::{hashed, ms, random_token};

use super::{page, ConsoleState, MessagePage, Refusal, COOKIE, IDLE_TIMEOUT, LINK_TTL, SESSION_LIFETIME};

pub(crate) fn forwarded_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()).is_some_and(|proto| proto == "https")
}

/// The session cookie: HttpOnly, SameSite=Strict, scoped to the console, Secure over https.
pub(crate) fn session_cookie(state: &ConsoleState, id: &str, headers: &HeaderMap, max_age: Duration) -> String {
    let attributes = state.app.console_look.cookie_attributes(forwarded_https(headers));
    format!("{COOKIE}={id}; Path=/console; HttpOnly; Max-Age={}{attributes}", max_age.as_secs())
}

pub(crate) fn cookie_value(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, COOKIE)
}

pub(crate) fn cookie_named(headers: &HeaderMap, wanted: &str) -> Option<String> {
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
pub(crate) struct Session {
    pub(crate) id_hash: String,
    pub(crate) inner: ConsoleSession,
}

impl Session {
    /// The principal the session acts as: the key it stands on, within the session's account.
    pub(crate) fn principal(&self) -> Principal {
        Principal {
            key_id: self.inner.key_id.clone(),
            account_id: self.inner.account_id.clone(),
            console_session: Some(self.id_hash.get(..12).unwrap_or_default().to_owned()),
        }
    }

    fn may_see(&self, account: &str) -> bool {
        self.inner.account_id.as_deref().is_none_or(|own| own == account)
    }

    pub(crate) fn csrf(&self) -> String {
        self.inner.csrf.clone()
    }
}

pub(crate) async fn session(state: &ConsoleState, headers: &HeaderMap) -> Result<Session, Refusal> {
    let Some(id) = cookie_value(headers) else { return Err(Refusal::SignIn) };
    let id_hash = hashed(&id);
    let now = wall_ms();
    match state.app.store.console_session(&id_hash, now, ms(IDLE_TIMEOUT)).await.map_err(ApiError::from)? {
        Some(inner) => Ok(Session { id_hash, inner }),
        None => Err(Refusal::SignIn),
    }
}

/// The session, allowed to see `account` (404 otherwise, as the API answers: nothing of another account leaks).
pub(crate) async fn session_for(state: &ConsoleState, headers: &HeaderMap, account: &str) -> Result<Session, Refusal> {
    let session = session(state, headers).await?;
    if !session.may_see(account) {
        return Err(Refusal::Page(StatusCode::NOT_FOUND, "There is nothing here.".into()));
    }
    Ok(session)
}

/// A form posted in a session allowed to see `account`, with its CSRF token checked.
pub(crate) async fn posted(
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
pub(crate) struct Form(pub(crate) Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(body: &Bytes) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(key, _)| key == name).map(|(_, value)| value.clone()).collect()
    }

    /// The CSRF token matches the session's (compared in constant time), or the form is refused.
    pub(crate) fn check_csrf(&self, session: &Session) -> Result<(), Refusal> {
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

/// The cookie that ties a link's confirmation to the browser that asked for it (SameSite=Strict: a form another
/// site posts cannot carry it, so no site can sign a browser into an account of its choosing).
pub(crate) const ENTER_COOKIE: &str = "dw_console_enter";

pub(crate) fn link_refused() -> Response {
    let text = "This sign-in link was already used or has expired. Open the console again from your platform's \
                settings page for a new one.";
    (StatusCode::FORBIDDEN, page(&MessagePage::error("Link not valid", text.into(), None, false, String::new())))
        .into_response()
}

#[derive(Template)]
#[template(path = "console/enter.html")]
pub(crate) struct EnterPage {
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
pub(crate) async fn enter_confirm(
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
    let nonce = random_token().map_err(|error| ApiError::internal(&error))?;
    let attributes = state.app.console_look.cookie_attributes(forwarded_https(&headers));
    let cookie =
        format!("{ENTER_COOKIE}={nonce}; Path=/console/enter; HttpOnly; Max-Age={}{attributes}", LINK_TTL.as_secs());
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
pub(crate) async fn enter(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
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
    let attributes = state.app.console_look.cookie_attributes(forwarded_https(&headers));
    let clear = format!("{ENTER_COOKIE}=; Path=/console/enter; HttpOnly; Max-Age=0{attributes}");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub(crate) async fn open_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: Option<&str>,
    key_id: &str,
    to: &str,
) -> Result<Response, Refusal> {
    let id = random_token().map_err(|error| ApiError::internal(&error))?;
    let csrf = random_token().map_err(|error| ApiError::internal(&error))?;
    let now = wall_ms();
    state
        .app
        .store
        .open_console_session(&hashed(&id), account, key_id, &csrf, now, now.saturating_add(ms(SESSION_LIFETIME)))
        .await
        .map_err(ApiError::from)?;
    let cookie = session_cookie(state, &id, headers, SESSION_LIFETIME);
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, to.to_owned())]).into_response())
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
pub(crate) struct SignInPage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    error: Option<String>,
}

pub(crate) async fn sign_in_form() -> Response {
    page(&SignInPage { nav_account: None, signed_in: false, csrf: String::new(), error: None })
}

/// `POST /console/sign-in`: an admin key opens an admin session (every account).
pub(crate) async fn sign_in(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
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

pub(crate) async fn sign_out(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let session = session(&state, &headers).await?;
    Form::parse(&body).check_csrf(&session)?;
    state.app.store.close_console_session(&session.id_hash).await.map_err(ApiError::from)?;
    let cookie = session_cookie(&state, "", &headers, Duration::ZERO);
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, "/console/sign-in".to_owned())])
        .into_response())
}
