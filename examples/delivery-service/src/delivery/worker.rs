//! The delivery worker: claim → pace → sign → send → record.
//!
//! A dispatcher claims due deliveries in batches (with a lease renewed while the worker lives). The claim itself
//! applies every endpoint's rate and burst limits, with their state in the database, so they hold across all the
//! worker processes and one endpoint's backlog never takes the turns of another's ([`Store::claim`]). Each claimed
//! delivery runs as a task that waits for its paced start, signs with every active secret and sends one request;
//! tasks report to a completer, which records a batch of outcomes at a time. Retry delays and `Retry-After` come
//! from the core's [`RetrySchedule`].

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dropship_webhooks::delivery::RetrySchedule;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tracing::Instrument;

use crate::clock::Clock;
use crate::delivery::attempt::{decide, send, Failure, Now, Target};
use crate::delivery::net::AddressPolicy;
use crate::delivery::signing::Signers;
use crate::metrics::{Metrics, StatusLabels};
use crate::model::CompletionReport;
use crate::model::{AttemptRecord, Claim, ClaimRules, Completion, EndpointRow, ErrorClass, SecretRow, SentRequest};
use crate::rules::health_verdict;
use crate::store::Store;

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Requests in flight at once, over all endpoints.
    pub concurrency: usize,
    /// Most deliveries claimed at once.
    pub batch_size: usize,
    /// How long a claim is held before another worker may take the delivery over (ms of the database's clock);
    /// renewed every third of it while the worker lives, and at least [`WorkerSettings::lease_needed`].
    pub lease_ms: i64,
    /// How often to look for due deliveries when nothing wakes the worker.
    pub poll_interval: Duration,
    /// The retry schedule.
    pub schedule: RetrySchedule,
    /// Which addresses requests may reach.
    pub policy: AddressPolicy,
    /// How far ahead a claim schedules a rate-limited delivery (its task waits that long); later ones stay queued.
    pub max_pacing: Duration,
}

/// Time a worker keeps for writing an outcome down after the request ended, inside its lease.
const RECORDING_MARGIN: Duration = Duration::from_secs(1);

impl WorkerSettings {
    /// The shortest lease that covers one delivery from claim to record: its paced start (up to `max_pacing`),
    /// the whole request (`request_timeout`), and recording the outcome.
    pub fn lease_needed(&self, request_timeout: Duration) -> Duration {
        request_timeout + self.max_pacing + RECORDING_MARGIN
    }
}

/// A running worker's controls.
pub struct WorkerHandle {
    shutdown: watch::Sender<bool>,
    dispatcher: tokio::task::JoinHandle<()>,
    completer: tokio::task::JoinHandle<()>,
    heartbeat: tokio::task::JoinHandle<()>,
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
        // Leases renew until every outcome is recorded (or the grace ran out).
        self.heartbeat.abort();
    }
}

/// The worker.
pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    settings: WorkerSettings,
    owner: String,
    started: Instant,
    /// When this worker's leases were last renewed (ms since `started`; negative: never).
    renewed_at_ms: AtomicI64,
    /// The deliveries this worker works on, from claim until their outcome is recorded: the leases the heartbeat
    /// renews (a claim the worker lost track of is left to run out).
    held: Mutex<HashSet<String>>,
    /// One signer per endpoint, kept while its secrets are unchanged.
    signers: Signers,
    /// What the worker did, for `/metrics`.
    metrics: Arc<Metrics>,
}

