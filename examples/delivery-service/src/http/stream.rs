//! `GET /v1/accounts/{account}/stream`: Server-Sent Events, one `attempt` event per attempt as it is recorded
//! (`id: <recordedAt>:<attempt id>`; send it back as `Last-Event-ID` to resume after a reconnect).
//!
//! Streams are held to their own limits so they cannot take the service from ordinary requests: at most
//! [`StreamLimits::per_account`] at once per account and [`StreamLimits::per_key`] per key (then 429
//! `too_many_streams`), [`StreamLimits::max_total`] in all, each ending after [`StreamLimits::max_lifetime`]
//! (clients resume with `Last-Event-ID`; browsers' `EventSource` does it by itself). A stream leaves the server's
//! ordinary connection slots when it starts.
//!
//! Attempts are read in pages by keyset, after the last row read, `(recorded_at, id) > (last)`, page after page
//! while pages are full, so any rate of attempts reaches the stream. Within one process a stream wakes when
//! attempts are recorded; attempts recorded by other processes are found by a poll once a second. A look-back
//! over the last seconds before the cursor catches attempts whose transaction (another process's) committed after
//! later ones were read.

use super::views::{AttemptOut, ErrorBody};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tokio::sync::watch;

use crate::http::auth::Scope;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::server::ConnectionHandle;
use crate::http::AppState;
use crate::model::AttemptRow;
use crate::store::Store;

/// Live streams' caps and lifetime.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Streams at once over the whole service.
    pub max_total: usize,
    /// Streams at once of one account.
    pub per_account: usize,
    /// Streams at once opened with one key (or one console session's key).
    pub per_key: usize,
    /// How long a stream lasts before it ends (the client resumes with `Last-Event-ID`).
    pub max_lifetime: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        use crate::settings::defaults;
        Self {
            max_total: defaults::MAX_STREAMS,
            per_account: defaults::MAX_STREAMS_PER_ACCOUNT,
            per_key: defaults::MAX_STREAMS_PER_ACCOUNT,
            max_lifetime: Duration::from_secs(defaults::STREAM_MAX_SECONDS),
        }
    }
}

/// Rows read per page.
const PAGE: i64 = 500;
/// The fastest a stream reads again after it read (while attempts keep being recorded).
const MIN_POLL: Duration = Duration::from_millis(100);
/// The slowest: attempts recorded by another process are found within this.
const MAX_POLL: Duration = Duration::from_secs(1);
/// How far before the cursor a late commit is looked for.
const LOOKBACK_MS: i64 = 5_000;
/// Rows the look-back reads at most, newest first.
const LOOKBACK_ROWS: i64 = 5_000;
/// How far back `Last-Event-ID` may resume.
const MAX_RESUME_MS: i64 = 24 * 3_600_000;

/// The streams open now, by account and by key.
#[derive(Debug, Default)]
pub struct Streams {
    open: Mutex<StreamCounts>,
}

#[derive(Debug, Default)]
struct StreamCounts {
    total: usize,
    accounts: HashMap<String, usize>,
    keys: HashMap<String, usize>,
}

/// One open stream's place in the counts, given back when the stream ends.
struct StreamSlot {
    streams: Arc<Streams>,
    account: String,
    key: String,
}

impl Streams {
    fn open(self: &Arc<Self>, limits: StreamLimits, account: &str, key: &str) -> Result<StreamSlot, ApiError> {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let full = |what: &str, most: usize| {
            ApiError::new(
                ErrorCode::TooManyStreams,
                format!("{what} has {most} live streams open already; close one, or resume it with Last-Event-ID"),
            )
        };
        if open.accounts.get(account).copied().unwrap_or(0) >= limits.per_account {
            return Err(full("this account", limits.per_account));
        }
        if open.keys.get(key).copied().unwrap_or(0) >= limits.per_key {
            return Err(full("this key", limits.per_key));
        }
        if open.total >= limits.max_total {
            return Err(full("the service", limits.max_total));
        }
        open.total += 1;
        *open.accounts.entry(account.to_owned()).or_default() += 1;
        *open.keys.entry(key.to_owned()).or_default() += 1;
        Ok(StreamSlot { streams: self.clone(), account: account.to_owned(), key: key.to_owned() })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut guard = self.streams.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let open = &mut *guard;
        open.total = open.total.saturating_sub(1);
        for (map, name) in [(&mut open.accounts, &self.account), (&mut open.keys, &self.key)] {
            if let Some(count) = map.get_mut(name) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    map.remove(name);
                }
            }
        }
    }
}

