//! The service's settings and the one set of their defaults ([`defaults`]): the command line (`main.rs`),
//! [`Settings::default`], [`crate::http::server::ServerLimits::default`] and the worker's settings all read them
//! from here.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dropship_webhooks::delivery::RetrySchedule;

use crate::delivery::net::AddressPolicy;
use crate::delivery::operational::ServiceWide;
use crate::delivery::worker::WorkerSettings;
use crate::http::server::ServerLimits;
use crate::sealing::KeySource;

/// Every default, once.
pub mod defaults {
    /// The database: an embedded SQLite file.
    pub const DATABASE_URL: &str = "sqlite://data/delivery.db";
    /// Where the API listens.
    pub const LISTEN: &str = "127.0.0.1:8080";
    /// Ordinary API connections at once.
    pub const MAX_CONNECTIONS: usize = 1024;
    /// Live streams at once, over the service.
    pub const MAX_STREAMS: usize = 256;
    /// Live streams at once per account, and per key.
    pub const MAX_STREAMS_PER_ACCOUNT: usize = 5;
    /// Seconds a live stream lasts.
    pub const STREAM_MAX_SECONDS: u64 = 300;
    /// Seconds to send a request's head, and then its body.
    pub const REQUEST_READ_TIMEOUT_SECONDS: u64 = 10;
    /// Largest API request body.
    pub const MAX_API_BODY_BYTES: usize = 2 * 1024 * 1024;
    /// Largest console request body (its forms are small).
    pub const MAX_CONSOLE_BODY_BYTES: usize = 16 * 1024;
    /// Delivery requests in flight at once.
    pub const CONCURRENCY: usize = 256;
    /// Deliveries claimed at once.
    pub const BATCH_SIZE: usize = 256;
    /// Seconds a claim is held before another worker may take it over.
    pub const LEASE_SECONDS: u64 = 60;
    /// Seconds a delivery request may take.
    pub const REQUEST_TIMEOUT_SECONDS: u64 = 15;
    /// Seconds to connect.
    pub const CONNECT_TIMEOUT_SECONDS: u64 = 5;
    /// Milliseconds between queue polls when idle.
    pub const POLL_MS: u64 = 200;
    /// Days of history kept.
    pub const RETENTION_DAYS: u64 = 30;
    /// Days an expired secret is kept before it is purged.
    pub const EXPIRED_SECRET_RETENTION_DAYS: u64 = 7;
    /// How far ahead a claim paces a rate-limited delivery (ms).
    pub const MAX_PACING_MS: u64 = 2_000;
    /// Database connections per process.
    pub const DB_CONNECTIONS: u32 = 16;
    /// How long a console link may wait before it is used.
    pub const CONSOLE_LINK_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);
}

/// Everything the service can be told.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://data/delivery.db` (default) or `postgres://…`.
    pub database_url: String,
    /// Where the API listens; `None` runs a worker only.
    pub listen: Option<SocketAddr>,
    /// Admin API keys accepted (stored hashed; keys stored by earlier runs stay valid).
    pub api_keys: Vec<String>,
    /// Where the key that seals signing secrets at rest comes from.
    pub secrets_key: KeySource,
    /// Allow `http://127.0.0.1`-style targets: tests and demos only.
    pub allow_insecure_loopback: bool,
    /// Run the delivery worker in this process.
    pub run_worker: bool,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// Whole-request timeout of a delivery.
    pub request_timeout: Duration,
    /// Connect timeout of a delivery.
    pub connect_timeout: Duration,
    /// Delivery history older than this is pruned (pending deliveries are kept).
    pub retention: Duration,
    /// Secrets are purged this long after they expired.
    pub expired_secret_retention: Duration,
    /// Fixed DNS answers (`--resolve host=ip`).
    pub resolve: HashMap<String, Vec<IpAddr>>,
    /// Database pool size.
    pub db_connections: u32,
    /// The API server's connection cap and read timeouts.
    pub server: ServerLimits,
    /// The service-wide operational webhook: every account's notices also go there.
    pub operational_webhook: Option<ServiceWide>,
    /// Where `/metrics` is served (its own listener, so it need not be public); `None`: not served.
    pub metrics_listen: Option<SocketAddr>,
    /// The base URL people reach the service at (`https://webhooks.example.com`): console links are made under
    /// it. Without it, links are paths for the platform to put under its own address.
    pub public_url: Option<String>,
    /// The console's look (brand, logo, accent, font) and the origins that may frame it.
    pub console_look: crate::console::ConsoleLook,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: defaults::DATABASE_URL.into(),
            listen: defaults::LISTEN.parse().ok(),
            api_keys: Vec::new(),
            secrets_key: KeySource::NextToDatabase,
            allow_insecure_loopback: false,
            run_worker: true,
            worker: WorkerSettings {
                concurrency: defaults::CONCURRENCY,
                batch_size: defaults::BATCH_SIZE,
                lease_ms: i64::try_from(defaults::LEASE_SECONDS * 1000).unwrap_or(i64::MAX),
                poll_interval: Duration::from_millis(defaults::POLL_MS),
                schedule: RetrySchedule::default(),
                policy: AddressPolicy { allow_loopback: false },
                max_pacing: Duration::from_millis(defaults::MAX_PACING_MS),
            },
            request_timeout: Duration::from_secs(defaults::REQUEST_TIMEOUT_SECONDS),
            connect_timeout: Duration::from_secs(defaults::CONNECT_TIMEOUT_SECONDS),
            retention: Duration::from_secs(defaults::RETENTION_DAYS * 86_400),
            expired_secret_retention: Duration::from_secs(defaults::EXPIRED_SECRET_RETENTION_DAYS * 86_400),
            resolve: HashMap::new(),
            db_connections: defaults::DB_CONNECTIONS,
            server: ServerLimits::default(),
            operational_webhook: None,
            public_url: None,
            console_look: Default::default(),
            metrics_listen: None,
        }
    }
}
