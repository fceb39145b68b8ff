//! An endpoint switched on and off in one click each, and deleted after a page that says what goes with it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{json, Value};

use crate::http::views::EndpointOut;

use super::client::{call, get, Refused};
use super::endpoints::{endpoint_action, Notice};
use super::flash::see_other;
use super::session::{posted, session_for};
use super::{page, ConsoleState, Refusal};

pub(crate) async fn activate(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    switch(&state, &headers, &account, &id, &body, true).await
}

/// Activate (or enable) and Disable: one click each, the outcome in words.
async fn switch(
    state: &ConsoleState,
    headers: &HeaderMap,
    account: &str,
    id: &str,
    body: &Bytes,
    on: bool,
) -> Result<Response, Refusal> {
    let (path, words) = if on {
        ("/activate", "Activated: deliveries resume.")
    } else {
        ("/deactivate", "Disabled: nothing is sent to it until you enable it again.")
    };
    endpoint_action(
        state,
        headers,
        account,
        id,
        body,
        |_, _| Ok((Method::POST, path.into(), json!({}))),
        |_: EndpointOut| Notice { text: Some(words.into()), ..Notice::default() },
    )
    .await
}

pub(crate) async fn disable(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    switch(&state, &headers, &account, &id, &body, false).await
}

#[derive(Template)]
#[template(path = "console/delete.html")]
pub(crate) struct DeletePage {
    nav_account: Option<String>,
    signed_in: bool,
    csrf: String,
    url: String,
    base: String,
}

/// `GET …/delete`: what deleting takes away, and the button that does it.
pub(crate) async fn delete_confirm(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let session = session_for(&state, &headers, &account).await?;
    let endpoint: EndpointOut = get(&state, &session, &format!("/v1/accounts/{account}/endpoints/{id}")).await?;
    Ok(page(&DeletePage {
        nav_account: Some(account.clone()),
        signed_in: true,
        csrf: session.csrf(),
        url: endpoint.url,
        base: format!("/console/a/{account}/endpoints/{id}"),
    }))
}

/// `POST …/delete`: the confirmed deletion; back to the list with what happened.
pub(crate) async fn delete(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (session, _) = posted(&state, &headers, &account, &body).await?;
    let path = format!("/v1/accounts/{account}/endpoints/{id}");
    let endpoint: EndpointOut = get(&state, &session, &path).await?;
    let deleted: Result<Value, Refused> = call(&state, &session, Method::DELETE, &path, None::<&()>).await;
    match deleted {
        Ok(_) => {
            let notice = Notice { text: Some(format!("Deleted {}.", endpoint.url)), ..Notice::default() };
            Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints"), notice))
        }
        Err(Refused { error, .. }) => {
            let notice = Notice { error: Some(error.message), ..Notice::default() };
            Ok(see_other(&state, &headers, &session, &format!("/console/a/{account}/endpoints/{id}"), notice))
        }
    }
}
