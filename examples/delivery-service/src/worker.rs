//! The delivery worker: claim → limit → sign → send → record.
//!
//! A dispatcher claims due deliveries in batches (with a lease), admits each through the endpoint's limits — the
//! core's [`RateLimit`] step paced in real time and a semaphore sized by the core's [`BurstLimit`] — and spawns
//! one task per request. Tasks report to a completer, which writes a whole batch of outcomes in one transaction.
//! A delivery its endpoint's limits hold back is handed back to the queue untouched: being rate-limited by the
//! sender is neither an attempt nor a failure. Retry delays and `Retry-After` come from the core's
//! [`RetrySchedule`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dropship_webhooks::delivery::{BurstLimit, RateLimit, RetrySchedule};
use dropship_webhooks::{Scheme, Secret, SecretSet, Webhook};
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};

use crate::clock::{wall_ms, Clock};
use crate::net::{check_literal_host, classify, describe, AddressPolicy};
use crate::store::{AttemptRecord, Claim, Completion, EndpointRow, NextStep, Outcome, SecretRow, Store};

/// The most of a response body kept in the history.
pub const RESPONSE_EXCERPT_BYTES: usize = 16 * 1024;

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Requests in flight at once, over all endpoints.
    pub concurrency: usize,
    /// Most deliveries claimed at once.
    pub batch_size: usize,
    /// How long a claim is held before another worker may take the delivery over (clock ms); longer than the
    /// request timeout.
    pub lease_ms: i64,
    /// How often to look for due deliveries when nothing wakes the worker.
    pub poll_interval: Duration,
    /// The retry schedule.
    pub schedule: RetrySchedule,
    /// Which addresses requests may reach.
    pub policy: AddressPolicy,
    /// A rate-limited delivery due within this much real time waits in memory; later ones go back to the queue.
    pub max_pacing: Duration,
}

/// One endpoint's limits, shared by its in-flight requests.
struct Limiter {
    rate: RateLimit,
    /// The GCRA theoretical arrival time, in µs of the worker's monotonic clock.
    tat_us: Mutex<u64>,
    /// Sized by the burst limit; `None` when unlimited.
    in_flight: Option<Arc<Semaphore>>,
}

/// The verdict of the rate limit on one delivery.
enum Pace {
    /// Send after this real delay.
    After(Duration),
    /// Put back; due again after this many ms.
    Defer(i64),
}

impl Limiter {
    fn new(rate: u32, burst: u32) -> Self {
        let burst = BurstLimit(burst);
        let in_flight = (!burst.is_unlimited()).then(|| Arc::new(Semaphore::new(burst.0 as usize)));
        Self { rate: RateLimit(rate), tat_us: Mutex::new(0), in_flight }
    }

    /// Waits (up to `patience`) for a burst slot; `Err` if none came.
    async fn burst_slot(&self, patience: Duration) -> Result<Option<OwnedSemaphorePermit>, ()> {
        let Some(semaphore) = &self.in_flight else { return Ok(None) };
        match tokio::time::timeout(patience, semaphore.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(()),
        }
    }

    fn pace(&self, now_us: u64, max_pacing: Duration) -> Pace {
        let mut tat = self.tat_us.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match self.rate.check(*tat, now_us) {
            Ok(next) => {
                *tat = next;
                Pace::After(Duration::ZERO)
            }
            Err(wait_us) if Duration::from_micros(wait_us) <= max_pacing => {
                // Reserve the next slot: the step taken at the moment the limit next allows a request.
                *tat = self.rate.check(*tat, *tat).unwrap_or(*tat);
                Pace::After(Duration::from_micros(wait_us))
            }
            Err(wait_us) => Pace::Defer(i64::try_from(wait_us / 1000).unwrap_or(i64::MAX).max(1)),
        }
    }
}

/// A limiter with the (rate, burst) settings it was built for.
type LimiterEntry = (u32, u32, Arc<Limiter>);

/// A running worker's controls.
pub struct WorkerHandle {
    shutdown: watch::Sender<bool>,
    dispatcher: tokio::task::JoinHandle<()>,
    completer: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, lets in-flight requests finish (up to `grace`), records their outcomes, and returns.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.shutdown.send(true);
        if tokio::time::timeout(grace, self.dispatcher).await.is_err() {
            tracing::warn!(
                "in-flight deliveries outlived the shutdown grace; their leases will expire and they will be retried"
            );
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.completer).await;
    }
}

/// The worker.
pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    settings: WorkerSettings,
    owner: String,
    /// Per endpoint: the (rate, burst) the limiter was built for, and the limiter.
    limiters: Mutex<HashMap<String, LimiterEntry>>,
    started: Instant,
}

