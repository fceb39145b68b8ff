//! The service's rows and domain types: what the store reads and writes, the worker claims and records, and the API
//! turns into its answers ([`crate::http::views`]). Nothing here talks to the database or the network.

use dropship_webhooks::delivery::EndpointHealth;
use dropship_webhooks::endpoint::DeliveryMethod;
use dropship_webhooks::Scheme;

use crate::rules::EndpointState;

/// Declares an enum of names kept in the database and on the wire: its variants, `name`, `from_name` and `ALL`,
/// from one list.
macro_rules! named {
    ($(#[$meta:meta])* $enum:ident { $($(#[$variant_meta:meta])* $variant:ident => $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $enum {
            /// Every value, in order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The name kept in the database and answered by the API.
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name,)* }
            }

            /// The value of a name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some($enum::$variant),)* _ => None }
            }
        }
    };
}

named! {
    /// Why an attempt failed.
    ErrorClass {
        /// The request took longer than the request timeout.
        Timeout => "timeout",
        /// The host name did not resolve.
        Dns => "dns",
        /// The host resolves only to addresses the guard refuses.
        Blocked => "blocked",
        /// No connection could be made.
        Connect => "connect",
        /// The TLS handshake failed.
        Tls => "tls",
        /// The connection failed after it was made (reset, a malformed answer).
        Network => "network",
        /// The receiver answered with a status other than 2xx.
        Http => "http",
        /// The delivery could not be signed (no active secret).
        Signing => "signing",
        /// The endpoint's configuration could not be used (a URL the sender cannot parse).
        Config => "config",
    }
}

named! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its next attempt (or in flight).
        Pending => "pending",
        /// Delivered.
        Succeeded => "succeeded",
        /// Given up.
        Failed => "failed",
    }
}

named! {
    /// What asked for an attempt.
    Trigger {
        /// The event was posted (and retries on the schedule).
        Scheduled => "scheduled",
        /// A resend.
        Manual => "manual",
        /// A recovery of an endpoint's deliveries.
        Recover => "recover",
        /// A test event.
        Test => "test",
    }
}

named! {
    /// How an attempt ended.
    AttemptOutcome {
        /// A 2xx answer.
        Success => "success",
        /// Anything else.
        Failure => "failure",
    }
}

/// A random identifier with a readable prefix, e.g. `ep_3f9a…` (96 random bits).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    // The OS generator failing is not recoverable in any useful way; fall back to time-derived bytes.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    format!("{prefix}_{}", hex::encode(bytes))
}

/// An event to store and fan out with the endpoints it goes to, one of a group committed together
/// ([`crate::store::Store::enqueue_events`], [`crate::intake`]).
#[derive(Debug, Clone)]
pub struct QueuedEvent {
    /// The account it belongs to.
    pub account_id: String,
    /// Its id (the `webhook-id`), unique within the account.
    pub id: String,
    /// Canonical topic name.
    pub topic: String,
    /// The body as delivered.
    pub body: String,
    /// The endpoints it is delivered to.
    pub targets: Vec<String>,
    /// What queued it.
    pub trigger: Trigger,
    /// When it was posted (service clock, unix ms): its `createdAt` and its deliveries' first due time.
    pub at: i64,
}

/// What became of a queued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// The event id was new in its account (a re-post queues nothing).
    pub created: bool,
    /// Deliveries queued.
    pub queued: usize,
}

/// An event to store and fan out ([`crate::store::Store::enqueue_event`]).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The account it belongs to.
    pub account_id: &'a str,
    /// Its id (the `webhook-id`), unique within the account.
    pub id: &'a str,
    /// Canonical topic name.
    pub topic: &'a str,
    /// The body as delivered.
    pub body: &'a str,
}

/// An endpoint configuration as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// `ep_…`
    pub id: String,
    /// Why the service (not its owner) switched it off, while it is off (a 410 Gone).
    pub disabled_reason: Option<String>,
    /// Paused until then (unix ms) after the receiver answered 429, 502 or 504 ([`crate::rules::slow_down_verdict`]);
    /// the worker's to write, never the API's.
    pub slowed_until: Option<i64>,
    /// Its latest success (unix ms, to the minute); the worker's to write.
    pub last_success_at: Option<i64>,
    /// When it next has a delivery due (unix ms; the queue's own mark, read only).
    pub due_at: Option<i64>,
    /// The account it belongs to.
    pub account_id: String,
    /// Normalized target URL (unique within the account).
    pub url: String,
    /// Free text for the owner.
    pub description: String,
    /// Canonical topic names.
    pub topics: Vec<String>,
    /// POST, PUT or PATCH.
    pub method: DeliveryMethod,
    /// The signing scheme.
    pub scheme: Scheme,
    /// Requests per second; 0 means unlimited.
    pub rate_limit: u32,
    /// Requests in flight; 0 means unlimited.
    pub burst_limit: u32,
    /// The owner's switch (FAILED also turns it off).
    pub enabled: bool,
    /// HEALTHY or FAILED, with the failing streak's start (unix seconds).
    pub health: EndpointHealth,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

