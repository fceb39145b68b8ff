//! Every shape the API answers, as a type: what handlers return and what the console (and any Rust client) reads
//! back — both derive from these, so renaming a field is a compile error, not an empty cell on a page. Field names
//! are camelCase on the wire. Times are unix milliseconds, but a secret's `expiresAt` and a health streak's
//! `failingSince` are unix seconds (as the SDKs' `expiresAt`).
//!
//! Every list answers [`List`]: `{"data": [...], "nextCursor": "…" | null}`. Errors answer [`ErrorBody`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::delivery::signing::{fingerprint_of, is_live};
use crate::model::{
    AccountRow, AttemptDetailRow, AttemptRow, AuditEntry, DeliveryRow, EndpointRow, EventRow, KeyRow, Page, RequestRow,
    ResponseRow, SecretRow,
};
use crate::store::operational::{NoticeRow, OperationalWebhookRow, NOTICE_TYPES};

mod operational;
mod stats;

pub use operational::*;
pub use stats::*;

/// One page of a list: its rows and the cursor of the next page (`None` on the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// The rows.
    pub data: Vec<T>,
    /// Pass back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    /// A whole list (no further page).
    pub fn all(data: Vec<T>) -> Self {
        Self { data, next_cursor: None }
    }

    /// A store page, each row made a view.
    pub fn page<R>(page: Page<R>, view: impl FnMut(R) -> T) -> Self {
        Self { data: page.data.into_iter().map(view).collect(), next_cursor: page.next_cursor }
    }
}

/// An error: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorOut,
}

/// What went wrong ([`crate::http::error::ErrorCode`] lists every code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorOut {
    /// The stable code.
    pub code: String,
    /// In words, for the developer reading it.
    pub message: String,
    /// The request's field it concerns (`url`, `rateLimit`, `secret`, …), when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthzOut {
    /// Always true: the process is up.
    pub ok: bool,
}

/// A topic of the catalog (`GET /v1/topics` answers the core's catalog: a list of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopicOut {
    /// The canonical name, e.g. `order.created`.
    pub name: String,
    /// Its group: `orders`, `products`, `connections`, `proposals`, `returns`, …
    pub group: String,
    /// Who receives it: `sellers`, `buyers` or `buyersAndSellers`.
    pub audience: String,
    /// What happened, in words.
    pub description: String,
    /// The payload type its `data` has.
    pub payload: String,
}

/// `GET /readyz`: whether the service can serve (its database answers, its schema is current).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadyzOut {
    /// It can serve.
    pub ready: bool,
    /// The schema version the database has.
    pub schema_version: Option<i64>,
    /// The one this build needs.
    pub schema_wanted: i64,
    /// Why not, when it is not.
    pub reason: Option<String>,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountOut {
    /// The id the platform chose.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Its endpoints at a glance: how many, and how many need attention.
    pub endpoints: AccountEndpointsOut,
    /// Its own look in the console, over the service's; absent: the service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<crate::console::AccountLook>,
}

/// An account's endpoints by state, for the operator's list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountEndpointsOut {
    /// Endpoints in all.
    pub total: i64,
    /// Enabled and failing, not yet FAILED.
    pub failing: i64,
    /// FAILED after the failure window (deactivated).
    pub failed: i64,
    /// Switched off by their owner or a 410 Gone.
    pub off: i64,
    /// When one of them was last served a delivery (unix ms); absent when never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<i64>,
}

impl From<crate::store::EndpointSummary> for AccountEndpointsOut {
    fn from(summary: crate::store::EndpointSummary) -> Self {
        Self {
            total: summary.total,
            failing: summary.failing,
            failed: summary.failed,
            off: summary.off,
            last_activity_at: (summary.last_activity_at > 0).then_some(summary.last_activity_at),
        }
    }
}

impl AccountOut {
    /// The account with its endpoints' summary (none yet: zeros).
    pub fn with(row: AccountRow, summary: Option<crate::store::EndpointSummary>) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            updated_at: row.updated_at,
            endpoints: summary.unwrap_or_default().into(),
            look: row.look.as_deref().and_then(|text| serde_json::from_str(text).ok()),
        }
    }
}

