//! Operational webhooks: the service tells the platform when an endpoint turned FAILED (or a 410 switched it off),
//! when a delivery was given up after its last retry, and when an endpoint's only active secret expires within 7
//! days — to each account's own URL and to one service-wide URL.
//!
//! Notices are signed with Standard Webhooks like any delivery (`webhook-id` is the notice id), sent through the
//! same guarded client, and retried on the core's schedule. The store queues them with what caused them; this
//! loop claims due ones with a lease (so several worker processes share the queue), sends, and records.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dropship_webhooks::delivery::RetrySchedule;
use dropship_webhooks::endpoint::EndpointRules;
use dropship_webhooks::{Secret, Webhook, WebhookError};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::delivery::net::{check_literal_host, check_target_url, describe, AddressPolicy};
use crate::metrics::{Metrics, StatusLabels};
use crate::store::operational::{destination_key, NoticeOutcome, NoticeRow};
use crate::store::Store;

/// The service-wide destination (`--operational-webhook-url` and its secret).
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceWide {
    /// Where every notice also goes.
    pub url: String,
    /// The `whsec_` secret they are signed with.
    pub secret: String,
}

impl std::fmt::Debug for ServiceWide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceWide").field("url", &self.url).field("secret", &"<redacted>").finish()
    }
}

/// How long a claimed notice is held before another sender may take it over (longer than a request can take).
const LEASE_MS: i64 = 60_000;
/// Notices in flight at once from one sender, over all destinations.
const IN_FLIGHT: usize = 32;
/// Notices in flight at once to one destination: a slow destination holds up only its own notices.
const PER_DESTINATION: i64 = 2;
/// How often (service clock) endpoints are scanned for an only secret that expires soon.
const EXPIRY_SCAN_MS: i64 = 60_000;

/// Checks an operational webhook's URL as an endpoint's is checked, and its secret as a `whsec_` key; returns the
/// URL as stored.
pub fn validate_destination(url: &str, secret: &str, rules: EndpointRules) -> Result<String, WebhookError> {
    Webhook::new(Secret::new(secret))?;
    check_target_url(rules, url)
}