impl EndpointRow {
    /// The switch and health the service's rules act on.
    pub fn state(&self) -> EndpointState {
        EndpointState { enabled: self.enabled, health: self.health }
    }

    /// Whether deliveries go out ([`EndpointState::is_active`]).
    pub fn is_active(&self) -> bool {
        self.state().is_active()
    }
}

/// How a compare-and-set update of an endpoint ended ([`crate::store::Store::update_endpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointUpdate {
    /// Written.
    Done,
    /// The new URL belongs to another endpoint.
    UrlTaken,
    /// The endpoint changed (or went) since it was read: read it again and redo the change.
    Changed,
}

/// A signing secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRow {
    /// `sec_…`
    pub id: String,
    /// The endpoint it signs for.
    pub endpoint_id: String,
    /// The secret (`whsec_…` for the standard scheme).
    pub value: String,
    /// Optional label shown to receivers' tooling.
    pub label: Option<String>,
    /// Expiry in unix seconds.
    pub expires_at: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

/// A delivery claimed by a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `dlv_…`
    pub delivery_id: String,
    /// The account of the delivery.
    pub account_id: String,
    /// The event delivered (also the `webhook-id`).
    pub event_id: String,
    /// The endpoint delivered to.
    pub endpoint_id: String,
    /// The event's topic.
    pub topic: String,
    /// Attempts including this one.
    pub attempts: i64,
    /// The claim counter this worker holds; finishing is guarded by it.
    pub claims: i64,
    /// What asked for this attempt.
    pub trigger: Trigger,
    /// A resend or recovery of a finished delivery: one attempt, no retries after it.
    pub single_attempt: bool,
    /// When the delivery was queued (unix ms, the service clock): its enqueue→delivered latency starts there.
    pub queued_at: i64,
    /// How long after the claim the request may start (ms): the endpoint's rate limit, paced.
    pub start_after_ms: i64,
    /// The endpoint has a burst limit: when this request ends, a slot frees for the next claim.
    pub burst_limited: bool,
}

/// How a worker claims ([`crate::store::Store::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimRules {
    /// Most deliveries claimed at once.
    pub limit: i64,
    /// How long a claim is held (ms of the database's clock).
    pub lease_ms: i64,
    /// How far ahead a rate-limited request may be scheduled (ms).
    pub max_pacing_ms: i64,
}

/// Why an endpoint the service switched off is off, when a receiver answered 410 Gone.
pub const GONE_REASON: &str = "the receiver answered 410 Gone; activate the endpoint again once it accepts webhooks";
/// What an operational notice says of an endpoint that turned FAILED.
pub const FAILED_REASON: &str =
    "every attempt failed for 3 days: the endpoint turned FAILED; activate it again once it accepts webhooks";

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Delivered.
    Succeeded,
    /// Try again at this time (unix ms).
    RetryAt(i64),
    /// The schedule is used up: give up.
    GiveUp,
}

/// The request an attempt sent (its body is the event's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentRequest {
    /// POST, PUT or PATCH.
    pub method: String,
    /// The target URL.
    pub url: String,
    /// The headers set by the service, signatures included (never a secret's value).
    pub headers: Vec<(String, String)>,
}

/// One attempt's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The request sent (or about to be sent when it failed).
    pub request: SentRequest,
    /// The response's headers, if a response came.
    pub response_headers: Vec<(String, String)>,
    /// Unix ms when the request started.
    pub started_at: i64,
    /// Request to response (or error), in ms.
    pub latency_ms: i64,
    /// The HTTP status, if a response came.
    pub status_code: Option<i64>,
    /// Why it failed; `None` on success.
    pub error_class: Option<ErrorClass>,
    /// The error in words.
    pub error: Option<String>,
    /// The start of the response body (at most 16 KiB), the bytes as they came ([`crate::received`]).
    pub response_body: Vec<u8>,
    /// What follows.
    pub next: NextStep,
    /// The receiver answered 410 Gone: the endpoint is switched off.
    pub gone: bool,
    /// The receiver answered 429, 502 or 504: the endpoint is paused, at least this many ms (its `Retry-After`).
    pub slow_down_ms: Option<i64>,
    /// Given up because the retry schedule ran out (not a 410, an abort answer or a single resend).
    pub exhausted: bool,
}