/// An API key as listed: its prefix, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyOut {
    /// `key_…`
    pub id: String,
    /// Its account; `null` for an admin key.
    pub account_id: Option<String>,
    /// The key's first characters.
    pub prefix: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, once revoked.
    pub revoked_at: Option<i64>,
}

impl From<KeyRow> for KeyOut {
    fn from(row: KeyRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            prefix: row.prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A key just made: the key itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedKeyOut {
    /// The key as listed.
    #[serde(flatten)]
    pub listed: KeyOut,
    /// The key; only its hash is kept.
    pub key: String,
}

/// An endpoint's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthOut {
    /// `HEALTHY` or `FAILED`.
    pub status: String,
    /// The failing streak's start (unix seconds).
    pub failing_since: Option<u64>,
    /// Its latest success (unix ms, to the minute); absent before the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<i64>,
    /// While failing: when its next attempt is due (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
}

/// An endpoint configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointOut {
    /// `ep_…`
    pub id: String,
    /// Its account.
    pub account_id: String,
    /// The target URL, normalized.
    pub url: String,
    /// Free text for its owner (a name).
    pub description: String,
    /// Canonical topic names.
    pub topics: Vec<String>,
    /// `POST`, `PUT` or `PATCH`.
    pub method: String,
    /// `standard` or `fabric`.
    pub scheme: String,
    /// Requests per second; 0: unlimited.
    pub rate_limit: u32,
    /// Requests in flight; 0: unlimited.
    pub burst_limit: u32,
    /// Its owner's switch.
    pub enabled: bool,
    /// Deliveries go out (enabled and not FAILED).
    pub active: bool,
    /// Its health.
    pub health: HealthOut,
    /// Why the service switched it off (a 410 Gone), while it is off.
    pub disabled_reason: Option<String>,
    /// Paused until then (unix ms) after a 429, 502 or 504.
    pub slowed_until: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

impl From<&EndpointRow> for EndpointOut {
    fn from(endpoint: &EndpointRow) -> Self {
        Self {
            id: endpoint.id.clone(),
            account_id: endpoint.account_id.clone(),
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            topics: endpoint.topics.clone(),
            method: endpoint.method.name().to_owned(),
            scheme: endpoint.scheme.name().to_owned(),
            rate_limit: endpoint.rate_limit,
            burst_limit: endpoint.burst_limit,
            enabled: endpoint.enabled,
            active: endpoint.is_active(),
            health: HealthOut {
                status: endpoint.health.status.name().to_owned(),
                failing_since: endpoint.health.failing_since,
                last_success_at: endpoint.last_success_at,
                next_attempt_at: endpoint.due_at.filter(|_| endpoint.health.failing_since.is_some()),
            },
            disabled_reason: endpoint.disabled_reason.clone(),
            slowed_until: endpoint.slowed_until,
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
        }
    }
}

/// An endpoint just made, with its first secret shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedEndpointOut {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    /// Its first secret, with its value.
    pub secret: NewSecretOut,
}

/// `GET …/endpoints/{id}/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointHealthOut {
    /// `HEALTHY` or `FAILED`.
    pub status: String,
    /// The failing streak's start (unix seconds).
    pub failing_since: Option<u64>,
    /// Its owner's switch.
    pub enabled: bool,
    /// Deliveries go out.
    pub active: bool,
    /// Why the service switched it off.
    pub disabled_reason: Option<String>,
    /// Paused until then (unix ms).
    pub slowed_until: Option<i64>,
    /// Its deliveries by status.
    pub deliveries: BTreeMap<String, i64>,
}

/// A signing secret as listed: a fingerprint, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretOut {
    /// `sec_…`
    pub id: String,
    /// Its label.
    pub label: Option<String>,
    /// Its expiry (unix seconds).
    pub expires_at: Option<i64>,
    /// It signs now.
    pub active: bool,
    /// The first 8 bytes of the value's SHA-256, to tell secrets apart.
    pub fingerprint: String,
    /// Unix ms.
    pub created_at: i64,
}

