//! Post/redirect/get: an action's outcome (a notice, an error, a new secret shown once) travels to the page the
//! browser is sent to in a short-lived cookie, sealed with the service's secrets key and bound to the session, so a
//! reload shows the page again instead of repeating the action, and any API process can show it.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::endpoints::Notice;
use super::session::{cookie_named, forwarded_https, Session};
use super::ConsoleState;

const FLASH_COOKIE: &str = "dw_console_flash";
/// Long enough for the redirect to be followed, short enough that a secret does not linger in the browser.
const FLASH_SECONDS: u64 = 60;

#[derive(Serialize, Deserialize)]
struct Sealed {
    text: Option<String>,
    secret: Option<String>,
    error: Option<String>,
    /// Unix seconds after which the notice is not shown.
    until: u64,
}

fn binding(session: &Session) -> String {
    format!("console-flash:{}", session.id_hash)
}

/// 303 to `location` with `notice` to show there once.
pub(crate) fn see_other(
    state: &ConsoleState,
    headers: &HeaderMap,
    session: &Session,
    location: &str,
    notice: Notice,
) -> Response {
    let sealed = Sealed {
        text: notice.text,
        secret: notice.secret,
        error: notice.error,
        until: state.app.clock.now_seconds() + FLASH_SECONDS,
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response();
    let value = serde_json::to_string(&sealed)
        .ok()
        .and_then(|json| state.app.store.sealer().seal(&binding(session), &json).ok());
    // Without randomness for the nonce the notice is dropped, not the action: the page still shows the outcome.
    if let Some(value) = value {
        let attributes = state.app.console_look.cookie_attributes(forwarded_https(headers));
        let cookie = format!("{FLASH_COOKIE}={value}; Path=/console; HttpOnly; Max-Age={FLASH_SECONDS}{attributes}");
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// The notice waiting for this session, if any (opened, unexpired); `shown` clears its cookie on the page's answer.
pub(crate) fn take(state: &ConsoleState, headers: &HeaderMap, session: &Session) -> Notice {
    let Some(value) = cookie_named(headers, FLASH_COOKIE) else { return Notice::default() };
    let opened = state.app.store.sealer().open(&binding(session), &value).ok();
    let sealed = opened.and_then(|json| serde_json::from_str::<Sealed>(&json).ok());
    match sealed {
        Some(sealed) if sealed.until >= state.app.clock.now_seconds() => {
            Notice { text: sealed.text, secret: sealed.secret, error: sealed.error }
        }
        _ => Notice::default(),
    }
}

/// The page's answer with the flash cookie cleared when the request carried one (shown once).
pub(crate) fn shown(state: &ConsoleState, headers: &HeaderMap, mut response: Response) -> Response {
    if cookie_named(headers, FLASH_COOKIE).is_some() {
        let attributes = state.app.console_look.cookie_attributes(forwarded_https(headers));
        let clear = format!("{FLASH_COOKIE}=; Path=/console; HttpOnly; Max-Age=0{attributes}");
        if let Ok(clear) = HeaderValue::from_str(&clear) {
            response.headers_mut().append(header::SET_COOKIE, clear);
        }
    }
    response
}
