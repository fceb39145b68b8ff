//! Reading requests: JSON bodies with the core's error codes, paths and queries without control characters,
//! text fields held to their lengths, and the list queries (cursor, limit, filters) every list shares.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dropship_webhooks::{find_topic, WebhookError};
use serde::de::DeserializeOwned;

use crate::http::error::{ApiError, ErrorCode};
use crate::model::{AttemptOutcome, Cursor, DeliveryStatus, ErrorClass};
use crate::store::ListQuery;

use super::AppState;

/// No path or query carries a control character once percent-decoded (U+0000 above all, which Postgres refuses
/// in any text it compares): 400 `invalid_option` before any route, so no filter or id can reach the database
/// with one.
pub(crate) async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let path_has = percent_decoded(uri.path().as_bytes()).any(|byte| byte < 0x20 || byte == 0x7f);
    let query_has = uri.query().is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    });
    if path_has || query_has {
        return ApiError::new(
            ErrorCode::InvalidOption,
            "the path or a query parameter holds a control character (such as %00); none belongs in an id or filter",
        )
        .into_response();
    }
    next.run(request).await
}

/// Bytes with `%XX` escapes decoded (a `%` not followed by two hex digits stays as it is).
pub(crate) fn percent_decoded(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut index = 0;
    std::iter::from_fn(move || {
        let byte = *bytes.get(index)?;
        let hex = |at: usize| bytes.get(at).and_then(|digit| char::from(*digit).to_digit(16));
        if byte == b'%' {
            if let (Some(high), Some(low)) = (hex(index + 1), hex(index + 2)) {
                index += 3;
                return u8::try_from(high * 16 + low).ok();
            }
        }
        index += 1;
        Some(byte)
    })
}

/// A JSON request body whose errors carry the core's codes: `invalid_json` for syntax, `invalid_payload` for shape.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // The server read the body already, within its time and size limits (`crate::server`).
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge, "the request body is over the API's limit (2 MB)")
            } else {
                ApiError::new(ErrorCode::InvalidJson, rejection.body_text())
            }
        })?;
        let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(bytes).map(JsonBody).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => ApiError::new(ErrorCode::InvalidPayload, error.to_string()),
            _ => ApiError::new(ErrorCode::InvalidJson, error.to_string()),
        })
    }
}

/// Shortest fabric-scheme secret the service accepts (the scheme's keys are the raw bytes, so a short one is a
/// guessable one).
pub const MIN_FABRIC_SECRET_BYTES: usize = 24;
/// Longest secret label.
pub const MAX_LABEL_CHARS: usize = 200;
/// Longest endpoint description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Longest account name.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 200;

/// A text field as people write it: at most `most` characters, and no control characters (U+0000 above all,
/// which Postgres refuses; none belongs in a name, a description or a label).
pub(crate) fn check_length(name: &'static str, text: &str, most: usize) -> Result<(), ApiError> {
    if text.chars().count() > most {
        return Err(
            ApiError::new(ErrorCode::InvalidOption, format!("`{name}` is longer than {most} characters")).on(name)
        );
    }
    if text.chars().any(char::is_control) {
        return Err(
            ApiError::new(ErrorCode::InvalidOption, format!("`{name}` may not hold control characters")).on(name)
        );
    }
    Ok(())
}

/// Largest page.
pub(crate) const MAX_PAGE: i64 = 500;

pub(crate) fn whole_number(query: &HashMap<String, String>, name: &'static str) -> Result<Option<i64>, ApiError> {
    query
        .get(name)
        .map(|text| {
            text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::from(WebhookError::InvalidOption { name, problem: "it must be a whole number" })
            })
        })
        .transpose()
}