impl Worker {
    /// Starts the dispatcher and the completer. `wake` is notified when deliveries are queued.
    pub fn start(
        store: Store,
        clock: Arc<dyn Clock>,
        client: reqwest::Client,
        settings: WorkerSettings,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> WorkerHandle {
        let owner = crate::model::new_id("wrk");
        tracing::info!(%owner, concurrency = settings.concurrency, "delivery worker started");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (done_tx, done_rx) = mpsc::channel(settings.concurrency.max(1) * 2);
        let worker = Arc::new(Self {
            store,
            clock,
            client,
            settings,
            owner,
            started: Instant::now(),
            renewed_at_ms: AtomicI64::new(-1),
            held: Mutex::new(HashSet::new()),
            signers: Signers::default(),
            metrics,
        });
        let completer = tokio::spawn(worker.clone().complete_loop(done_rx, wake.clone()));
        let heartbeat = tokio::spawn(worker.clone().heartbeat_loop());
        let dispatcher = tokio::spawn(worker.dispatch_loop(done_tx, wake, shutdown_rx));
        WorkerHandle { shutdown, dispatcher, completer, heartbeat }
    }

    fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    fn renewal_interval(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.settings.lease_ms / 3).unwrap_or(0).max(10))
    }

    /// Extends this worker's leases on what it holds; `true` once done.
    async fn renew_leases(&self) -> bool {
        let started = self.elapsed_ms();
        let held: Vec<String> =
            self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect();
        match self.store.renew_leases(&self.owner, &held, self.settings.lease_ms).await {
            Ok(_) => {
                self.renewed_at_ms.fetch_max(started, Ordering::SeqCst);
                self.metrics.lease_renewals.inc();
                true
            }
            Err(error) => {
                self.metrics.database_errors.inc();
                tracing::warn!(%error, "renewing leases failed; retrying");
                false
            }
        }
    }

    /// Renews the leases every third of their length, so a long request stays this worker's while it lives; a
    /// killed worker stops renewing and its deliveries are taken over when its leases run out.
    async fn heartbeat_loop(self: Arc<Self>) {
        // For the worker's life, one turn per renewal interval; a failed turn is tried at the next.
        loop {
            tokio::time::sleep(self.renewal_interval()).await;
            self.renew_leases().await;
            // What another worker held when its leases ran out, or queued but died before marking due: due again.
            if let Err(error) = self.store.mark_claimable_due(self.clock.now_ms()).await {
                self.metrics.database_errors.inc();
                tracing::warn!(%error, "looking for claimable deliveries failed; retrying");
            }
        }
    }

    /// Before claiming: the worker's own leases must have been renewed within a renewal interval, or claiming
    /// could take back its own in-flight rows whose leases ran out while the database was unreachable.
    async fn leases_fresh(&self) -> bool {
        let interval = i64::try_from(self.renewal_interval().as_millis()).unwrap_or(i64::MAX);
        if self.renewed_at_ms.load(Ordering::SeqCst) >= 0
            && self.elapsed_ms() - self.renewed_at_ms.load(Ordering::SeqCst) <= interval
        {
            return true;
        }
        self.renew_leases().await
    }

    async fn dispatch_loop(
        self: Arc<Self>,
        done: mpsc::Sender<Completion>,
        wake: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let in_flight = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        // For the worker's life. Every turn waits for something (a free slot, a claim, the poll or a wake); a
        // failed claim waits a poll interval before the next (a database outage is waited out, not spun on).
        while !*shutdown.borrow() {
            let free = in_flight.available_permits().min(self.settings.batch_size.max(1));
            if free == 0 {
                tokio::select! {
                    permit = in_flight.clone().acquire_owned() => drop(permit),
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            if !self.leases_fresh().await {
                tokio::time::sleep(self.settings.poll_interval).await;
                continue;
            }
            let claimed = match self.claim_batch(free).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    self.metrics.database_errors.inc();
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
                // Every line logged for this delivery carries its ids (a field of each JSON log line).
                let span = tracing::info_span!(
                    "delivery",
                    delivery = %claim.delivery_id,
                    endpoint = %claim.endpoint_id,
                    account = %claim.account_id,
                );
                self.metrics.in_flight.inc();
                tokio::spawn(
                    async move {
                        // The endpoint's rate limit, paced at the claim.
                        if claim.start_after_ms > 0 {
                            let wait = Duration::from_millis(u64::try_from(claim.start_after_ms).unwrap_or(0));
                            tokio::time::sleep(wait).await;
                        }
                        let record = worker.attempt(&claim, &endpoint, &secrets, body.as_bytes()).await;
                        if let Some(error) = &record.error {
                            tracing::debug!(attempt = claim.attempts, %error, "attempt failed");
                        }
                        worker.metrics.in_flight.dec();
                        let _ = done.send(Completion { claim, record }).await;
                        drop(slot);
                    }
                    .instrument(span),
                );
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
        let rules = ClaimRules {
            limit,
            lease_ms: self.settings.lease_ms,
            max_pacing_ms: i64::try_from(self.settings.max_pacing.as_millis()).unwrap_or(i64::MAX),
        };
        let claims = self.store.claim(&self.owner, now, rules).await?;
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        self.metrics.claims.inc_by(u64::try_from(claims.len()).unwrap_or(0));
        let work = match self.load_work(&claims).await {
            Ok(work) => work,
            Err(error) => {
                // Not lost either way: handed back now, or (if that fails too) its leases run out unrenewed.
                if let Err(release_error) = self.store.release(&claims, now).await {
                    tracing::warn!(error = %release_error, "handing back claims failed; their leases will run out");
                }
                return Err(error);
            }
        };
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.extend(
            claims.iter().zip(&work).filter(|(_, work)| work.is_some()).map(|(claim, _)| claim.delivery_id.clone()),
        );
        drop(held);
        Ok(claims.into_iter().zip(work).collect())
    }

    /// The endpoint (with its secrets) and the body each claim needs; `None` where one of them is gone (deleted).
    #[allow(clippy::type_complexity)]
    async fn load_work(
        &self,
        claims: &[Claim],
    ) -> Result<Vec<Option<(EndpointRow, Vec<SecretRow>, Arc<String>)>>, sqlx::Error> {
        let mut endpoint_ids: Vec<&str> = claims.iter().map(|c| c.endpoint_id.as_str()).collect();
        endpoint_ids.sort_unstable();
        endpoint_ids.dedup();
        let mut event_ids: Vec<(&str, &str)> =
            claims.iter().map(|c| (c.account_id.as_str(), c.event_id.as_str())).collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        // Read side by side on two connections: the claim's latency pays for one round of reads, not two.
        let (endpoints, bodies) =
            tokio::try_join!(self.store.endpoints_with_secrets(&endpoint_ids), self.store.event_bodies(&event_ids))?;
        let bodies: HashMap<(String, String), Arc<String>> =
            bodies.into_iter().map(|(id, body)| (id, Arc::new(body))).collect();
        Ok(claims
            .iter()
            .map(|claim| {
                endpoints.get(&claim.endpoint_id).and_then(|(endpoint, secrets)| {
                    bodies
                        .get(&(claim.account_id.clone(), claim.event_id.clone()))
                        .map(|body| (endpoint.clone(), secrets.clone(), body.clone()))
                })
            })
            .collect())
    }

    /// Signs with every secret active now (by the service clock), sends one request, and decides what follows.
    async fn attempt(
        &self,
        claim: &Claim,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        body: &[u8],
    ) -> AttemptRecord {
        let started_at = self.clock.now_ms();
        let started = Instant::now();
        let mut request =
            SentRequest { method: endpoint.method.name().to_owned(), url: endpoint.url.clone(), headers: Vec::new() };
        let signed = self.signers.sign(endpoint, secrets, &claim.event_id, self.clock.now_seconds(), body);
        let answer = match signed {
            Ok(headers) => {
                let target = Target { client: &self.client, policy: self.settings.policy, endpoint };
                send(target, &headers, body, &mut request.headers).await
            }
            Err(error) => Err(Failure { class: ErrorClass::Signing, message: error.to_string() }),
        };
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let now = Now { ms: self.clock.now_ms(), seconds: self.clock.now_seconds() };
        let decision = decide(claim, &answer, &self.settings.schedule, now, random_unit());
        let (response_headers, response_body) = match answer {
            Ok(response) => (response.headers, response.body),
            Err(_) => (Vec::new(), Vec::new()),
        };
        AttemptRecord {
            request,
            response_headers,
            started_at,
            latency_ms,
            status_code: decision.status_code,
            error_class: decision.error_class,
            error: decision.error,
            response_body,
            next: decision.next,
            gone: decision.gone,
            slow_down_ms: decision.slow_down_ms,
            exhausted: decision.exhausted,
        }
    }

    /// The metrics of a recorded batch: each recorded attempt's outcome and latency, each delivery's enqueue to
    /// success; what waits or was given up.
    fn observe(&self, batch: &[Completion], report: &CompletionReport) {
        for (index, Completion { claim, record }) in batch.iter().enumerate() {
            let id = &claim.delivery_id;
            if report.waiting.contains(&index) || report.stale.contains(id) || report.unrecorded.contains(id) {
                continue;
            }
            let succeeded = record.next == crate::model::NextStep::Succeeded;
            let latency = Duration::from_millis(u64::try_from(record.latency_ms).unwrap_or(0));
            self.metrics.attempt(succeeded, record.error_class.map(ErrorClass::name), latency);
            if succeeded {
                let ended = record.started_at.saturating_add(record.latency_ms);
                let waited = u64::try_from(ended.saturating_sub(claim.queued_at)).unwrap_or(0);
                self.metrics.delivered_seconds.observe(Duration::from_millis(waited).as_secs_f64());
            }
        }
        let unrecorded = u64::try_from(report.unrecorded.len()).unwrap_or(0);
        let waiting = u64::try_from(report.waiting.len()).unwrap_or(0);
        if unrecorded > 0 {
            self.metrics.completer_errors.get_or_create(&StatusLabels { status: "unrecorded" }).inc_by(unrecorded);
        }
        if waiting > 0 {
            self.metrics.completer_errors.get_or_create(&StatusLabels { status: "waiting" }).inc_by(waiting);
            self.metrics.database_errors.inc();
        }
    }

    /// Records outcomes in batches ([`super::recording::record`] never loops: it answers what it wrote, gave up, or left
    /// waiting). What waits for an unreachable database is written again with a backoff up to 5 s, for as long as
    /// the outage lasts — the one unbounded retry here, on purpose: while the worker lives its leases keep the
    /// deliveries its own, so nothing is sent twice for an outage, and an outage only delays the writing. Every
    /// other outcome leaves the held set at once, so its lease is no longer renewed.
    async fn complete_loop(self: Arc<Self>, mut done: mpsc::Receiver<Completion>, wake: Arc<Notify>) {
        let mut batch = Vec::with_capacity(512);
        while done.recv_many(&mut batch, 512).await > 0 {
            let burst_limited = batch.iter().any(|completion| completion.claim.burst_limited);
            let mut outage_tries: u32 = 0;
            while !batch.is_empty() {
                let report = super::recording::record(&self.store, &batch, self.clock.now_ms(), health_verdict).await;
                self.observe(&batch, &report);
                if !report.stale.is_empty() {
                    tracing::warn!(
                        count = report.stale.len(),
                        "outcomes of deliveries taken over by another worker were not recorded"
                    );
                }
                // Written, stale or given up: no longer this worker's to renew. Waiting: kept, and renewed.
                {
                    let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    for (index, completion) in batch.iter().enumerate() {
                        if !report.waiting.contains(&index) {
                            held.remove(&completion.claim.delivery_id);
                        }
                    }
                }
                let mut index = 0;
                batch.retain(|_| {
                    index += 1;
                    report.waiting.contains(&(index - 1))
                });
                if batch.is_empty() {
                    break;
                }
                outage_tries = outage_tries.saturating_add(1);
                tracing::warn!(tries = outage_tries, count = batch.len(), "recording outcomes waits for the database");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(outage_tries.min(50)))).await;
            }
            // Finished requests of burst-limited endpoints free slots: the dispatcher may claim what they held back.
            if burst_limited {
                wake.notify_one();
            }
            batch.clear();
        }
    }
}

/// A uniform random number in `[0, 1)` for the retry jitter.
pub(crate) fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / 4_294_967_296.0
}