/// A claimed delivery and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The claim being finished.
    pub claim: Claim,
    /// The attempt: a request was sent (or failed to be sent).
    pub record: AttemptRecord,
}

/// What recording a batch of outcomes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionReport {
    /// Endpoints that turned FAILED.
    pub failed_endpoints: Vec<String>,
    /// Deliveries whose claim was no longer the worker's: nothing recorded.
    pub stale: Vec<String>,
    /// Deliveries whose outcome could not be written (their leases run out and they are attempted again).
    pub unrecorded: Vec<String>,
    /// Indexes (into the batch) of outcomes not written because the database could not be reached: to record again.
    pub waiting: Vec<usize>,
}

impl CompletionReport {
    pub(crate) fn absorb(&mut self, other: CompletionReport) {
        self.failed_endpoints.extend(other.failed_endpoints);
        self.stale.extend(other.stale);
        self.unrecorded.extend(other.unrecorded);
    }
}

impl Completion {
    /// This outcome without anything the receiver sent (body, headers), its error saying why: what is recorded
    /// when the database refuses the outcome in full.
    pub(crate) fn minimal(&self, refusal: &str) -> Self {
        let mut minimal = self.clone();
        minimal.record.response_body.clear();
        minimal.record.response_headers.clear();
        // The request is the service's own, but nothing is trusted on this path: every text made storable.
        let request = &mut minimal.record.request;
        request.url = crate::received::storable_text(&request.url).into_owned();
        request.method = crate::received::storable_text(&request.method).into_owned();
        for (name, value) in &mut request.headers {
            *name = crate::received::storable_text(name).into_owned();
            *value = crate::received::storable_text(value).into_owned();
        }
        let said = minimal.record.error.take().map(|error| format!("{error}; ")).unwrap_or_default();
        minimal.record.error = Some(format!("{said}the receiver's answer could not be stored ({refusal})"));
        minimal
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The id the platform chose (e.g. its own retailer id).
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Its console look over the service's (JSON: brandName, logoUrl, accent, font), checked when set.
    pub look: Option<String>,
}

/// An API key as listed: never the key, only its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// `key_…`
    pub id: String,
    /// The account it is scoped to; `None` for an admin key.
    pub account_id: Option<String>,
    /// The key's first characters, to recognize it by.
    pub prefix: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, once revoked.
    pub revoked_at: Option<i64>,
}

/// Who is calling: the key presented and what it may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's id (the audit log's actor).
    pub key_id: String,
    /// The one account it may see and change; `None` for an admin key (every account).
    pub account_id: Option<String>,
    /// The console session acting on the key's behalf, if it is one (its id's first characters, for the log).
    pub console_session: Option<String>,
}

impl Principal {
    /// An admin key.
    pub fn is_admin(&self) -> bool {
        self.account_id.is_none()
    }

    /// Whether this key may see `account`.
    pub fn may_reach(&self, account: &str) -> bool {
        self.account_id.as_deref().is_none_or(|own| own == account)
    }

    /// The actor recorded in the audit log: the key, and the console session when it acted.
    pub fn actor(&self) -> String {
        match &self.console_session {
            Some(session) => format!("console:{session} key:{}", self.key_id),
            None => format!("key:{}", self.key_id),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// `aud_…`
    pub id: String,
    /// The account concerned (`None` for an admin action outside accounts).
    pub account_id: Option<String>,
    /// `key:<key id>`, or a console session.
    pub actor: String,
    /// `create`, `edit`, `rotate`, `expire`, `resend`, `recover`, `activate`, `deactivate`, `delete`, `revoke`.
    pub action: String,
    /// `account`, `endpoint`, `secret`, `key`, `delivery`.
    pub target_kind: String,
    /// The id of what was acted on.
    pub target_id: String,
    /// What changed, as JSON.
    pub detail: serde_json::Value,
    /// Unix ms.
    pub created_at: i64,
}

/// Attempts of one endpoint in one hour (or in a whole window), counted by outcome, error class and latency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    /// Successful attempts.
    pub successes: i64,
    /// Failed attempts by class: `timeout`, `dns`, `tls`, `connect`, `network`, `http 4xx`, `http 5xx`, …
    pub failures: std::collections::BTreeMap<String, i64>,
    /// Attempts per latency bucket ([`crate::rules::LATENCY_BUCKETS_MS`], one more for slower ones).
    pub latency: [i64; crate::rules::LATENCY_BUCKETS_MS.len() + 1],
}

impl AttemptCounts {
    /// Every attempt counted.
    pub fn total(&self) -> i64 {
        self.successes + self.failures.values().sum::<i64>()
    }