/// A keyset position: `(recorded_at, id)`.
type Position = (i64, String);

struct Tail {
    store: Store,
    account: String,
    /// Where the stream started: nothing at or before it is sent.
    start: Position,
    /// The last row the keyset walk read.
    cursor: Position,
    /// What was sent within the look-back window before the cursor.
    sent: BTreeSet<Position>,
    /// Read, not yet sent.
    ready: VecDeque<AttemptRow>,
    /// The last page was full: read again at once.
    more: bool,
    recorded: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    ends_at: Instant,
    last_read: Option<Instant>,
    last_lookback: Instant,
    _slot: StreamSlot,
}

impl Tail {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        // Until the stream's lifetime or shutdown; every turn that sends nothing waits (`wait`) before reading.
        loop {
            if let Some(attempt) = self.ready.pop_front() {
                let event = Event::default()
                    .event("attempt")
                    .id(format!("{}:{}", attempt.recorded_at, attempt.id))
                    .json_data(AttemptOut::from(attempt.clone()))
                    .unwrap_or_else(|_| Event::default().comment("unserializable attempt"));
                return Some((Ok(event), self));
            }
            if *self.shutdown.borrow() || Instant::now() >= self.ends_at {
                return None;
            }
            if !self.more {
                self.wait().await?;
            }
            if let Err(error) = self.read().await {
                // The next wait bounds the retry: at most once a second.
                tracing::warn!(%error, "the live stream could not read attempts; trying again");
                self.more = false;
            }
        }
    }

    /// Until attempts are recorded in this process (not sooner than [`MIN_POLL`] after the last read), the poll
    /// for other processes' ([`MAX_POLL`]), the stream's end, or shutdown (`None`).
    async fn wait(&mut self) -> Option<()> {
        let until_end = self.ends_at.saturating_duration_since(Instant::now());
        if let Some(last) = self.last_read {
            let early = MIN_POLL.saturating_sub(last.elapsed());
            if !early.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(early.min(until_end)) => {}
                    _ = self.shutdown.wait_for(|stopped| *stopped) => return None,
                }
            }
        }
        let poll = MAX_POLL.min(self.ends_at.saturating_duration_since(Instant::now()));
        tokio::select! {
            _ = self.recorded.changed() => {}
            () = tokio::time::sleep(poll) => {}
            _ = self.shutdown.wait_for(|stopped| *stopped) => return None,
        }
        Some(())
    }

    async fn read(&mut self) -> Result<(), sqlx::Error> {
        self.last_read = Some(Instant::now());
        let page = self.store.attempts_recorded_after(&self.account, &self.cursor, PAGE).await?;
        self.more = i64::try_from(page.len()).unwrap_or(i64::MAX) >= PAGE;
        for attempt in page {
            self.cursor = (attempt.recorded_at, attempt.id.clone());
            if self.sent.insert(self.cursor.clone()) {
                self.ready.push_back(attempt);
            }
        }
        if self.last_lookback.elapsed() >= MAX_POLL {
            self.last_lookback = Instant::now();
            self.look_back().await?;
        }
        // What fell out of the window is no longer looked at.
        let floor = (self.cursor.0.saturating_sub(LOOKBACK_MS), String::new());
        self.sent = self.sent.split_off(&floor);
        Ok(())
    }

    /// Attempts in the window before the cursor that were not sent: committed late, by another process.
    async fn look_back(&mut self) -> Result<(), sqlx::Error> {
        let from = self.cursor.0.saturating_sub(LOOKBACK_MS).max(self.start.0);
        let seen = self.store.attempt_positions_between(&self.account, from, &self.cursor, LOOKBACK_ROWS).await?;
        let missed: Vec<String> = seen
            .into_iter()
            .filter(|position| *position > self.start && !self.sent.contains(position))
            .map(|(_, id)| id)
            .collect();
        if missed.is_empty() {
            return Ok(());
        }
        for attempt in self.store.attempts_by_id(&self.account, &missed).await? {
            if self.sent.insert((attempt.recorded_at, attempt.id.clone())) {
                self.ready.push_back(attempt);
            }
        }
        Ok(())
    }
}