/// The sender's settings.
pub struct Sender {
    /// The database.
    pub store: Store,
    /// The service clock.
    pub clock: Arc<dyn Clock>,
    /// The guarded delivery client.
    pub client: reqwest::Client,
    /// Retry delays.
    pub schedule: RetrySchedule,
    /// Which addresses may be reached.
    pub policy: AddressPolicy,
    /// The service-wide destination, if any.
    pub service_wide: Option<ServiceWide>,
    /// How often to look for due notices.
    pub poll_interval: Duration,
    /// How long notices in flight may finish at shutdown.
    pub grace: Duration,
    /// What was sent, for `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl Sender {
    /// Sends due notices until `stop` turns true: concurrently, at most two at a time to any one
    /// destination and 32 in all, destinations taking turns, so one slow destination never delays
    /// another's notices. At shutdown, notices in flight get the grace of one request timeout; the ones cut short
    /// are sent again when their lease runs out.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let sender = Arc::new(self);
        let mut in_flight: JoinSet<String> = JoinSet::new();
        // Destinations with notices in flight from this sender: not claimed for until those end.
        let mut busy: HashMap<String, usize> = HashMap::new();
        let mut last_scan: Option<i64> = None;
        // Until shutdown; every turn waits (a notice ending, the poll, shutdown), and a failed claim is tried
        // again at the next turn.
        loop {
            let now = sender.clock.now_ms();
            if last_scan.is_none_or(|at| now.saturating_sub(at) >= EXPIRY_SCAN_MS) {
                last_scan = Some(now);
                let now_seconds = i64::try_from(sender.clock.now_seconds()).unwrap_or(i64::MAX);
                match sender.store.queue_expiring_secret_notices(now_seconds, now).await {
                    Ok(0) => {}
                    Ok(count) => tracing::info!(count, "announced secrets that expire within 7 days"),
                    Err(error) => tracing::warn!(%error, "looking for expiring secrets failed"),
                }
            }
            let room = IN_FLIGHT.saturating_sub(in_flight.len());
            if room > 0 {
                let keys: Vec<String> = busy.keys().cloned().collect();
                let limit = i64::try_from(room).unwrap_or(i64::MAX);
                match sender.store.claim_notices(now, LEASE_MS, limit, PER_DESTINATION, &keys).await {
                    Ok(notices) => {
                        for notice in notices {
                            let key = destination_key(&notice);
                            *busy.entry(key.clone()).or_default() += 1;
                            let sender = sender.clone();
                            in_flight.spawn(async move {
                                let outcome = sender.send(&notice).await;
                                let status = match &outcome {
                                    NoticeOutcome::Delivered => "delivered",
                                    NoticeOutcome::RetryAt(..) => "retry",
                                    NoticeOutcome::Failed(_) => "failed",
                                    NoticeOutcome::Dropped => "dropped",
                                };
                                sender.metrics.notices.get_or_create(&StatusLabels { status }).inc();
                                let finished = sender.store.finish_notice(&notice.id, &outcome, sender.clock.now_ms());
                                if let Err(error) = finished.await {
                                    // The lease runs out and the notice is sent again: at least once, never lost.
                                    sender.metrics.database_errors.inc();
                                    tracing::warn!(%error, notice = %notice.id, "recording an operational notice failed");
                                }
                                key
                            });
                        }
                    }
                    Err(error) => {
                        sender.metrics.database_errors.inc();
                        tracing::warn!(%error, "claiming operational notices failed");
                    }
                }
            }
            // Until a notice ends (its destination may have more), the next poll, or shutdown.
            tokio::select! {
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok(key) = done {
                        if let Some(count) = busy.get_mut(&key) {
                            *count = count.saturating_sub(1);
                            if *count == 0 {
                                busy.remove(&key);
                            }
                        }
                    }
                }
                () = tokio::time::sleep(sender.poll_interval) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        }
        let grace = sender.grace;
        let _ = tokio::time::timeout(grace, async { while in_flight.join_next().await.is_some() {} }).await;
    }

    /// One attempt: the destination as configured now, signed, sent; what follows.
    async fn send(&self, notice: &NoticeRow) -> NoticeOutcome {
        let destination = match notice.destination.as_str() {
            "service" => self.service_wide.clone(),
            _ => match self.store.operational_webhook(&notice.account_id).await {
                Ok(found) => found.map(|row| ServiceWide { url: row.url, secret: row.secret }),
                Err(error) => return self.retry(notice, format!("reading the destination failed: {error}")),
            },
        };
        let Some(destination) = destination else { return NoticeOutcome::Dropped };
        match self.post(&destination, notice).await {
            Ok(()) => NoticeOutcome::Delivered,
            Err(error) => self.retry(notice, error),
        }
    }

    async fn post(&self, destination: &ServiceWide, notice: &NoticeRow) -> Result<(), String> {
        let signer = Webhook::new(destination.secret.as_str()).map_err(|error| error.to_string())?;
        let headers = signer
            .sign(&notice.id, self.clock.now_seconds(), notice.body.as_bytes())
            .map_err(|error| error.to_string())?;
        let url = reqwest::Url::parse(&destination.url).map_err(|error| format!("bad URL: {error}"))?;
        check_literal_host(&url, self.policy).map_err(|blocked| blocked.to_string())?;
        let mut request = self.client.post(url).header("content-type", "application/json");
        for (name, value) in headers.iter() {
            request = request.header(name, value);
        }
        let response = request.body(notice.body.clone()).send().await.map_err(|error| describe(&error))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the destination answered HTTP {}", response.status().as_u16()))
        }
    }

    fn retry(&self, notice: &NoticeRow, error: String) -> NoticeOutcome {
        let failures = u32::try_from(notice.attempts).unwrap_or(u32::MAX);
        match self.schedule.next_delay_ms(failures, crate::delivery::worker::random_unit()) {
            Some(delay) => NoticeOutcome::RetryAt(
                self.clock.now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)),
                error,
            ),
            None => NoticeOutcome::Failed(error),
        }
    }
}