impl SecretOut {
    /// A secret as listed at `now_seconds`.
    pub fn at(secret: &SecretRow, now_seconds: u64) -> Self {
        Self {
            id: secret.id.clone(),
            label: secret.label.clone(),
            expires_at: secret.expires_at,
            active: is_live(secret, now_seconds),
            fingerprint: fingerprint_of(&secret.value),
            created_at: secret.created_at,
        }
    }
}

/// A secret just made: its value, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewSecretOut {
    /// `sec_…`
    pub id: String,
    /// The value.
    pub value: String,
    /// Its label.
    pub label: Option<String>,
    /// Its expiry (unix seconds).
    pub expires_at: Option<i64>,
    /// The first 8 bytes of the value's SHA-256.
    pub fingerprint: String,
    /// Unix ms.
    pub created_at: i64,
}

impl From<&SecretRow> for NewSecretOut {
    fn from(secret: &SecretRow) -> Self {
        Self {
            id: secret.id.clone(),
            value: secret.value.clone(),
            label: secret.label.clone(),
            expires_at: secret.expires_at,
            fingerprint: fingerprint_of(&secret.value),
            created_at: secret.created_at,
        }
    }
}

/// `POST …/secrets/roll`: the new secret and which ones expire, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolledSecretOut {
    /// The new secret, with its value.
    #[serde(flatten)]
    pub secret: NewSecretOut,
    /// The secrets given the expiry.
    pub expiring: Vec<String>,
    /// Their expiry (unix seconds).
    pub old_secrets_expire_at: i64,
}

/// `POST …/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventAcceptedOut {
    /// The event id.
    pub id: String,
    /// The canonical topic.
    pub topic: String,
    /// Deliveries queued.
    pub deliveries: usize,
    /// The id was posted before (with the same data): nothing new was queued.
    pub duplicate: bool,
}

/// `POST …/events/batch`: one answer per posted event, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventBatchOut {
    /// The events' answers, in the order they were posted.
    pub data: Vec<EventBatchItemOut>,
}

/// One event of a batch: accepted (as `POST …/events` answers) or refused (as its error answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventBatchItemOut {
    /// Queued, or a duplicate of an event posted before.
    Accepted(EventAcceptedOut),
    /// Refused: the same code and message a single post would get.
    Refused(ErrorBody),
}

/// `POST …/endpoints/{id}/test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestEventOut {
    /// The test event's id.
    pub id: String,
    /// Its topic.
    pub topic: String,
    /// Deliveries queued (one).
    pub deliveries: usize,
}

/// An event as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventOut {
    /// The event id.
    pub id: String,
    /// The canonical topic.
    pub topic: String,
    /// Unix ms.
    pub created_at: i64,
    /// Its deliveries, one per endpoint.
    pub deliveries: i64,
}

impl From<EventRow> for EventOut {
    fn from(row: EventRow) -> Self {
        Self { id: row.id, topic: row.topic, created_at: row.created_at, deliveries: row.deliveries }
    }
}

/// What a delivery is, as listed and in its detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFields {
    /// `dlv_…`
    pub id: String,
    /// Its account.
    pub account_id: String,
    /// The event (the `webhook-id`).
    pub event_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The topic.
    pub topic: String,
    /// `pending`, `succeeded` or `failed` (given up).
    pub status: String,
    /// The next attempt (unix ms) while pending.
    pub next_attempt_at: Option<i64>,
    /// What asks for the next attempt: `scheduled`, `manual`, `recover` or `test`.
    pub trigger: String,
    /// The last failure in words.
    pub last_error: Option<String>,
    /// The last failure's class.
    pub last_error_class: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// A delivery as listed: one event to one endpoint, and how many attempts it took so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryOut {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryFields,
    /// Attempts so far.
    pub attempts: i64,
}

/// `GET /v1/deliveries/{id}`: a delivery with its attempts, first first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDetailOut {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryFields,
    /// Its attempts.
    pub attempts: Vec<AttemptOut>,
}

