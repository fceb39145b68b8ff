//! Wiring: settings ([`crate::settings`]) → store, API server, worker and retention task; graceful shutdown of
//! all of them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dropship_webhooks::endpoint::EndpointRules;
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::delivery::net::{build_client, AddressPolicy, ClientSettings};
use crate::delivery::operational::{validate_destination, Sender};
use crate::delivery::worker::{Worker, WorkerHandle, WorkerSettings};
use crate::http::{auth::hash_api_key, router, AppState};
use crate::metrics::Metrics;
use crate::sealing::{resolve_key, Sealer};
pub use crate::settings::Settings;
use crate::store::{Backend, Store};

/// The service, ready to start.
pub struct Service;

/// A started service.
pub struct RunningService {
    /// Where the API listens, if it does.
    pub address: Option<SocketAddr>,
    /// Where `/metrics` is served, if it is (`--metrics-listen`).
    pub metrics_address: Option<SocketAddr>,
    metrics_server: Option<tokio::task::JoinHandle<()>>,
    /// The database handle (tests read it).
    pub store: Store,
    /// Wakes the worker.
    pub wake: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
    worker: Option<WorkerHandle>,
    notices: Option<tokio::task::JoinHandle<()>>,
    retention: tokio::task::JoinHandle<()>,
    grace: Duration,
}

impl Service {
    /// Connects, migrates, and starts the API and the worker.
    pub async fn start(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<RunningService, Box<dyn std::error::Error>> {
        if settings.allow_insecure_loopback {
            tracing::warn!(
                "--allow-insecure-loopback is ON: endpoints may target http://127.0.0.1 and localhost. \
                 For tests and demos only; never in production"
            );
        }
        if settings.run_worker {
            let needed = settings.worker.lease_needed(settings.request_timeout);
            if u128::try_from(settings.worker.lease_ms).unwrap_or(0) < needed.as_millis() {
                return Err(format!(
                    "the lease ({} ms) cannot cover a delivery: the request timeout ({} s), pacing by the rate limit \
                     (up to {} ms) and recording need at least {} ms; raise --lease-seconds to {} or lower \
                     --request-timeout-seconds",
                    settings.worker.lease_ms,
                    settings.request_timeout.as_secs(),
                    settings.worker.max_pacing.as_millis(),
                    needed.as_millis(),
                    needed.as_secs_f64().ceil(),
                )
                .into());
            }
        }
        let (key, made) = resolve_key(&settings.secrets_key, sqlite_path(&settings.database_url).as_deref())?;
        if let Some(path) = made {
            tracing::warn!(
                path = %path.display(),
                "made a new secrets key file: signing secrets are stored encrypted under it. Keep it with the \
                 database and back it up; without it the stored secrets cannot be read"
            );
        }
        settings.console_look.validate()?;
        if let Some(public) = &settings.public_url {
            let parsed = url::Url::parse(public).map_err(|error| format!("--public-url {public}: {error}"))?;
            if !["http", "https"].contains(&parsed.scheme()) || parsed.query().is_some() || parsed.fragment().is_some()
            {
                return Err(format!("--public-url {public}: an http(s) base URL without query or fragment").into());
            }
        }
        let rules = EndpointRules { allow_insecure_loopback: settings.allow_insecure_loopback };
        if let Some(service_wide) = &settings.operational_webhook {
            validate_destination(&service_wide.url, &service_wide.secret, rules)
                .map_err(|error| format!("--operational-webhook-url / its secret: {error}"))?;
        }
        let store = Store::connect(&settings.database_url, settings.db_connections, Sealer::new(key))
            .await?
            .with_service_notices(settings.operational_webhook.is_some());
        let now = clock.now_ms();
        for key in &settings.api_keys {
            check_admin_key(key)?;
        }
        for key in &settings.api_keys {
            store.add_admin_key_hash(&hex::encode(hash_api_key(key)), now).await?;
        }
        if store.admin_key_count().await? == 0 && settings.listen.is_some() {
            return Err("no admin API key: pass --api-key (or DELIVERY_API_KEY) once; it is stored hashed".into());
        }
        let wake = Arc::new(Notify::new());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let metrics = Metrics::new();
        let mut metrics_address = None;
        let mut metrics_server = None;
        if let Some(listen) = settings.metrics_listen {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            metrics_address = Some(listener.local_addr()?);
            let serve =
                crate::metrics::serve(listener, metrics.clone(), store.clone(), clock.clone(), shutdown_rx.clone());
            metrics_server = Some(tokio::spawn(serve));
        }
        let mut address = None;
        let mut server = None;
        if let Some(listen) = settings.listen {
            let state = AppState {
                store: store.clone(),
                clock: clock.clone(),
                rules,
                wake: wake.clone(),
                intake: crate::intake::Intake::start(store.clone(), wake.clone()),
                shutdown: shutdown_rx.clone(),
                lookups: Arc::default(),
                public_url: settings.public_url.clone(),
                console_look: Arc::new(settings.console_look.clone()),
                retry_schedule: settings.worker.schedule,
                streams: Arc::default(),
                stream_limits: settings.server.streams,
                metrics: metrics.clone(),
            };
            let listener = tokio::net::TcpListener::bind(listen).await?;
            address = Some(listener.local_addr()?);
            let stop = shutdown_rx.clone();
            let limits = settings.server;
            server = Some(tokio::spawn(crate::http::server::serve(listener, app(state), limits, stop)));
        }
        let (worker, notices) = if settings.run_worker {
            let policy = AddressPolicy { allow_loopback: settings.allow_insecure_loopback };
            let client = build_client(&ClientSettings {
                request_timeout: settings.request_timeout,
                connect_timeout: settings.connect_timeout,
                policy,
                overrides: settings.resolve.clone(),
            })?;
            let worker_settings = WorkerSettings { policy, ..settings.worker.clone() };
            // Operational notices go out from every worker process, sharing the queue as deliveries do.
            let sender = Sender {
                store: store.clone(),
                clock: clock.clone(),
                client: client.clone(),
                schedule: settings.worker.schedule,
                policy,
                service_wide: settings.operational_webhook.clone(),
                poll_interval: settings.worker.poll_interval,
                grace: settings.request_timeout,
                metrics: metrics.clone(),
            };
            let notices = tokio::spawn(sender.run(shutdown_rx.clone()));
            if store.backend() == Backend::Postgres {
                // Work queued by other processes wakes this worker at once; the poll remains the safety net.
                crate::delivery::wakeup::spawn(settings.database_url.clone(), wake.clone(), shutdown_rx.clone());
            }
            let worker = Worker::start(store.clone(), clock.clone(), client, worker_settings, wake.clone(), metrics);
            (Some(worker), Some(notices))
        } else {
            (None, None)
        };
        let keep = Retention { history: settings.retention, expired_secrets: settings.expired_secret_retention };
        let retention = tokio::spawn(retention_loop(store.clone(), clock, keep, shutdown_rx));
        Ok(RunningService {
            address,
            metrics_address,
            metrics_server,
            store,
            wake,
            shutdown,
            server,
            worker,
            notices,
            retention,
            grace: settings.request_timeout + Duration::from_secs(2),
        })
    }
}

/// The service's HTTP app: the API's route table with the console beside it (acting through the same routes, in
/// process).
pub fn app(state: AppState) -> axum::Router {
    let metrics = state.metrics.clone();
    router(state.clone(), |api| crate::console::routes(state, api.clone()))
        // After routing, so each request is counted under its route's template (never an id).
        .route_layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track_requests))
}

