//! Prometheus metrics, served at `/metrics` on their own listener (`--metrics-listen`, so they need not be public):
//! what was delivered and how (attempts by outcome and error class, attempt latency, enqueue→delivered latency),
//! the queue (pending, due now, the oldest due one's age, in flight), the worker's claims, lease renewals and
//! errors, operational notices by status, and the API's requests by route, method and status with their latency.
//!
//! Names and labels follow Prometheus' conventions (`_total` counters, `_seconds` in base units); no label is per
//! account, endpoint or URL, so the series stay few whatever the platform's size.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::Store;

/// An attempt's outcome and error class (`none` on success).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AttemptLabels {
    /// `success` or `failure`.
    pub outcome: &'static str,
    /// The error class, or `none`.
    pub error_class: &'static str,
}

/// A status (notices: `delivered`, `retry`, `failed`, `dropped`; completer errors: `unrecorded`, `waiting`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// The status.
    pub status: &'static str,
}

/// An API request: its route (the template, as `/v1/accounts/{account}/endpoints`), method and status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's template (`unmatched` when no route matched).
    pub route: String,
    /// The HTTP method.
    pub method: String,
    /// The status code.
    pub status: u16,
}

/// An API request's route and method (for its latency).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's template.
    pub route: String,
    /// The HTTP method.
    pub method: String,
}

/// Seconds, from 1 ms to about 33 s (a delivery's request timeout is 15 s by default).
fn latency_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 16)
}

fn histogram() -> Histogram {
    Histogram::new(latency_buckets())
}

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    /// Attempts by outcome and error class.
    pub attempts: Family<AttemptLabels, Counter>,
    /// Request to answer (or error) of each attempt.
    pub attempt_seconds: Histogram,
    /// From a delivery's enqueue to its successful attempt's end.
    pub delivered_seconds: Histogram,
    /// Deliveries claimed by this process's worker.
    pub claims: Counter,
    /// Lease renewals this process's worker made (each renews all it holds).
    pub lease_renewals: Counter,
    /// Outcomes the worker could not record at once (`waiting` for the database) or gave up (`unrecorded`).
    pub completer_errors: Family<StatusLabels, Counter>,
    /// Statements of the worker and the notice sender that the database refused or could not take.
    pub database_errors: Counter,
    /// Operational notices by what became of an attempt.
    pub notices: Family<StatusLabels, Counter>,
    /// Delivery requests in flight in this process.
    pub in_flight: Gauge,
    /// Deliveries pending (waiting for an attempt, or in flight), over the whole database.
    pub queue_pending: Gauge,
    /// Deliveries due now.
    pub queue_due: Gauge,
    /// Age of the oldest due delivery, in seconds (0 when none is due).
    pub queue_oldest_due_seconds: Gauge<f64, AtomicU64>,
    /// API requests by route, method and status.
    pub requests: Family<RequestLabels, Counter>,
    /// API request latency by route and method.
    pub request_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Every metric, registered.
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let metrics = Self {
            attempts: Family::default(),
            attempt_seconds: histogram(),
            delivered_seconds: histogram(),
            claims: Counter::default(),
            lease_renewals: Counter::default(),
            completer_errors: Family::default(),
            database_errors: Counter::default(),
            notices: Family::default(),
            in_flight: Gauge::default(),
            queue_pending: Gauge::default(),
            queue_due: Gauge::default(),
            queue_oldest_due_seconds: Gauge::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(histogram),
            registry: Registry::default(),
        };
        registry.register("webhook_attempts", "Delivery attempts by outcome and error class", metrics.attempts.clone());
        registry.register(
            "webhook_attempt_duration_seconds",
            "Time from a delivery request's start to its answer or error",
            metrics.attempt_seconds.clone(),
        );
        registry.register(
            "webhook_delivery_latency_seconds",
            "Time from a delivery's enqueue to the end of its successful attempt",
            metrics.delivered_seconds.clone(),
        );
        registry.register("webhook_claims", "Deliveries claimed by this worker", metrics.claims.clone());
        registry.register(
            "webhook_lease_renewals",
            "Lease renewals made by this worker",
            metrics.lease_renewals.clone(),
        );
        registry.register(
            "webhook_completer_errors",
            "Outcomes waiting for the database (waiting) or given up to their lease (unrecorded)",
            metrics.completer_errors.clone(),
        );
        registry.register(
            "webhook_database_errors",
            "Worker and notice statements the database refused or could not take",
            metrics.database_errors.clone(),
        );
        registry.register(
            "webhook_operational_notices",
            "Operational notice attempts by result",
            metrics.notices.clone(),
        );
        registry.register(
            "webhook_in_flight",
            "Delivery requests in flight in this process",
            metrics.in_flight.clone(),
        );
        registry.register("webhook_queue_pending", "Deliveries pending in the database", metrics.queue_pending.clone());
        registry.register("webhook_queue_due", "Deliveries due now", metrics.queue_due.clone());
        registry.register(
            "webhook_queue_oldest_due_seconds",
            "Age of the oldest due delivery",
            metrics.queue_oldest_due_seconds.clone(),
        );
        registry.register("http_requests", "API requests by route, method and status", metrics.requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "API request latency by route and method",
            metrics.request_seconds.clone(),
        );
        Arc::new(Self { registry, ..metrics })
    }

    /// The exposition, in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::warn!(%error, "encoding the metrics failed");
        }
        text
    }

    /// An attempt's outcome.
    pub fn attempt(&self, succeeded: bool, error_class: Option<&'static str>, latency: Duration) {
        let outcome = if succeeded { "success" } else { "failure" };
        self.attempts.get_or_create(&AttemptLabels { outcome, error_class: error_class.unwrap_or("none") }).inc();
        self.attempt_seconds.observe(latency.as_secs_f64());
    }
}

/// A layer over the app: every request counted by route template, method and status, with its latency.
pub async fn track_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics.requests.get_or_create(&RequestLabels { route: route.clone(), method: method.clone(), status }).inc();
    metrics.request_seconds.get_or_create(&RouteLabels { route, method }).observe(started.elapsed().as_secs_f64());
    response
}

/// How often the queue's depth is sampled.
const QUEUE_SAMPLE: Duration = Duration::from_secs(5);

/// Serves `/metrics` on `listener` and samples the queue's depth, until `stop` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    store: Store,
    clock: Arc<dyn Clock>,
    mut stop: watch::Receiver<bool>,
) {
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(metrics): State<Arc<Metrics>>| async move {
                ([("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8")], metrics.render())
                    .into_response()
            }),
        )
        .with_state(metrics.clone());
    let sampler = tokio::spawn(sample_queue(metrics, store, clock, stop.clone()));
    let served = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    });
    if let Err(error) = served.await {
        tracing::warn!(%error, "the metrics listener stopped");
    }
    sampler.abort();
}

/// Samples the queue's depth every [`QUEUE_SAMPLE`] (a failed sample is tried at the next).
async fn sample_queue(metrics: Arc<Metrics>, store: Store, clock: Arc<dyn Clock>, mut stop: watch::Receiver<bool>) {
    loop {
        let now = clock.now_ms();
        match store.queue_depth(now).await {
            Ok(depth) => {
                metrics.queue_pending.set(depth.pending);
                metrics.queue_due.set(depth.due);
                let age = depth.oldest_due.map_or(0.0, |at| (now.saturating_sub(at)).max(0) as f64 / 1000.0);
                metrics.queue_oldest_due_seconds.set(age);
            }
            Err(error) => tracing::warn!(%error, "sampling the queue's depth failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(QUEUE_SAMPLE) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}