/// Where a `Last-Event-ID` resumes: its time held to the last day (and not after now), its id if it is one.
fn resume_position(headers: &HeaderMap, now: i64) -> Option<Position> {
    let text = headers.get("last-event-id")?.to_str().ok()?;
    let (at, id) = text.split_once(':')?;
    let at = at.parse::<i64>().ok()?.clamp(now.saturating_sub(MAX_RESUME_MS), now);
    let id = if id.len() <= 64 && id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_') {
        id.to_owned()
    } else {
        String::new()
    };
    Some((at, id))
}

/// The route.
#[utoipa::path(
    get,
    path = "/v1/accounts/{account}/stream",
    tag = "history",
    summary = "Server-Sent Events: one `attempt` event per attempt as it is recorded",
    params(("account" = String, Path, description = "The account's id"), ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "`text/event-stream` of `attempt` events (`data`: an AttemptOut)", content_type = "text/event-stream", body = String),
        (status = 400, description = "`invalid_option`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 408, description = "`request_timeout`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 429, description = "`too_many_streams`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn stream(
    State(state): State<AppState>,
    scope: Scope,
    connection: Option<Extension<ConnectionHandle>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let slot = state.streams.open(state.stream_limits, &scope.account, &scope.principal.key_id)?;
    let now = state.store.database_time().await?;
    let start = resume_position(&headers, now).unwrap_or((now, String::new()));
    if let Some(Extension(connection)) = connection {
        connection.streaming();
    }
    let tail = Tail {
        store: state.store.clone(),
        account: scope.account,
        cursor: start.clone(),
        start,
        sent: BTreeSet::new(),
        ready: VecDeque::new(),
        more: true,
        recorded: state.store.recorded_signal(),
        shutdown: state.shutdown.clone(),
        ends_at: Instant::now() + state.stream_limits.max_lifetime,
        last_read: None,
        last_lookback: Instant::now(),
        _slot: slot,
    };
    let mut response =
        Sse::new(futures_util::stream::unfold(tail, Tail::next)).keep_alive(KeepAlive::default()).into_response();
    // The connection was taken out of the ordinary slots: it ends with its stream.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("last-event-id", HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")));
        headers
    }

    #[test]
    fn resume_positions_are_held_to_the_last_day() {
        let now = 1_790_000_000_000;
        assert_eq!(resume_position(&headers(&format!("{}:att_1", now - 5)), now), Some((now - 5, "att_1".into())));
        assert_eq!(
            resume_position(&headers(&format!("{}:att_1", i64::MIN)), now),
            Some((now - MAX_RESUME_MS, "att_1".into()))
        );
        assert_eq!(resume_position(&headers(&format!("{}:att_1", i64::MAX)), now), Some((now, "att_1".into())));
        assert_eq!(resume_position(&headers(&format!("{now}:not an id")), now), Some((now, String::new())));
        assert_eq!(resume_position(&headers("garbage"), now), None);
    }

    #[test]
    fn streams_are_capped_per_account_and_key_and_given_back() {
        let streams = Arc::new(Streams::default());
        let limits = StreamLimits { max_total: 3, per_account: 2, per_key: 2, max_lifetime: Duration::from_secs(1) };
        let first = streams.open(limits, "a", "k1").unwrap_or_else(|_| unreachable!());
        let _second = streams.open(limits, "a", "k2").unwrap_or_else(|_| unreachable!());
        assert_eq!(streams.open(limits, "a", "k3").err().map(|e| e.code), Some(ErrorCode::TooManyStreams));
        let _third = streams.open(limits, "b", "k1").unwrap_or_else(|_| unreachable!());
        assert_eq!(streams.open(limits, "c", "k1").err().map(|e| e.code), Some(ErrorCode::TooManyStreams), "per key");
        assert_eq!(streams.open(limits, "c", "k4").err().map(|e| e.code), Some(ErrorCode::TooManyStreams), "in all");
        drop(first);
        assert!(streams.open(limits, "c", "k4").is_ok(), "a slot given back is free again");
    }
}