impl Worker {
    /// Starts the dispatcher and the completer. `wake` is notified when deliveries are queued.
    pub fn start(
        store: Store,
        clock: Arc<dyn Clock>,
        client: reqwest::Client,
        settings: WorkerSettings,
        wake: Arc<Notify>,
    ) -> WorkerHandle {
        let owner = crate::store::new_id("wrk");
        tracing::info!(%owner, concurrency = settings.concurrency, "delivery worker started");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (done_tx, done_rx) = mpsc::channel(settings.concurrency.max(1) * 2);
        let worker = Arc::new(Self {
            store,
            clock,
            client,
            settings,
            owner,
            limiters: Mutex::new(HashMap::new()),
            started: Instant::now(),
        });
        let completer = tokio::spawn(worker.clone().complete_loop(done_rx, wake.clone()));
        let dispatcher = tokio::spawn(worker.dispatch_loop(done_tx, wake, shutdown_rx));
        WorkerHandle { shutdown, dispatcher, completer }
    }

    fn limiter(&self, endpoint: &EndpointRow) -> Arc<Limiter> {
        let mut limiters = self.limiters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = limiters.entry(endpoint.id.clone()).or_insert_with(|| {
            (
                endpoint.rate_limit,
                endpoint.burst_limit,
                Arc::new(Limiter::new(endpoint.rate_limit, endpoint.burst_limit)),
            )
        });
        if (entry.0, entry.1) != (endpoint.rate_limit, endpoint.burst_limit) {
            *entry = (
                endpoint.rate_limit,
                endpoint.burst_limit,
                Arc::new(Limiter::new(endpoint.rate_limit, endpoint.burst_limit)),
            );
        }
        entry.2.clone()
    }

    async fn dispatch_loop(
        self: Arc<Self>,
        done: mpsc::Sender<Completion>,
        wake: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let in_flight = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        while !*shutdown.borrow() {
            let free = in_flight.available_permits().min(self.settings.batch_size.max(1));
            if free == 0 {
                tokio::select! {
                    permit = in_flight.clone().acquire_owned() => drop(permit),
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let claimed = match self.claim_batch(free).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::error!(%error, "claiming deliveries failed; retrying");
                    tokio::time::sleep(self.settings.poll_interval).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            for (claim, work) in claimed {
                let Some((endpoint, secrets, body)) = work else {
                    // The endpoint or event vanished between claim and load (deleted); the row goes with them.
                    continue;
                };
                let Ok(slot) = in_flight.clone().acquire_owned().await else { break };
                let worker = self.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    let outcome = worker.limited_attempt(&claim, &endpoint, &secrets, body.as_bytes()).await;
                    let _ = done.send(Completion { claim, outcome }).await;
                    drop(slot);
                });
            }
        }
        // Drain: every slot back means every request finished and reported.
        let total = u32::try_from(self.settings.concurrency.max(1)).unwrap_or(u32::MAX);
        let _ = in_flight.acquire_many(total).await;
        tracing::info!("delivery worker stopped; in-flight requests drained");
    }

    #[allow(clippy::type_complexity)]
    async fn claim_batch(
        &self,
        limit: usize,
    ) -> Result<Vec<(Claim, Option<(EndpointRow, Vec<SecretRow>, Arc<String>)>)>, sqlx::Error> {
        let now = self.clock.now_ms();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let claims = self.store.claim(&self.owner, now, now.saturating_add(self.settings.lease_ms), limit).await?;
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let mut endpoint_ids: Vec<&str> = claims.iter().map(|c| c.endpoint_id.as_str()).collect();
        endpoint_ids.sort_unstable();
        endpoint_ids.dedup();
        let mut event_ids: Vec<&str> = claims.iter().map(|c| c.event_id.as_str()).collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        let endpoints = self.store.endpoints_with_secrets(&endpoint_ids).await?;
        let bodies: HashMap<String, Arc<String>> =
            self.store.event_bodies(&event_ids).await?.into_iter().map(|(id, body)| (id, Arc::new(body))).collect();
        Ok(claims
            .into_iter()
            .map(|claim| {
                let work = endpoints.get(&claim.endpoint_id).and_then(|(endpoint, secrets)| {
                    bodies.get(&claim.event_id).map(|body| (endpoint.clone(), secrets.clone(), body.clone()))
                });
                (claim, work)
            })
            .collect())
    }

