//! Persistence on SQLite (the embedded default, a WAL file under `./data`) or Postgres (`DATABASE_URL`), through
//! sqlx's `Any` driver and one SQL dialect (`$n` parameters, `RETURNING`, `ON CONFLICT`), so both backends run the
//! same statements; only the locks differ (`FOR NO KEY UPDATE SKIP LOCKED` lets several Postgres workers claim at once; SQLite
//! has one writer at a time).
//!
//! The queue is the `deliveries` table. A worker claims due rows by stamping a lease (`lease_owner`, `lease_until`)
//! and bumping `claims`; it finishes a row only while `claims` still holds the value of its claim, so a worker whose
//! lease ran out (killed, stalled) cannot overwrite the work of the one that took over, and records nothing for it
//! (no attempt, no health verdict). Leases are stamped and compared in the database's clock, so processes on hosts
//! whose clocks disagree still agree on when one ends; a live worker renews its leases ([`Store::renew_leases`]).
//! `(event_id, endpoint_id)` is unique, so an event is queued at most once per endpoint however often it is posted.

//!
//! Where to look: [`dialect`] holds every difference between the two databases (placeholders, the database's clock,
//! row locks, the SQLite writer's turn); [`migrate`] the schema; `endpoints`, `queue`, [`recording`],
//! `history`, `accounts`, [`operational`], [`console`] and `retention` the statements of each concern. The
//! rows they read and write are the service's domain types ([`crate::model`]).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::sealing::Sealer;

mod accounts;
pub mod console;
pub mod dialect;
mod endpoints;
mod history;
pub mod migrate;
pub mod operational;
pub mod queue;
pub mod recording;
mod retention;
mod stats;

pub use accounts::EndpointSummary;
pub(crate) use dialect::Params;
pub use dialect::{is_unreachable, Backend};
pub use history::{ListQuery, RecoverFilter, RecoverPlan, Resend};
pub use migrate::SCHEMA_VERSION;
pub use queue::DUE_CHANNEL;

/// The database handle.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time; a second one waits in SQLite's busy handler, which sleeps in steps of up
    /// to 100 ms. The process's writers queue here instead and start the moment the previous one commits.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// Seals secret values on the way in and opens them on the way out.
    sealer: Arc<Sealer>,
    /// A service-wide operational webhook is configured: every notice is queued for it too.
    service_notices: bool,
    /// Moves each time this process records attempts: live streams wake on it.
    recorded: Arc<tokio::sync::watch::Sender<u64>>,
    /// Coalesces this process's announcements of due work (Postgres).
    announcer: Arc<queue::Announcer>,
    /// When this process last wrote each endpoint's `last_success_at`: the recorder skips the statement within the
    /// minute, so a busy endpoint's successes cost a map lookup, not a round trip.
    success_noted: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
}

impl Store {
    /// The cipher of secrets at rest, for other values that must not be readable outside the service (the
    /// console's one-time notices, which may hold a new secret).
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Connects (creating the SQLite file and its folder if needed) and migrates; secret values are sealed and
    /// opened with `sealer`.
    pub async fn connect(url: &str, max_connections: u32, sealer: Sealer) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                // Not the URL itself: it may hold a password.
                "unsupported database URL scheme: use sqlite://path or postgres://…".into(),
            ));
        };
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default().to_owned();
            if let Some(parent) = Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
            if !url.contains('?') {
                url.push_str("?mode=rwc");
            }
        }
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the API read while a worker writes; NORMAL is durable across process crashes
                        // (only an OS crash can lose the last commits); the busy timeout queues writers.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 30000",
                            "PRAGMA foreign_keys = ON",
                            // 16 MB of pages per connection instead of SQLite's 2 MB: the history's indexes
                            // outgrew the default, and each miss is a read() of the file.
                            "PRAGMA cache_size = -16384",
                        ] {
                            connection.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Self {
            pool,
            backend,
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
            sealer: Arc::new(sealer),
            service_notices: false,
            recorded: Arc::new(tokio::sync::watch::channel(0).0),
            success_noted: Arc::default(),
            announcer: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Changes each time this process records attempts (live streams wait on it; other processes' attempts are
    /// found by polling).
    pub fn recorded_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.recorded.subscribe()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Queues every operational notice for the service-wide destination too (when one is configured).
    #[must_use]
    pub fn with_service_notices(mut self, on: bool) -> Self {
        self.service_notices = on;
        self
    }
}

/// Headers as stored: a JSON list of `[name, value]` pairs, in order.
pub fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".into())
}