/// The file of a `sqlite:` database URL (`None` for other databases and in-memory ones).
pub fn sqlite_path(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Shortest admin key accepted: 32 characters, 128 bits as hex.
pub const MIN_API_KEY_CHARS: usize = 32;
/// Fewest distinct characters in an admin key: a key of a few repeated characters is guessed, however long.
pub const MIN_API_KEY_DISTINCT_CHARS: usize = 8;

/// An admin key strong enough to stand for every account: long, and not obviously patterned (one repeated
/// character, a handful of distinct ones).
pub fn check_admin_key(key: &str) -> Result<(), String> {
    let make = "make one with `delivery-service --generate-api-key` (or `openssl rand -hex 24`)";
    if key.len() < MIN_API_KEY_CHARS {
        return Err(format!(
            "an API key needs at least 128 bits: {MIN_API_KEY_CHARS} characters or more (this one has {}); {make}",
            key.len()
        ));
    }
    let distinct = key.chars().collect::<std::collections::HashSet<_>>().len();
    if distinct < MIN_API_KEY_DISTINCT_CHARS {
        return Err(format!(
            "this API key is too easy to guess: only {distinct} distinct characters (at least \
             {MIN_API_KEY_DISTINCT_CHARS}); {make}"
        ));
    }
    Ok(())
}

/// A new admin key: 24 bytes (192 bits) of the OS generator as 48 hex digits.
pub fn generate_admin_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// How long the retention task keeps things.
struct Retention {
    history: Duration,
    expired_secrets: Duration,
}

async fn retention_loop(store: Store, clock: Arc<dyn Clock>, keep: Retention, mut stop: watch::Receiver<bool>) {
    let keep_ms = i64::try_from(keep.history.as_millis()).unwrap_or(i64::MAX);
    let keep_secrets = i64::try_from(keep.expired_secrets.as_secs()).unwrap_or(i64::MAX);
    // Until shutdown, one turn an hour (of the service clock); a failed turn is tried at the next.
    loop {
        let before = i64::try_from(clock.now_seconds()).unwrap_or(i64::MAX).saturating_sub(keep_secrets);
        match store.purge_expired_secrets(before).await {
            Ok(purged) if purged > 0 => tracing::info!(purged, "purged secrets expired past their retention"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purging expired secrets failed"),
        }
        match store.prune(clock.now_ms().saturating_sub(keep_ms)).await {
            Ok((attempts, deliveries)) if attempts + deliveries > 0 => {
                tracing::info!(attempts, deliveries, "pruned delivery history past retention");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "pruning history failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(clock.real_duration(3_600_000).max(Duration::from_secs(1))) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

impl RunningService {
    /// Stops accepting API requests and claims, waits for in-flight deliveries (bounded by the request timeout),
    /// records them, and returns.
    pub async fn shutdown(mut self) {
        tracing::info!("shutting down: draining in-flight deliveries");
        let _ = self.shutdown.send(true);
        if let Some(worker) = self.worker.take() {
            worker.shutdown(self.grace).await;
        }
        if let Some(metrics) = self.metrics_server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), metrics).await;
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
        if let Some(notices) = self.notices.take() {
            let _ = tokio::time::timeout(self.grace, notices).await;
        }
        let _ = (&mut self.retention).await;
    }
}