/// `cursor` and `limit` (50 by default, at most 500), the one way every list reads its page; any key outside them
/// and `also` is refused.
pub(crate) fn page_params(query: &HashMap<String, String>, also: &[&str]) -> Result<(Option<Cursor>, i64), ApiError> {
    if let Some(unknown) =
        query.keys().find(|key| !["cursor", "limit"].contains(&key.as_str()) && !also.contains(&key.as_str()))
    {
        return Err(ApiError::new(ErrorCode::InvalidOption, format!("unknown filter `{unknown}`")).on(unknown));
    }
    let cursor = query
        .get("cursor")
        .map(|text| {
            Cursor::decode(text).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidOption, "`cursor` must be a nextCursor this API answered").on("cursor")
            })
        })
        .transpose()?;
    Ok((cursor, whole_number(query, "limit")?.unwrap_or(50).clamp(1, MAX_PAGE)))
}

/// Which list a query is for: each has its own status word and filters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    Deliveries,
    Attempts,
    Events,
}

/// A history list's query: its page, its kind's filters (each checked), in `account`.
pub(crate) fn list_query(
    account: &str,
    query: &HashMap<String, String>,
    kind: ListKind,
) -> Result<ListQuery, ApiError> {
    let filters: &[&str] = match kind {
        ListKind::Deliveries => &["status", "topic", "errorClass", "since", "until", "endpointId", "eventId"],
        ListKind::Attempts => &["outcome", "topic", "errorClass", "since", "until", "endpointId"],
        ListKind::Events => &["topic", "since", "until"],
    };
    let (cursor, limit) = page_params(query, filters)?;
    let status_key = if kind == ListKind::Attempts { "outcome" } else { "status" };
    // Each word from its one list: anything else is a typo that would silently match nothing.
    let known = |name: &'static str, words: &[&str]| -> Result<Option<String>, ApiError> {
        match query.get(name) {
            Some(word) if !words.contains(&word.as_str()) => {
                Err(ApiError::new(ErrorCode::InvalidOption, format!("`{name}` is one of {}", words.join(", ")))
                    .on(name))
            }
            other => Ok(other.cloned()),
        }
    };
    let statuses: Vec<&str> = if kind == ListKind::Attempts {
        AttemptOutcome::ALL.iter().map(|outcome| outcome.name()).collect()
    } else {
        DeliveryStatus::ALL.iter().map(|status| status.name()).collect()
    };
    let classes: Vec<&str> = ErrorClass::ALL.iter().map(|class| class.name()).collect();
    Ok(ListQuery {
        account_id: account.to_owned(),
        endpoint_id: query.get("endpointId").cloned(),
        event_id: query.get("eventId").map(|id| id.trim().to_owned()),
        status: known(status_key, &statuses)?,
        topic: query.get("topic").map(|topic| find_topic(topic).map_or(topic.clone(), |info| info.name.to_owned())),
        error_class: known("errorClass", &classes)?,
        since: whole_number(query, "since")?,
        until: whole_number(query, "until")?,
        cursor,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
    }

    #[test]
    fn pages_read_cursor_and_limit_and_refuse_the_rest() {
        assert_eq!(page_params(&query(&[]), &[]).ok(), Some((None, 50)));
        let (cursor, limit) = page_params(&query(&[("cursor", "10:dlv_a"), ("limit", "900")]), &[]).unwrap_or_default();
        assert_eq!((cursor.map(|c| (c.at, c.id)), limit), (Some((10, "dlv_a".to_owned())), MAX_PAGE));
        for (bad, field) in [("limit", "limit"), ("cursor", "cursor"), ("sort", "sort")] {
            let value = if bad == "limit" { "2.5" } else { "x" };
            let error = page_params(&query(&[(bad, value)]), &[]).err();
            assert_eq!(
                error.map(|e| (e.code, e.field)),
                Some((ErrorCode::InvalidOption, Some(field.to_owned()))),
                "{bad}"
            );
        }
    }

    #[test]
    fn list_queries_take_their_kinds_filters_and_canonical_topics() {
        let deliveries =
            list_query("acme", &query(&[("status", "failed"), ("topic", "order.created")]), ListKind::Deliveries);
        let deliveries = deliveries.ok().unwrap_or_default();
        assert_eq!((deliveries.account_id.as_str(), deliveries.status.as_deref()), ("acme", Some("failed")));
        let attempts = list_query("acme", &query(&[("outcome", "success"), ("since", "5")]), ListKind::Attempts);
        let attempts = attempts.ok().unwrap_or_default();
        assert_eq!((attempts.status.as_deref(), attempts.since), (Some("success"), Some(5)));
        assert!(
            list_query("acme", &query(&[("status", "failed")]), ListKind::Events).is_err(),
            "events have no status"
        );
        assert!(list_query("acme", &query(&[("since", "-1")]), ListKind::Attempts).is_err());
        for (name, word) in [("status", "done"), ("errorClass", "http 5xx")] {
            let error = list_query("acme", &query(&[(name, word)]), ListKind::Deliveries).err();
            assert_eq!(error.and_then(|e| e.field), Some(name.to_owned()), "{name}={word}");
        }
    }

    #[test]
    fn text_fields_are_held_to_their_length_without_controls() {
        assert!(check_length("name", "Northwind Outfitters", 200).is_ok());
        assert_eq!(check_length("name", &"n".repeat(201), 200).err().and_then(|e| e.field), Some("name".into()));
        assert!(check_length("label", "a\u{0}b", 200).is_err());
        assert_eq!(percent_decoded(b"a%00b%zz%4").collect::<Vec<u8>>(), b"a\0b%zz%4");
    }
}