impl From<DeliveryRow> for DeliveryOut {
    fn from(row: DeliveryRow) -> Self {
        Self {
            attempts: row.attempts,
            delivery: DeliveryFields {
                id: row.id,
                account_id: row.account_id,
                event_id: row.event_id,
                endpoint_id: row.endpoint_id,
                topic: row.topic,
                status: row.status,
                next_attempt_at: row.next_attempt_at,
                trigger: row.trigger,
                last_error: row.last_error,
                last_error_class: row.last_error_class,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        }
    }
}

impl DeliveryOut {
    /// The delivery with its attempts in place of their count.
    pub fn with_attempts(self, attempts: Vec<AttemptOut>) -> DeliveryDetailOut {
        DeliveryDetailOut { delivery: self.delivery, attempts }
    }
}

/// An attempt as listed (and as the live stream sends it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptOut {
    /// `att_…`
    pub id: String,
    /// Its account.
    pub account_id: String,
    /// The delivery.
    pub delivery_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The event.
    pub event_id: String,
    /// The topic.
    pub topic: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// `scheduled`, `manual`, `recover` or `test`.
    pub trigger: String,
    /// Unix ms.
    pub started_at: i64,
    /// Milliseconds.
    pub latency_ms: i64,
    /// When the outcome was written (unix ms of the database's clock).
    pub recorded_at: i64,
    /// The HTTP status, if an answer came.
    pub status_code: Option<i64>,
    /// `success` or `failure`.
    pub outcome: String,
    /// `timeout`, `dns`, `blocked`, `connect`, `tls`, `network`, `http`, `signing`.
    pub error_class: Option<String>,
    /// The error in words.
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptOut {
    fn from(row: AttemptRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            delivery_id: row.delivery_id,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            topic: row.topic,
            attempt: row.attempt,
            trigger: row.trigger,
            started_at: row.started_at,
            latency_ms: row.latency_ms,
            recorded_at: row.recorded_at,
            status_code: row.status_code,
            outcome: row.outcome,
            error_class: row.error_class,
            error: row.error,
        }
    }
}

/// `GET /v1/attempts/{id}`: what was sent and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptDetailOut {
    /// The attempt.
    #[serde(flatten)]
    pub attempt: AttemptOut,
    /// The request: method, URL, headers (signatures included, never a secret), body.
    pub request: RequestOut,
    /// The response, if one came.
    pub response: Option<ResponseOut>,
}

impl From<AttemptDetailRow> for AttemptDetailOut {
    fn from(row: AttemptDetailRow) -> Self {
        Self { attempt: row.summary.into(), request: row.request.into(), response: row.response.map(ResponseOut::from) }
    }
}

/// An attempt's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestOut {
    /// `POST`, `PUT` or `PATCH`.
    pub method: String,
    /// The target.
    pub url: String,
    /// `[name, value]` pairs, in the order sent.
    #[schema(value_type = Vec<Vec<String>>)]
    pub headers: Vec<(String, String)>,
    /// The event body, byte for byte (`null` once the event is pruned).
    pub body: Option<String>,
}

impl From<RequestRow> for RequestOut {
    fn from(row: RequestRow) -> Self {
        Self { method: row.method, url: row.url, headers: row.headers, body: row.body }
    }
}

/// An attempt's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseOut {
    /// The HTTP status.
    pub status: i64,
    /// `[name, value]` pairs.
    #[schema(value_type = Vec<Vec<String>>)]
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most 16 KiB) as text: exact when the bytes are UTF-8, else lossy (U+FFFD).
    pub body: String,
    /// The same bytes exactly, in base64, when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
}