    /// The upper bound (ms) of the bucket holding the `quantile` (0–1) of the latencies; `None` without attempts
    /// or past the last bound.
    pub fn latency_at_most(&self, quantile: f64) -> Option<i64> {
        let total = self.latency.iter().sum::<i64>();
        if total == 0 {
            return None;
        }
        let wanted = (quantile * total as f64).ceil().max(1.0) as i64;
        let mut seen = 0;
        for (index, count) in self.latency.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return crate::rules::LATENCY_BUCKETS_MS.get(index).copied();
            }
        }
        None
    }
}

/// One hour's count of one endpoint's attempts of one class and latency bucket, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HourKey {
    /// The endpoint.
    pub endpoint_id: String,
    /// Its account.
    pub account_id: String,
    /// The hour's start (unix ms).
    pub hour: i64,
    /// See [`crate::rules::outcome_class`].
    pub class: String,
    /// See [`crate::rules::latency_bucket`].
    pub bucket: i64,
}

/// Where a page starts: after the row with this time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The row's time (unix ms) in the list's order.
    pub at: i64,
    /// The row's id.
    pub id: String,
}

impl Cursor {
    /// The cursor as sent to clients: `<time>:<id>`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.at, self.id)
    }

    /// Reads a cursor a client sent back.
    pub fn decode(text: &str) -> Option<Self> {
        let (at, id) = text.split_once(':')?;
        Some(Self { at: at.parse().ok()?, id: id.to_owned() }).filter(|cursor| !cursor.id.is_empty())
    }
}

/// One page of a list and the cursor of the next (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub data: Vec<T>,
    /// Pass back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// A delivery as listed in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// `dlv_…`
    pub id: String,
    /// The account.
    pub account_id: String,
    /// The event (and `webhook-id`).
    pub event_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The topic.
    pub topic: String,
    /// `pending`, `succeeded` or `failed` (given up).
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt (unix ms) while pending.
    pub next_attempt_at: Option<i64>,
    /// What asks for the next attempt while pending: `scheduled`, `manual`, `recover` or `test`.
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

/// One attempt as listed in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    /// `att_…`
    pub id: String,
    /// The account.
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
    /// `scheduled`, `manual` (resend), `recover` or `test`.
    pub trigger: String,
    /// Unix ms.
    pub started_at: i64,
    /// Milliseconds.
    pub latency_ms: i64,
    /// When the outcome was written (unix ms of the database's clock): the live stream's order.
    pub recorded_at: i64,
    /// HTTP status if a response came.
    pub status_code: Option<i64>,
    /// `success` or `failure`.
    pub outcome: String,
    /// `timeout`, `dns`, `blocked`, `connect`, `tls`, `network`, `http`, `signing`.
    pub error_class: Option<String>,
    /// The error in words.
    pub error: Option<String>,
}

/// An attempt's whole record: what was sent and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptDetailRow {
    /// The summary.
    pub summary: AttemptRow,
    /// The request: method, URL, headers (signatures included, never a secret), body.
    pub request: RequestRow,
    /// The response, if one came: status, headers, the start of the body (at most 16 KiB).
    pub response: Option<ResponseRow>,
}

/// An attempt's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// POST, PUT or PATCH.
    pub method: String,
    /// The target.
    pub url: String,
    /// `[name, value]` pairs in the order sent.
    pub headers: Vec<(String, String)>,
    /// The event body, byte for byte (`None` once the event is pruned).
    pub body: Option<String>,
}

/// An attempt's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRow {
    /// HTTP status.
    pub status: i64,
    /// `[name, value]` pairs.
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most 16 KiB), the bytes as they came.
    pub body: Vec<u8>,
}

/// An event as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// The event id.
    pub id: String,
    /// Canonical topic.
    pub topic: String,
    /// Unix ms.
    pub created_at: i64,
    /// Its deliveries, one per endpoint it went to.
    pub deliveries: i64,
}