    /// Holds a delivery to its endpoint's burst and rate limits, then attempts it; a delivery the limits hold back
    /// for longer than `max_pacing` goes back to the queue (deferred, not failed).
    async fn limited_attempt(
        &self,
        claim: &Claim,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        body: &[u8],
    ) -> Outcome {
        let limiter = self.limiter(endpoint);
        let Ok(burst_permit) = limiter.burst_slot(self.settings.max_pacing).await else {
            return Outcome::Deferred { until: self.clock.now_ms() };
        };
        let now_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match limiter.pace(now_us, self.settings.max_pacing) {
            Pace::Defer(wait_ms) => Outcome::Deferred { until: self.clock.now_ms().saturating_add(wait_ms) },
            Pace::After(delay) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let record = self.attempt(claim, endpoint, secrets, body).await;
                drop(burst_permit);
                Outcome::Attempted(record)
            }
        }
    }

    /// Signs with every secret active now (by the service clock) and sends one request.
    async fn attempt(
        &self,
        claim: &Claim,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        body: &[u8],
    ) -> AttemptRecord {
        let started_at = self.clock.now_ms();
        let started = Instant::now();
        let result = self.send(claim, endpoint, secrets, body).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let now_seconds = self.clock.now_seconds();
        let (status_code, error_class, error, response_excerpt, retry_after) = match result {
            Ok(response) if (200..300).contains(&response.status) => {
                (Some(i64::from(response.status)), None, None, response.excerpt, None)
            }
            Ok(response) => (
                Some(i64::from(response.status)),
                Some("http"),
                Some(format!("the endpoint answered HTTP {}", response.status)),
                response.excerpt,
                response.retry_after,
            ),
            Err((class, message)) => (None, Some(class), Some(message), String::new(), None),
        };
        let next = if error_class.is_none() {
            NextStep::Succeeded
        } else {
            let failures = u32::try_from(claim.attempts).unwrap_or(u32::MAX);
            let random = random_unit();
            match self.settings.schedule.next_delay_ms(failures, random) {
                None => NextStep::GiveUp,
                Some(scheduled) => {
                    let asked = self.settings.schedule.retry_after_ms(retry_after.as_deref(), now_seconds);
                    let delay = i64::try_from(asked.unwrap_or(scheduled)).unwrap_or(i64::MAX);
                    NextStep::RetryAt(self.clock.now_ms().saturating_add(delay))
                }
            }
        };
        AttemptRecord { started_at, latency_ms, status_code, error_class, error, response_excerpt, next }
    }

    async fn send(
        &self,
        claim: &Claim,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        body: &[u8],
    ) -> Result<SentResponse, (&'static str, String)> {
        let headers = sign(endpoint, secrets, &claim.event_id, self.clock.now_seconds(), body)
            .map_err(|error| ("signing", error.to_string()))?;
        let url = reqwest::Url::parse(&endpoint.url).map_err(|error| ("config", format!("bad URL: {error}")))?;
        check_literal_host(&url, self.settings.policy).map_err(|blocked| ("blocked", blocked.to_string()))?;
        let method = reqwest::Method::from_bytes(endpoint.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut request = self.client.request(method, url).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut response =
            request.body(body.to_vec()).send().await.map_err(|error| (classify(&error), describe(&error)))?;
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").and_then(|value| value.to_str().ok()).map(str::to_owned);
        let mut excerpt = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = RESPONSE_EXCERPT_BYTES - excerpt.len();
                    excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if excerpt.len() >= RESPONSE_EXCERPT_BYTES {
                        break;
                    }
                }
                Ok(None) => break,
                // The status already arrived; a body cut short only shortens the excerpt.
                Err(_) => break,
            }
        }
        Ok(SentResponse { status, retry_after, excerpt: String::from_utf8_lossy(&excerpt).into_owned() })
    }

    async fn complete_loop(self: Arc<Self>, mut done: mpsc::Receiver<Completion>, wake: Arc<Notify>) {
        let mut batch = Vec::with_capacity(512);
        while done.recv_many(&mut batch, 512).await > 0 {
            let mut tries = 0;
            loop {
                match self.store.complete(&batch, self.clock.now_ms()).await {
                    Ok(_) => break,
                    Err(error) if tries < 5 => {
                        tries += 1;
                        tracing::warn!(%error, tries, "recording outcomes failed; retrying");
                        tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                    }
                    Err(error) => {
                        // Not lost: the leases expire and the deliveries are attempted again.
                        tracing::error!(%error, count = batch.len(), "could not record outcomes");
                        break;
                    }
                }
            }
            if batch.iter().any(|c| matches!(c.outcome, Outcome::Deferred { .. })) {
                wake.notify_one();
            }
            batch.clear();
        }
    }
}

struct SentResponse {
    status: u16,
    retry_after: Option<String>,
    excerpt: String,
}

/// The headers for one delivery: every secret active at `clock_seconds` signs; the signed timestamp is the real
/// wall time, which is what receivers check.
pub fn sign(
    endpoint: &EndpointRow,
    secrets: &[SecretRow],
    message_id: &str,
    clock_seconds: u64,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, dropship_webhooks::WebhookError> {
    let active = secrets
        .iter()
        .map(secret_of)
        .filter(|secret| secret.is_active_at(clock_seconds))
        .map(|secret| Secret::new(secret.value()).with_label(secret.label_text().map(str::to_owned)))
        .collect::<Vec<_>>();
    let scheme = Scheme::from_name(&endpoint.scheme)?;
    let webhook = Webhook::with_scheme(SecretSet::from(active), scheme)?;
    let timestamp = u64::try_from(wall_ms() / 1000).unwrap_or(0);
    Ok(webhook.sign(message_id, timestamp, body)?.into_vec())
}

/// A stored secret as the core's [`Secret`].
pub fn secret_of(row: &SecretRow) -> Secret {
    Secret::new(row.value.clone())
        .with_expiry(row.expires_at.and_then(|at| u64::try_from(at).ok()))
        .with_label(row.label.clone())
}

/// A uniform random number in `[0, 1)` for the retry jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / 4_294_967_296.0
}