/// A list's page: documentation of the query parameters every list takes (read by [`page_params`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct PageQuery {
    /// The `nextCursor` of the page before.
    cursor: Option<String>,
    /// Rows per page, 1 to 500 (50 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The deliveries' filters (read by [`list_query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct DeliveryQuery {
    /// The `nextCursor` of the page before.
    cursor: Option<String>,
    /// Rows per page, 1 to 500 (50 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// `pending`, `succeeded` or `failed`.
    status: Option<String>,
    /// A topic.
    topic: Option<String>,
    /// The last failure's class.
    #[param(rename = "errorClass")]
    error_class: Option<String>,
    /// Created at or after (unix ms).
    #[param(minimum = 0)]
    since: Option<i64>,
    /// Created before (unix ms).
    #[param(minimum = 0)]
    until: Option<i64>,
    /// Only this endpoint's.
    #[param(rename = "endpointId")]
    endpoint_id: Option<String>,
    /// Only this event's (its id, the `webhook-id`).
    #[param(rename = "eventId")]
    event_id: Option<String>,
}

/// The attempts' filters (read by [`list_query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct AttemptQuery {
    /// The `nextCursor` of the page before.
    cursor: Option<String>,
    /// Rows per page, 1 to 500 (50 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// `success` or `failure`.
    outcome: Option<String>,
    /// A topic.
    topic: Option<String>,
    /// The failure's class.
    #[param(rename = "errorClass")]
    error_class: Option<String>,
    /// Started at or after (unix ms).
    #[param(minimum = 0)]
    since: Option<i64>,
    /// Started before (unix ms).
    #[param(minimum = 0)]
    until: Option<i64>,
    /// Only this endpoint's.
    #[param(rename = "endpointId")]
    endpoint_id: Option<String>,
}

/// The events' filters (read by [`list_query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct EventQuery {
    /// The `nextCursor` of the page before.
    cursor: Option<String>,
    /// Rows per page, 1 to 500 (50 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// A topic.
    topic: Option<String>,
    /// Created at or after (unix ms).
    #[param(minimum = 0)]
    since: Option<i64>,
    /// Created before (unix ms).
    #[param(minimum = 0)]
    until: Option<i64>,
}

/// A figures window (read by `stats`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct StatsQuery {
    /// The window's start (unix ms; a day ago by default).
    #[param(minimum = 0)]
    since: Option<i64>,
}

/// `PATCH …/secrets/{id}`: the one thing that can change of a secret (read as JSON by the handler, which tells a
/// missing field from `null`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub(crate) struct EditSecret {
    /// The new expiry (unix seconds), or `null` for none.
    #[schema(minimum = 0)]
    expires_at: Option<i64>,
}