impl ResponseOut {
    /// The body's bytes exactly as they came.
    pub fn body_bytes(&self) -> Vec<u8> {
        use base64::Engine as _;
        match &self.body_base64 {
            Some(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_else(|_| self.body.clone().into_bytes()),
            None => self.body.clone().into_bytes(),
        }
    }
}

impl From<ResponseRow> for ResponseOut {
    fn from(row: ResponseRow) -> Self {
        let (body, body_base64) = crate::received::body_text(&row.body);
        Self { status: row.status, headers: row.headers, body, body_base64 }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditOut {
    /// `aud_…`
    pub id: String,
    /// The account concerned.
    pub account_id: Option<String>,
    /// `key:<key id>`, or `console:<session> key:<key id>`.
    pub actor: String,
    /// `create`, `edit`, `rotate`, `expire`, `resend`, `recover`, `activate`, `deactivate`, `delete`, `revoke`.
    pub action: String,
    /// `account`, `endpoint`, `secret`, `key`, `delivery`, `operational_webhook`.
    pub target_kind: String,
    /// What was acted on.
    pub target_id: String,
    /// What changed.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// Unix ms.
    pub created_at: i64,
}

impl From<AuditEntry> for AuditOut {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            account_id: entry.account_id,
            actor: entry.actor,
            action: entry.action,
            target_kind: entry.target_kind,
            target_id: entry.target_id,
            detail: entry.detail,
            created_at: entry.created_at,
        }
    }
}

/// `POST …/endpoints/{id}/recover`: what was (or, in a dry run, would be) sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoverOut {
    /// Deliveries matched.
    pub count: u64,
    /// Only counted.
    pub dry_run: bool,
    /// How long the resend takes under the rate limit; `null` without one.
    pub estimated_seconds: Option<f64>,
    /// The endpoint's rate limit.
    pub rate_limit: u32,
    /// The endpoint's burst limit.
    pub burst_limit: u32,
    /// The filter applied.
    pub filter: RecoverFilterOut,
}

/// A recovery's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoverFilterOut {
    /// `failed` or `succeeded`.
    pub status: String,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// Created before (unix ms).
    pub until: Option<i64>,
    /// The topic.
    pub topic: Option<String>,
    /// The last failure's class.
    pub error_class: Option<String>,
}

/// `POST …/console-links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLinkOut {
    /// The link: `--public-url` and the path, or the path alone.
    pub url: String,
    /// The link's path.
    pub path: String,
    /// Unix ms.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_has_one_envelope_with_its_cursor() {
        let page = Page { data: vec![1, 2], next_cursor: Some("10:b".to_owned()) };
        let list = List::page(page, |n| n * 10);
        let json = serde_json::to_value(&list).unwrap_or_default();
        assert_eq!(json, serde_json::json!({ "data": [10, 20], "nextCursor": "10:b" }));
        let last = serde_json::to_value(List::all(vec!["a"])).unwrap_or_default();
        assert_eq!(last, serde_json::json!({ "data": ["a"], "nextCursor": null }));
        let read: List<i32> = serde_json::from_value(json).unwrap_or(List::all(Vec::new()));
        assert_eq!(read.next_cursor.as_deref(), Some("10:b"));
    }

    #[test]
    fn a_response_gives_exact_bytes_when_they_are_not_text() {
        let binary = ResponseOut::from(ResponseRow { status: 200, headers: Vec::new(), body: b"ok\0\xff".to_vec() });
        assert_eq!(binary.body_base64.as_deref(), Some("b2sA/w=="));
        assert_eq!(binary.body_bytes(), b"ok\0\xff");
        let text = ResponseOut::from(ResponseRow { status: 200, headers: Vec::new(), body: b"ok\0".to_vec() });
        assert_eq!((text.body.as_str(), text.body_base64.is_none()), ("ok\0", true));
        let json = serde_json::to_value(&text).unwrap_or_default();
        assert!(json.get("bodyBase64").is_none(), "{json}");
    }

    #[test]
    fn an_error_names_its_field_only_when_one_is_concerned() {
        let error = ErrorBody {
            error: ErrorOut { code: "invalid_option".into(), message: "no".into(), field: Some("rateLimit".into()) },
        };
        let json = serde_json::to_value(&error).unwrap_or_default();
        assert_eq!(json["error"]["field"], "rateLimit");
        let without = ErrorBody { error: ErrorOut { code: "not_found".into(), message: "no".into(), field: None } };
        assert!(serde_json::to_value(&without).unwrap_or_default()["error"].get("field").is_none());
    }
}
