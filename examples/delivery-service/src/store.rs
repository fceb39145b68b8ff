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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use dropship_webhooks::delivery::{EndpointHealth, HealthStatus, RateLimit};
use dropship_webhooks::endpoint::DeliveryMethod;
use dropship_webhooks::Scheme;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, Row};

use crate::received::storable_option;
use crate::rules::{slow_down_verdict, EndpointState, Outcome, SlowDown, VerdictRule, ACTIVE_ENDPOINT_SQL};
use crate::sealing::Sealer;

mod accounts;
pub mod console;
mod history;
pub mod operational;

pub use accounts::{AccountRow, AuditEntry, KeyRow, Principal};
use console::{latency_bucket, outcome_class, HourKey};
pub use history::{
    AttemptDetail, AttemptView, Cursor, DeliveryView, EventView, ListQuery, Page, RecoverFilter, RecoverPlan, Resend,
};
use operational::{Notice, DELIVERY_EXHAUSTED, ENDPOINT_DISABLED};

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// Postgres, shared by several service processes.
    Postgres,
}

/// The versioned migrations (`migrations/`, one SQL dialect for both databases), in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "baseline", include_str!("../migrations/0001_baseline.sql")),
    (2, "accounts", include_str!("../migrations/0002_accounts.sql")),
    (3, "disabled reason", include_str!("../migrations/0003_disabled_reason.sql")),
    (4, "slow down", include_str!("../migrations/0004_slow_down.sql")),
    (5, "operational webhooks", include_str!("../migrations/0005_operational.sql")),
    (6, "console", include_str!("../migrations/0006_console.sql")),
    (7, "trust", include_str!("../migrations/0007_trust.sql")),
];

/// The latest schema version ([`Store::schema_version`] after connecting).
pub const SCHEMA_VERSION: i64 = 7;

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

/// Columns added to the first schema before migrations were versioned, for databases made before them:
/// (table, column, definition). Added before the migrations run, so the baseline finds the schema it describes.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("endpoints", "rate_tat_us", "BIGINT NOT NULL DEFAULT 0"),
    ("endpoints", "served_at", "BIGINT NOT NULL DEFAULT 0"),
    ("endpoints", "due_at", "BIGINT"),
];

/// Deliveries inserted by one statement when an event fans out (two parameters each, well under both databases'
/// parameter limits).
const FAN_OUT_ROWS_PER_STATEMENT: usize = 500;

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

/// An event to store and fan out ([`Store::enqueue_event`]).
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

/// How a compare-and-set update of an endpoint ended ([`Store::update_endpoint`]).
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
    /// What asked for this attempt: `scheduled`, `manual` (resend), `recover` or `test`.
    pub trigger: String,
    /// A resend or recovery of a finished delivery: one attempt, no retries after it.
    pub single_attempt: bool,
    /// How long after the claim the request may start (ms): the endpoint's rate limit, paced.
    pub start_after_ms: i64,
    /// The endpoint has a burst limit: when this request ends, a slot frees for the next claim.
    pub burst_limited: bool,
}

/// How a worker claims ([`Store::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimRules {
    /// Most deliveries claimed at once.
    pub limit: i64,
    /// How long a claim is held (ms of the database's clock).
    pub lease_ms: i64,
    /// How far ahead a rate-limited request may be scheduled (ms).
    pub max_pacing_ms: i64,
}

/// Start times (µs after `now_us`) for up to `room` requests under `rate`, none later than `max_pacing_us`, and the
/// rate's state after them: the core's GCRA step, taken at each request's start.
pub fn paced_starts(rate: RateLimit, mut tat_us: u64, now_us: u64, room: usize, max_pacing_us: u64) -> (Vec<u64>, u64) {
    let mut starts = Vec::new();
    while starts.len() < room {
        match rate.check(tat_us, now_us) {
            Ok(next) => {
                tat_us = next;
                starts.push(0);
            }
            Err(wait_us) if wait_us <= max_pacing_us => {
                // The step taken at the moment the limit next allows a request.
                tat_us = rate.check(tat_us, tat_us).unwrap_or(tat_us);
                starts.push(wait_us);
            }
            Err(_) => break,
        }
    }
    (starts, tat_us)
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

/// Headers as stored: a JSON list of `[name, value]` pairs, in order.
pub fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".into())
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
    /// `timeout`, `dns`, `blocked`, `connect`, `tls`, `network` or `http`; `None` on success.
    pub error_class: Option<&'static str>,
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
    fn absorb(&mut self, other: CompletionReport) {
        self.failed_endpoints.extend(other.failed_endpoints);
        self.stale.extend(other.stale);
        self.unrecorded.extend(other.unrecorded);
    }
}

impl Completion {
    /// This outcome without anything the receiver sent (body, headers), its error saying why: what is recorded
    /// when the database refuses the outcome in full.
    fn minimal(&self, refusal: &str) -> Self {
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

/// Whether an error means the database could not be reached or could not take the write now (a connection, the
/// pool, a server shutting down, SQLite busy): worth waiting for, unlike a statement the database refused.
pub fn is_unreachable(backend: Backend, error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| match backend {
            // Connection exceptions (08…), the server shutting down or starting (57P01–57P03).
            Backend::Postgres => code.starts_with("08") || ["57P01", "57P02", "57P03"].contains(&code.as_ref()),
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (low byte 5 or 6).
            Backend::Sqlite => code.parse::<u32>().is_ok_and(|number| matches!(number & 0xff, 5 | 6)),
        }),
        _ => false,
    }
}

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
}

/// Placeholders for one statement, numbered in the order they appear (bind values in that order): `$1, $2, …` on
/// Postgres, `?` on SQLite. SQLite looks each numbered or named parameter up in a list when it prepares and binds a
/// statement, so a multi-row statement of thousands of `$n` costs it quadratic time; `?` costs nothing.
pub(crate) struct Params {
    postgres: bool,
    next: usize,
}

impl Params {
    pub(crate) fn one(&mut self) -> String {
        if self.postgres {
            self.next += 1;
            format!("${}", self.next)
        } else {
            "?".to_owned()
        }
    }

    /// `count` placeholders separated by commas.
    pub(crate) fn list(&mut self, count: usize) -> String {
        (0..count).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }

    /// `rows` parenthesized tuples of `width` placeholders: a multi-row `VALUES` list.
    fn rows(&mut self, rows: usize, width: usize) -> String {
        (0..rows).map(|_| format!("({})", self.list(width))).collect::<Vec<_>>().join(", ")
    }
}

/// Outcomes recorded by one statement of a completion batch (13 parameters per attempt row, well under both
/// databases' parameter limits).
const COMPLETION_ROWS_PER_STATEMENT: usize = 256;

fn bool_int(value: bool) -> i64 {
    i64::from(value)
}

impl Store {
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
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Held for the length of a write (see `sqlite_writer`); nothing on Postgres.
    pub(crate) async fn writing(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().await),
            Backend::Postgres => None,
        }
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

    /// Brings the schema to [`SCHEMA_VERSION`]: a database made before versioned migrations gets the columns its
    /// baseline expects, then every migration not yet applied runs (Postgres: under sqlx's advisory lock, so
    /// processes starting together apply each once), then secret values still stored in the clear are sealed.
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.adopt_unversioned().await?;
        let migrator = migrator();
        // Bounded: three more tries on SQLite, none on Postgres (its advisory lock orders the processes).
        let mut tries = 0;
        loop {
            match migrator.run(&self.pool).await {
                Ok(()) => break,
                // SQLite: two processes that started together may both try a migration; the second fails on the
                // first one's tables and, read again, finds it applied.
                Err(_) if self.backend == Backend::Sqlite && tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(sqlx::Error::Migrate(Box::new(error))),
            }
        }
        self.seal_stored_secrets().await
    }

    /// The highest migration applied.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?
            .try_get::<Option<i64>, _>("v")
            .map(Option::unwrap_or_default)
    }

    async fn table_exists(&self, connection: &mut sqlx::AnyConnection, table: &str) -> Result<bool, sqlx::Error> {
        let statement = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1",
            Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()
                 AND table_name = $1"
            }
        };
        Ok(sqlx::query(statement).bind(table).fetch_one(&mut *connection).await?.try_get::<i64, _>("n")? > 0)
    }

    /// A database made before migrations were versioned (its tables exist, sqlx's bookkeeping does not): adds the
    /// columns the early releases lacked and makes endpoints with pending deliveries due, so the baseline migration
    /// finds the schema it describes.
    async fn adopt_unversioned(&self) -> Result<(), sqlx::Error> {
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            // Several processes may start at once.
            connection.execute("SELECT pg_advisory_lock(72430151)").await?;
        }
        let result = self.adopt_unversioned_on(&mut connection).await;
        if self.backend == Backend::Postgres {
            connection.execute("SELECT pg_advisory_unlock(72430151)").await?;
        }
        result
    }

    async fn adopt_unversioned_on(&self, connection: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        if self.table_exists(connection, "_sqlx_migrations").await?
            || !self.table_exists(connection, "endpoints").await?
        {
            return Ok(());
        }
        for (table, column, definition) in ADDED_COLUMNS {
            let missing = match self.backend {
                Backend::Postgres => true,
                Backend::Sqlite => {
                    sqlx::query("SELECT COUNT(*) AS n FROM pragma_table_info($1) WHERE name = $2")
                        .bind(*table)
                        .bind(*column)
                        .fetch_one(&mut *connection)
                        .await?
                        .try_get::<i64, _>("n")?
                        == 0
                }
            };
            if missing {
                let exists = if self.backend == Backend::Postgres { "IF NOT EXISTS " } else { "" };
                let statement = format!("ALTER TABLE {table} ADD COLUMN {exists}{column} {definition}");
                connection.execute(statement.as_str()).await?;
            }
        }
        // Endpoints with pending deliveries and no due time (a database from before `due_at`): due again.
        connection
            .execute(
                "UPDATE endpoints SET due_at = (SELECT MIN(d.next_attempt_at) FROM deliveries d
                   WHERE d.endpoint_id = endpoints.id AND d.status = 'pending')
                 WHERE due_at IS NULL",
            )
            .await?;
        Ok(())
    }

    /// Seals every secret value still stored in the clear (rows from before sealing). Each row is rewritten only
    /// if it still holds the clear value, so processes starting together do not seal a row twice.
    async fn seal_stored_secrets(&self) -> Result<(), sqlx::Error> {
        let rows =
            sqlx::query("SELECT id, value FROM secrets WHERE value NOT LIKE 'enc:v1:%'").fetch_all(&self.pool).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let value: String = row.try_get("value")?;
            sqlx::query("UPDATE secrets SET value = $2 WHERE id = $1 AND value = $3")
                .bind(&id)
                .bind(self.sealer.seal(&id, &value).map_err(|error| sqlx::Error::Encode(Box::new(error)))?)
                .bind(&value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(count = rows.len(), "sealed signing secrets stored in the clear");
        Ok(())
    }

    // ---- endpoints and secrets ----

    fn endpoint_from_row(row: &AnyRow) -> Result<EndpointRow, sqlx::Error> {
        let decode = |error: dropship_webhooks::WebhookError| sqlx::Error::Decode(Box::new(error));
        let topics: String = row.try_get("topics")?;
        let health: String = row.try_get("health")?;
        let failing_since: Option<i64> = row.try_get("failing_since")?;
        let number = |name: &str| -> Result<u32, sqlx::Error> {
            u32::try_from(row.try_get::<i64, _>(name)?).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        };
        Ok(EndpointRow {
            id: row.try_get("id")?,
            disabled_reason: row.try_get("disabled_reason")?,
            slowed_until: row.try_get("slowed_until")?,
            account_id: row.try_get("account_id")?,
            url: row.try_get("url")?,
            description: row.try_get("description")?,
            topics: serde_json::from_str(&topics).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            method: DeliveryMethod::from_name(&row.try_get::<String, _>("method")?).map_err(decode)?,
            scheme: Scheme::from_name(&row.try_get::<String, _>("scheme")?).map_err(decode)?,
            rate_limit: number("rate_limit")?,
            burst_limit: number("burst_limit")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            health: EndpointHealth {
                status: HealthStatus::from_name(&health).map_err(decode)?,
                failing_since: failing_since.and_then(|since| u64::try_from(since).ok()),
            },
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    fn secret_from_row(&self, row: &AnyRow) -> Result<SecretRow, sqlx::Error> {
        let id: String = row.try_get("id")?;
        let stored: String = row.try_get("value")?;
        let value = self.sealer.open(&id, &stored).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        Ok(SecretRow {
            id,
            endpoint_id: row.try_get("endpoint_id")?,
            value,
            label: row.try_get("label")?,
            expires_at: row.try_get("expires_at")?,
            created_at: row.try_get("created_at")?,
        })
    }

    /// Inserts an endpoint with its first secret; `Ok(false)` if the URL is already configured in its account.
    pub async fn insert_endpoint(&self, endpoint: &EndpointRow, secret: &SecretRow) -> Result<bool, sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO endpoints (id, url, description, topics, method, scheme, rate_limit, burst_limit, enabled,
             health, failing_since, created_at, updated_at, account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11, $12) ON CONFLICT (account_id, url) DO NOTHING",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(serde_json::to_string(&endpoint.topics).unwrap_or_else(|_| "[]".into()))
        .bind(endpoint.method.name())
        .bind(endpoint.scheme.name())
        .bind(i64::from(endpoint.rate_limit))
        .bind(i64::from(endpoint.burst_limit))
        .bind(bool_int(endpoint.enabled))
        .bind(endpoint.health.status.name())
        .bind(endpoint.created_at)
        .bind(&endpoint.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        self.insert_secret_in(&mut tx, secret).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_secret_in(
        &self,
        executor: &mut sqlx::Transaction<'_, sqlx::Any>,
        secret: &SecretRow,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO secrets (id, endpoint_id, value, label, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&secret.id)
        .bind(&secret.endpoint_id)
        .bind(self.sealer.seal(&secret.id, &secret.value).map_err(|error| sqlx::Error::Encode(Box::new(error)))?)
        .bind(secret.label.clone())
        .bind(secret.expires_at)
        .bind(secret.created_at)
        .execute(&mut **executor)
        .await?;
        Ok(())
    }

    /// Adds a secret to an endpoint.
    pub async fn insert_secret(&self, secret: &SecretRow) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        self.insert_secret_in(&mut tx, secret).await?;
        tx.commit().await
    }

    /// Rewrites an endpoint as `endpoint`, only if it is still exactly `previous` (compare-and-set): a worker's
    /// health verdict or another edit that landed since the read is never overwritten with stale values.
    pub async fn update_endpoint(
        &self,
        previous: &EndpointRow,
        endpoint: &EndpointRow,
    ) -> Result<EndpointUpdate, sqlx::Error> {
        let _writing = self.writing().await;
        let result = sqlx::query(
            "UPDATE endpoints SET url = $2, description = $3, topics = $4, method = $5, rate_limit = $6,
             burst_limit = $7, enabled = $8, health = $9, failing_since = $10, updated_at = $11,
             disabled_reason = $22 WHERE id = $1 AND url = $12 AND description = $13 AND topics = $14 AND method = $15
             AND rate_limit = $16 AND burst_limit = $17 AND enabled = $18 AND health = $19
             AND COALESCE(failing_since, -1) = COALESCE($20, -1) AND updated_at = $21",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(serde_json::to_string(&endpoint.topics).unwrap_or_else(|_| "[]".into()))
        .bind(endpoint.method.name())
        .bind(i64::from(endpoint.rate_limit))
        .bind(i64::from(endpoint.burst_limit))
        .bind(bool_int(endpoint.enabled))
        .bind(endpoint.health.status.name())
        .bind(endpoint.health.failing_since.and_then(|since| i64::try_from(since).ok()))
        .bind(endpoint.updated_at)
        .bind(&previous.url)
        .bind(&previous.description)
        .bind(serde_json::to_string(&previous.topics).unwrap_or_else(|_| "[]".into()))
        .bind(previous.method.name())
        .bind(i64::from(previous.rate_limit))
        .bind(i64::from(previous.burst_limit))
        .bind(bool_int(previous.enabled))
        .bind(previous.health.status.name())
        .bind(previous.health.failing_since.and_then(|since| i64::try_from(since).ok()))
        .bind(previous.updated_at)
        .bind(endpoint.disabled_reason.clone())
        .execute(&self.pool)
        .await;
        match result {
            Ok(done) if done.rows_affected() > 0 => Ok(EndpointUpdate::Done),
            Ok(_) => Ok(EndpointUpdate::Changed),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(EndpointUpdate::UrlTaken),
            Err(error) => Err(error),
        }
    }

    /// One endpoint of an account.
    pub async fn endpoint(&self, account_id: &str, id: &str) -> Result<Option<EndpointRow>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM endpoints WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::endpoint_from_row).transpose()
    }

    /// An account's endpoints subscribed to `topic` that take deliveries now (enabled and not FAILED).
    pub async fn subscribed_endpoints(&self, account_id: &str, topic: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT id, topics FROM endpoints WHERE account_id = $1 AND {ACTIVE_ENDPOINT_SQL} ORDER BY created_at, id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut ids = Vec::new();
        for row in rows {
            let topics: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("topics")?)
                .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
            if topics.iter().any(|name| name == topic) {
                ids.push(row.try_get("id")?);
            }
        }
        Ok(ids)
    }

    /// Endpoints by id, with their secrets.
    pub async fn endpoints_with_secrets(
        &self,
        ids: &[&str],
    ) -> Result<HashMap<String, (EndpointRow, Vec<SecretRow>)>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = self.params().list(ids.len());
        let mut query = format!("SELECT * FROM endpoints WHERE id IN ({list})");
        let mut endpoints = sqlx::query(&query);
        for id in ids {
            endpoints = endpoints.bind(*id);
        }
        let mut found: HashMap<String, (EndpointRow, Vec<SecretRow>)> = HashMap::new();
        for row in endpoints.fetch_all(&self.pool).await? {
            let endpoint = Self::endpoint_from_row(&row)?;
            found.insert(endpoint.id.clone(), (endpoint, Vec::new()));
        }
        query = format!("SELECT * FROM secrets WHERE endpoint_id IN ({list}) ORDER BY created_at, id");
        let mut secrets = sqlx::query(&query);
        for id in ids {
            secrets = secrets.bind(*id);
        }
        for row in secrets.fetch_all(&self.pool).await? {
            let secret = self.secret_from_row(&row)?;
            if let Some((_, list)) = found.get_mut(&secret.endpoint_id) {
                list.push(secret);
            }
        }
        Ok(found)
    }

    /// Deletes an account's endpoint with its secrets, queue and history; whether it existed.
    pub async fn delete_endpoint(&self, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM endpoints WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM attempts WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// An endpoint's secrets, oldest first.
    pub async fn secrets(&self, endpoint_id: &str) -> Result<Vec<SecretRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM secrets WHERE endpoint_id = $1 ORDER BY created_at, id")
            .bind(endpoint_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| self.secret_from_row(row)).collect()
    }

    /// Sets (or clears) a secret's expiry; whether the secret exists on that endpoint.
    pub async fn set_secret_expiry(
        &self,
        endpoint_id: &str,
        secret_id: &str,
        expires_at: Option<i64>,
    ) -> Result<bool, sqlx::Error> {
        let _writing = self.writing().await;
        let done = sqlx::query("UPDATE secrets SET expires_at = $3 WHERE id = $2 AND endpoint_id = $1")
            .bind(endpoint_id)
            .bind(secret_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Rolls an endpoint's secrets: adds `new` and gives every secret of its endpoint still active at `until`
    /// (unix seconds) the expiry `until`, in one transaction. Returns the ids given the expiry.
    pub async fn roll_secret(&self, new: &SecretRow, until: i64) -> Result<Vec<String>, sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id FROM secrets WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id",
        )
        .bind(&new.endpoint_id)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        let expiring: Vec<String> = rows.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?;
        sqlx::query(
            "UPDATE secrets SET expires_at = $2 WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(&new.endpoint_id)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        self.insert_secret_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(expiring)
    }

    /// Deletes one secret of an endpoint; whether it existed.
    pub async fn delete_secret(&self, endpoint_id: &str, secret_id: &str) -> Result<bool, sqlx::Error> {
        let _writing = self.writing().await;
        let done = sqlx::query("DELETE FROM secrets WHERE id = $2 AND endpoint_id = $1")
            .bind(endpoint_id)
            .bind(secret_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every secret that expired before `before` (unix seconds); how many.
    pub async fn purge_expired_secrets(&self, before: i64) -> Result<u64, sqlx::Error> {
        let _writing = self.writing().await;
        let done = sqlx::query("DELETE FROM secrets WHERE expires_at IS NOT NULL AND expires_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // ---- events and the queue ----

    /// Stores an event and queues one delivery per endpoint, due at once, marked with `trigger` (`scheduled`, or
    /// `test` for a test event). Re-posting an event id in the same account queues nothing new; returns whether
    /// the event was new and how many deliveries were queued.
    pub async fn enqueue_event(
        &self,
        event: &NewEvent<'_>,
        endpoint_ids: &[String],
        trigger: &str,
        now: i64,
    ) -> Result<(bool, usize), sqlx::Error> {
        let NewEvent { account_id, id: event_id, topic, body } = *event;
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO events (account_id, id, topic, body, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, id) DO NOTHING",
        )
        .bind(account_id)
        .bind(event_id)
        .bind(topic)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        let mut queued = 0;
        if created {
            // Many rows per statement: an event fanned out to thousands of endpoints is a few round trips.
            for chunk in endpoint_ids.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
                let mut params = self.params();
                let rows: Vec<String> = (0..chunk.len())
                    .map(|_| {
                        let [id, account, event, endpoint, topic] = [(); 5].map(|()| params.one());
                        // Allocated in the order they appear: SQLite binds `?` by position in the text.
                        let [next, trigger, created, updated] = [(); 4].map(|()| params.one());
                        format!(
                            "({id}, {account}, {event}, {endpoint}, {topic}, 'pending', 0, {next}, 0, {trigger}, \
                             {created}, {updated})"
                        )
                    })
                    .collect();
                let statement = format!(
                    "INSERT INTO deliveries (id, account_id, event_id, endpoint_id, topic, status, attempts,
                     next_attempt_at, claims, trigger_kind, created_at, updated_at) VALUES {}
                     ON CONFLICT (event_id, endpoint_id) DO NOTHING",
                    rows.join(", ")
                );
                let mut insert = sqlx::query(&statement);
                for endpoint_id in chunk {
                    insert = insert
                        .bind(new_id("dlv"))
                        .bind(account_id)
                        .bind(event_id)
                        .bind(endpoint_id)
                        .bind(topic)
                        .bind(now)
                        .bind(trigger)
                        .bind(now)
                        .bind(now);
                }
                queued += insert.execute(&mut *tx).await?.rows_affected();
            }
        }
        tx.commit().await?;
        if queued > 0 {
            let ids: Vec<&str> = endpoint_ids.iter().map(String::as_str).collect();
            self.mark_due(&ids, now).await;
        }
        Ok((created, usize::try_from(queued).unwrap_or(usize::MAX)))
    }

    /// Queues every operational notice for the service-wide destination too (when one is configured).
    #[must_use]
    pub fn with_service_notices(mut self, on: bool) -> Self {
        self.service_notices = on;
        self
    }

    pub(crate) fn params(&self) -> Params {
        Params { postgres: self.backend == Backend::Postgres, next: 0 }
    }

    /// The database's clock in unix ms, as SQL: leases are stamped and compared with it.
    pub(crate) fn database_now(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        }
    }

    /// Claims due deliveries (by the service clock's `now`) of active endpoints for `owner`, leased for
    /// `rules.lease_ms` of the database's clock, fairly and within every endpoint's limits, shared by all workers.
    ///
    /// An endpoint is a candidate while its `due_at` has come (set when deliveries are queued or retried, and
    /// recomputed here from its oldest claimable row); candidates take turns, least recently served first, each up
    /// to an even share of the batch, so one endpoint's backlog never fills a batch while another's deliveries
    /// wait. An endpoint with a burst limit gets no more rows than it has free slots (rows leased now are in
    /// flight, whichever worker holds them); one with a rate limit no more than its rate allows within
    /// `rules.max_pacing_ms`, each with the time its request may start, and is not due again before its pace
    /// allows. The limits' state lives on the endpoint's row and moves in the same transaction (locked on Postgres,
    /// so workers take turns per endpoint).
    ///
    /// Each claim counts as an attempt, so a message that kills its worker every time still runs out of retries.
    pub async fn claim(&self, owner: &str, now: i64, rules: ClaimRules) -> Result<Vec<Claim>, sqlx::Error> {
        let _writing = self.writing().await;
        let postgres = self.backend == Backend::Postgres;
        // SQLite: take the write lock at once, so this transaction never has to upgrade a read lock (which fails
        // at once, not after the busy timeout, when another connection wrote in between).
        let mut tx = if postgres { self.pool.begin().await? } else { self.pool.begin_with("BEGIN IMMEDIATE").await? };
        // `NO KEY UPDATE`: the rows' keys stay, so enqueues' and attempts' foreign-key checks (key-share locks) do
        // not make a claim pass rows by. Every lock a claim takes skips what is locked, and its writes touch only
        // rows it locked, so a claim never waits for a lock and is never part of a deadlock.
        let skip_locked = if postgres { "FOR NO KEY UPDATE SKIP LOCKED" } else { "" };
        let database_now = self.database_now();
        // Each endpoint is claimed by one worker at a time: its row is locked (Postgres; another worker's claim
        // passes it by this time), so its limits' state and due time move in step with its rows.
        let candidates = sqlx::query(&format!(
            "SELECT id, rate_limit, burst_limit, rate_tat_us, {database_now} AS database_now FROM endpoints
             WHERE due_at <= $1 AND {ACTIVE_ENDPOINT_SQL} AND (slowed_until IS NULL OR slowed_until <= $1)
             ORDER BY served_at, id LIMIT $2 {skip_locked}"
        ))
        .bind(now)
        .bind(rules.limit)
        .fetch_all(&mut *tx)
        .await?;
        let claimable =
            "d.endpoint_id = $6 AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $3)";
        let claim = format!(
            "UPDATE deliveries SET attempts = attempts + 1, claims = claims + 1, lease_owner = $1,
             lease_until = $3 + $4, updated_at = $2
             WHERE id IN (SELECT d.id FROM deliveries d WHERE {claimable} AND d.next_attempt_at <= $2
               ORDER BY d.next_attempt_at, d.id LIMIT $5 {skip_locked})
             RETURNING id, account_id, event_id, endpoint_id, topic, attempts, claims, trigger_kind, single_attempt"
        );
        // After its turn: served now; due next at its oldest claimable row once none is left due (and not before
        // its rate lets the next request into the pacing window), else still due.
        let served = "UPDATE endpoints SET rate_tat_us = $2, served_at = $3, due_at = CASE WHEN $4 = 0 THEN due_at
             ELSE (SELECT CASE WHEN MIN(d.next_attempt_at) < $5 THEN $5 ELSE MIN(d.next_attempt_at) END
                   FROM deliveries d WHERE d.endpoint_id = $1 AND d.status = 'pending'
                   AND (d.lease_until IS NULL OR d.lease_until <= $3)) END
             WHERE id = $1 RETURNING due_at";
        // Endpoints this claim left idle or deferred past their pace (Postgres): looked at again after the commit.
        let mut rechecks = Vec::new();
        let max_pacing_us = u64::try_from(rules.max_pacing_ms).unwrap_or(0).saturating_mul(1000);
        let mut claims = Vec::new();
        for (turn, row) in candidates.iter().enumerate() {
            let budget = usize::try_from(rules.limit).unwrap_or(0).saturating_sub(claims.len());
            if budget == 0 {
                break;
            }
            let endpoint_id: String = row.try_get("id")?;
            let rate = RateLimit(u32::try_from(row.try_get::<i64, _>("rate_limit")?).unwrap_or(u32::MAX));
            let burst = row.try_get::<i64, _>("burst_limit")?;
            let tat_us = u64::try_from(row.try_get::<i64, _>("rate_tat_us")?).unwrap_or(0);
            let database_now: i64 = row.try_get("database_now")?;
            let now_us = u64::try_from(database_now).unwrap_or(0).saturating_mul(1000);
            // An even share of what is left among the endpoints still waiting for their turn.
            let mut room = (budget / (candidates.len() - turn)).max(1);
            if burst > 0 {
                let in_flight: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM deliveries WHERE endpoint_id = $1 AND lease_owner IS NOT NULL
                     AND status = 'pending' AND lease_until > $2",
                )
                .bind(&endpoint_id)
                .bind(database_now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
                room = room.min(usize::try_from(burst - in_flight).unwrap_or(0));
                if room == 0 {
                    // Every slot is taken: still due, it is looked at again when the next claim runs.
                    continue;
                }
            }
            let (starts, _) = paced_starts(rate, tat_us, now_us, room, max_pacing_us);
            let rows = if starts.is_empty() {
                Vec::new()
            } else {
                sqlx::query(&claim)
                    .bind(owner)
                    .bind(now)
                    .bind(database_now)
                    .bind(rules.lease_ms)
                    .bind(i64::try_from(starts.len()).unwrap_or(i64::MAX))
                    .bind(&endpoint_id)
                    .fetch_all(&mut *tx)
                    .await?
            };
            // The rate's state after the rows actually claimed (another worker may have taken some).
            let (starts, tat_us) = paced_starts(rate, tat_us, now_us, rows.len(), max_pacing_us);
            let paced_ms = i64::try_from(tat_us.saturating_sub(now_us + max_pacing_us) / 1000).unwrap_or(i64::MAX);
            let exhausted = rows.len() < room;
            let floor = now.saturating_add(paced_ms);
            let due_at: Option<i64> = sqlx::query(served)
                .bind(&endpoint_id)
                .bind(i64::try_from(tat_us).unwrap_or(i64::MAX))
                .bind(database_now)
                .bind(i64::from(exhausted))
                .bind(floor)
                .fetch_one(&mut *tx)
                .await?
                .try_get("due_at")?;
            if postgres && exhausted && due_at.is_none_or(|due| due > floor) {
                rechecks.push((endpoint_id.clone(), floor));
            }
            for (row, start_us) in rows.iter().zip(starts) {
                claims.push(Self::claim_from_row(row, i64::try_from(start_us / 1000).unwrap_or(i64::MAX), burst > 0)?);
            }
        }
        tx.commit().await?;
        for (endpoint_id, floor) in rechecks {
            if let Err(error) = self.recheck_due(&endpoint_id, floor).await {
                tracing::warn!(%error, endpoint = %endpoint_id, "rechecking an endpoint's due time failed; the heartbeat will");
            }
        }
        Ok(claims)
    }

    /// After a claim that left an endpoint idle (or due later than its pace requires) has committed: makes it due
    /// again at its oldest claimable row, not before `floor`, if that is sooner than what the claim wrote.
    ///
    /// Postgres only. The claim read the queue in a snapshot; a delivery committed after that snapshot is marked
    /// due by its writer after its own commit ([`Store::mark_due`]), but that mark, made while the claim had not
    /// committed yet, acted on the endpoint's row as it was before the claim. This statement starts after the
    /// claim's commit, so it sees every delivery whose writer's mark could have been lost that way. (SQLite runs
    /// one writer at a time: the claim saw every committed row.)
    async fn recheck_due(&self, endpoint_id: &str, floor: i64) -> Result<(), sqlx::Error> {
        let statement = format!(
            "UPDATE endpoints SET due_at = oldest.due FROM (
               SELECT CASE WHEN MIN(d.next_attempt_at) < $2 THEN $2 ELSE MIN(d.next_attempt_at) END AS due
               FROM deliveries d WHERE d.endpoint_id = $1 AND d.status = 'pending'
               AND (d.lease_until IS NULL OR d.lease_until <= {})) AS oldest
             WHERE endpoints.id = $1 AND oldest.due IS NOT NULL
             AND (endpoints.due_at IS NULL OR endpoints.due_at > oldest.due)",
            self.database_now()
        );
        sqlx::query(&statement).bind(endpoint_id).bind(floor).execute(&self.pool).await?;
        Ok(())
    }

    /// Makes every endpoint with a claimable row due by `now` that is not already due at `now`: rows whose lease
    /// ran out (their worker died), and rows queued or retried by a process that died between committing them and
    /// marking their endpoint due (that runs after the commit). A live worker's heartbeat runs it;
    /// an endpoint it marks that a rate limit holds back is claimed within its limits and paced again.
    pub async fn mark_claimable_due(&self, now: i64) -> Result<u64, sqlx::Error> {
        let _writing = self.writing().await;
        let statement = format!(
            "UPDATE endpoints SET due_at = $1 WHERE (due_at IS NULL OR due_at > $1) AND {ACTIVE_ENDPOINT_SQL} AND EXISTS (
               SELECT 1 FROM deliveries d WHERE d.endpoint_id = endpoints.id AND d.status = 'pending'
               AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= {}))",
            self.database_now()
        );
        Ok(sqlx::query(&statement).bind(now).execute(&self.pool).await?.rows_affected())
    }

    /// Marks endpoints due at `at` (those due sooner keep their time): new, retried or released deliveries.
    ///
    /// Runs after the transaction that made the rows claimable has committed. A claim that is running then may
    /// have read the queue before that commit and be about to mark the endpoint idle; if this statement sees the
    /// endpoint's row as it was before that claim, the claim's own recheck after its commit
    /// ([`Store::recheck_due`]) sees these rows. Inside the transaction neither would be sure to. A failure is
    /// logged, not returned (the rows are committed): the heartbeat's [`Store::mark_claimable_due`] makes such
    /// endpoints due.
    pub(crate) async fn mark_due(&self, endpoint_ids: &[&str], at: i64) {
        let mut ids = endpoint_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let statement = format!(
                "UPDATE endpoints SET due_at = {} WHERE (due_at IS NULL OR due_at > {}) AND id IN ({})",
                params.one(),
                params.one(),
                params.list(chunk.len())
            );
            // Bounded: three tries, then the heartbeat's `mark_claimable_due` finds these endpoints.
            let mut tries = 0;
            loop {
                let mut update = sqlx::query(&statement).bind(at).bind(at);
                for id in chunk {
                    update = update.bind(*id);
                }
                match update.execute(&self.pool).await {
                    Ok(_) => break,
                    Err(error) if tries < 3 => {
                        tries += 1;
                        tracing::debug!(%error, "marking endpoints due failed; trying again");
                        tokio::time::sleep(Duration::from_millis(20 * tries)).await;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not mark endpoints due; the heartbeat will");
                        break;
                    }
                }
            }
        }
    }

    fn claim_from_row(row: &AnyRow, start_after_ms: i64, burst_limited: bool) -> Result<Claim, sqlx::Error> {
        Ok(Claim {
            delivery_id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            event_id: row.try_get("event_id")?,
            endpoint_id: row.try_get("endpoint_id")?,
            topic: row.try_get("topic")?,
            attempts: row.try_get("attempts")?,
            claims: row.try_get("claims")?,
            trigger: row.try_get("trigger_kind")?,
            single_attempt: row.try_get::<i64, _>("single_attempt")? != 0,
            start_after_ms,
            burst_limited,
        })
    }

    /// Extends `owner`'s leases on `deliveries` to `lease_ms` from now (the database's clock): a live worker's
    /// heartbeat over the deliveries it is working on, so a request that runs long is not taken over while it is
    /// still in flight. Returns the rows renewed.
    pub async fn renew_leases(&self, owner: &str, deliveries: &[String], lease_ms: i64) -> Result<u64, sqlx::Error> {
        let _writing = self.writing().await;
        let mut renewed = 0;
        for chunk in deliveries.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let statement = format!(
                "UPDATE deliveries SET lease_until = {} + {} WHERE lease_owner = {} AND status = 'pending'
                 AND id IN ({})",
                self.database_now(),
                params.one(),
                params.one(),
                params.list(chunk.len())
            );
            let mut update = sqlx::query(&statement).bind(lease_ms).bind(owner);
            for id in chunk {
                update = update.bind(id);
            }
            renewed += update.execute(&self.pool).await?.rows_affected();
        }
        Ok(renewed)
    }

    /// Hands claims back untouched (not an attempt), e.g. when the worker could not load what they need: they are
    /// claimable again from `now`.
    pub async fn release(&self, claims: &[Claim], now: i64) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        for claim in claims {
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts - 1, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND claims = $2",
            )
            .bind(&claim.delivery_id)
            .bind(claim.claims)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let endpoints: Vec<&str> = claims.iter().map(|claim| claim.endpoint_id.as_str()).collect();
        self.mark_due(&endpoints, now).await;
        Ok(())
    }

    /// The bodies of events by (account, id): one statement per account in the batch (`account_id = ? AND id IN
    /// (…)` walks the primary key; a row-value `IN (VALUES …)` would scan the table on SQLite).
    pub async fn event_bodies(&self, ids: &[(&str, &str)]) -> Result<HashMap<(String, String), String>, sqlx::Error> {
        let mut by_account: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (account, id) in ids {
            by_account.entry(account).or_default().push(id);
        }
        let mut bodies = HashMap::with_capacity(ids.len());
        for (account, ids) in by_account {
            for chunk in ids.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
                let mut params = self.params();
                let account_param = params.one();
                let statement = format!(
                    "SELECT id, body FROM events WHERE account_id = {account_param} AND id IN ({})",
                    params.list(chunk.len())
                );
                let mut query = sqlx::query(&statement).bind(account);
                for id in chunk {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&self.pool).await? {
                    bodies.insert((account.to_owned(), row.try_get("id")?), row.try_get("body")?);
                }
            }
        }
        Ok(bodies)
    }

    /// Records a batch of outcomes: each delivery's next step, its attempt, and each endpoint's state as
    /// `verdict_rule` (the service's, [`crate::rules::health_verdict`]) decides it from the endpoint's outcomes —
    /// only for claims still the worker's: a claim lost to another worker (its lease ran out) records nothing and
    /// decides no health.
    ///
    /// One transaction for the batch; if the database refuses it, each outcome in a transaction of its own, so one
    /// row that cannot be written never takes the others with it. A row the database refuses on its own is
    /// recorded in a minimal form (without what the receiver answered, the error saying why); if even that is
    /// refused it is given up (`unrecorded`: its lease runs out and it is attempted again). While the database
    /// cannot be reached, what is left is answered in `waiting`, to be recorded again: nothing here loops.
    pub async fn complete(&self, completions: &[Completion], now: i64, verdict_rule: VerdictRule) -> CompletionReport {
        let batch_error = match self.complete_together(completions, now, verdict_rule).await {
            Ok(report) => return report,
            Err(error) if is_unreachable(self.backend, &error) => {
                tracing::warn!(%error, count = completions.len(), "the database is unreachable; outcomes wait");
                return CompletionReport { waiting: (0..completions.len()).collect(), ..CompletionReport::default() };
            }
            Err(error) => error,
        };
        if completions.len() > 1 {
            tracing::warn!(error = %batch_error, count = completions.len(), "recording a batch failed; recording it row by row");
        }
        let mut report = CompletionReport::default();
        for (index, completion) in completions.iter().enumerate() {
            let error = if completions.len() == 1 {
                batch_error.to_string()
            } else {
                match self.complete_together(std::slice::from_ref(completion), now, verdict_rule).await {
                    Ok(one) => {
                        report.absorb(one);
                        continue;
                    }
                    Err(error) if is_unreachable(self.backend, &error) => {
                        report.waiting.extend(index..completions.len());
                        return report;
                    }
                    Err(error) => error.to_string(),
                }
            };
            tracing::error!(%error, delivery = %completion.claim.delivery_id, "an outcome was refused; recording it without the receiver's answer");
            let minimal = completion.minimal(&error);
            match self.complete_together(std::slice::from_ref(&minimal), now, verdict_rule).await {
                Ok(one) => report.absorb(one),
                Err(error) if is_unreachable(self.backend, &error) => {
                    report.waiting.extend(index..completions.len());
                    return report;
                }
                Err(error) => {
                    tracing::error!(%error, delivery = %completion.claim.delivery_id, "could not record an outcome; its lease runs out and it is attempted again");
                    report.unrecorded.push(completion.claim.delivery_id.clone());
                }
            }
        }
        report
    }

    async fn complete_together(
        &self,
        completions: &[Completion],
        now: i64,
        verdict_rule: VerdictRule,
    ) -> Result<CompletionReport, sqlx::Error> {
        let _writing = self.writing().await;
        let mut report = CompletionReport::default();
        if completions.is_empty() {
            return Ok(report);
        }
        let mut tx = self.pool.begin().await?;
        // Outcomes per endpoint in order: (success, started at).
        let mut verdicts: BTreeMap<&str, Vec<Outcome>> = BTreeMap::new();
        // Operational notices, queued with the outcomes that caused them.
        let mut notices = Vec::new();
        // The console's hourly counts, kept with the attempts.
        let mut hours: BTreeMap<HourKey, i64> = BTreeMap::new();
        // Endpoints with a retry, due again at the batch's earliest retry (a turn that finds nothing due yet only
        // recomputes the due time).
        let mut retried = Vec::new();
        let mut retry_at = i64::MAX;
        for chunk in completions.chunks(COMPLETION_ROWS_PER_STATEMENT) {
            // Each row's next step, only where the claim is still this worker's (`claims` unchanged) and not yet
            // finished (a lease is held: writing it again, after a commit whose answer was lost, finds it finished),
            // in one statement: the rows written come back.
            let mut params = self.params();
            let statement = format!(
                "UPDATE deliveries SET status = v.column3, next_attempt_at = COALESCE(v.column4, deliveries.next_attempt_at),
                 lease_owner = NULL, lease_until = NULL, last_error = v.column5, last_error_class = v.column6,
                 trigger_kind = 'scheduled', single_attempt = 0, updated_at = {}
                 FROM (VALUES {}) AS v WHERE deliveries.id = v.column1 AND deliveries.claims = v.column2
                 AND deliveries.lease_owner IS NOT NULL
                 RETURNING deliveries.id",
                params.one(),
                params.rows(chunk.len(), 6)
            );
            let mut update = sqlx::query(&statement).bind(now);
            for completion in chunk {
                let (status, next_at) = match completion.record.next {
                    NextStep::Succeeded => ("succeeded", None),
                    NextStep::RetryAt(at) => ("pending", Some(at)),
                    NextStep::GiveUp => ("failed", None),
                };
                update = update
                    .bind(&completion.claim.delivery_id)
                    .bind(completion.claim.claims)
                    .bind(status)
                    .bind(next_at)
                    .bind(storable_option(completion.record.error.clone()))
                    .bind(completion.record.error_class);
            }
            let written: HashSet<String> =
                update.fetch_all(&mut *tx).await?.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?;
            let (recorded, stale): (Vec<&Completion>, Vec<&Completion>) =
                chunk.iter().partition(|completion| written.contains(&completion.claim.delivery_id));
            // Taken over (or deleted with its endpoint): the worker that holds it now reports.
            report.stale.extend(stale.iter().map(|completion| completion.claim.delivery_id.clone()));
            if recorded.is_empty() {
                continue;
            }
            // `recorded_at` is the database's clock, the one order every process agrees on (the live stream
            // follows it).
            let mut params = self.params();
            let rows: Vec<String> = (0..recorded.len())
                .map(|_| {
                    let head = params.list(10);
                    let tail = params.list(10);
                    format!("({head}, {}, {tail})", self.database_now())
                })
                .collect();
            let statement = format!(
                "INSERT INTO attempts (id, account_id, delivery_id, endpoint_id, event_id, topic, attempt, trigger_kind,
                 started_at, latency_ms, recorded_at, status_code, outcome, error_class, error, request_method,
                 request_url, request_headers, response_headers, response_excerpt, response_body) VALUES {}",
                rows.join(", ")
            );
            let mut insert = sqlx::query(&statement);
            for completion in &recorded {
                let (claim, record) = (&completion.claim, &completion.record);
                insert = insert
                    .bind(new_id("att"))
                    .bind(&claim.account_id)
                    .bind(&claim.delivery_id)
                    .bind(&claim.endpoint_id)
                    .bind(&claim.event_id)
                    .bind(&claim.topic)
                    .bind(claim.attempts)
                    .bind(&claim.trigger)
                    .bind(record.started_at)
                    .bind(record.latency_ms)
                    .bind(record.status_code)
                    .bind(if record.next == NextStep::Succeeded { "success" } else { "failure" })
                    .bind(record.error_class)
                    .bind(storable_option(record.error.clone()))
                    .bind(&record.request.method)
                    .bind(&record.request.url)
                    .bind(headers_json(&record.request.headers))
                    .bind(headers_json(&record.response_headers))
                    .bind("")
                    .bind(record.response_body.clone());
            }
            insert.execute(&mut *tx).await?;
            for completion in recorded {
                let (claim, record) = (&completion.claim, &completion.record);
                let key = HourKey {
                    endpoint_id: claim.endpoint_id.clone(),
                    account_id: claim.account_id.clone(),
                    hour: record.started_at - record.started_at.rem_euclid(3_600_000),
                    class: outcome_class(record.next == NextStep::Succeeded, record.error_class, record.status_code),
                    bucket: latency_bucket(record.latency_ms),
                };
                *hours.entry(key).or_default() += 1;
                if record.exhausted {
                    notices.push(Notice {
                        account_id: claim.account_id.clone(),
                        kind: DELIVERY_EXHAUSTED,
                        data: serde_json::json!({
                            "deliveryId": claim.delivery_id,
                            "endpointId": claim.endpoint_id,
                            "eventId": claim.event_id,
                            "topic": claim.topic,
                            "attempts": claim.attempts,
                            "lastError": record.error,
                        }),
                        key: None,
                    });
                }
                verdicts.entry(claim.endpoint_id.as_str()).or_default().push(Outcome {
                    succeeded: record.next == NextStep::Succeeded,
                    started_at_ms: record.started_at,
                    gone: record.gone,
                    slow_down_ms: record.slow_down_ms,
                });
                if let NextStep::RetryAt(at) = record.next {
                    retried.push(claim.endpoint_id.as_str());
                    retry_at = retry_at.min(at);
                }
            }
        }
        // In id order, as every writer that locks several endpoint rows does, so none of them deadlock.
        for (endpoint_id, outcomes) in verdicts {
            // Read unlocked first: most verdicts change nothing (a success on a healthy endpoint), and a locked
            // endpoint row would make other workers' claims pass it by. Lock only to write a change.
            let mut locked = false;
            // At most two turns: unlocked, then (Postgres, when the verdict changes something) locked.
            let found = loop {
                // Not `FOR UPDATE`: that would conflict with the key-share lock an enqueue's foreign key takes.
                let lock = if locked && self.backend == Backend::Postgres { " FOR NO KEY UPDATE" } else { "" };
                let row = sqlx::query(&format!(
                    "SELECT health, failing_since, enabled, slow_downs, slowed_until, account_id, url FROM endpoints
                     WHERE id = $1{lock}"
                ))
                .bind(endpoint_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { break None };
                let slowed = SlowDown {
                    level: row.try_get::<i64, _>("slow_downs")?,
                    until: row.try_get::<Option<i64>, _>("slowed_until")?,
                };
                let status: String = row.try_get("health")?;
                let since: Option<i64> = row.try_get("failing_since")?;
                let before = EndpointState {
                    enabled: row.try_get::<i64, _>("enabled")? != 0,
                    health: EndpointHealth {
                        status: HealthStatus::from_name(&status).unwrap_or(HealthStatus::Healthy),
                        failing_since: since.and_then(|s| u64::try_from(s).ok()),
                    },
                };
                let verdict = verdict_rule(before, &outcomes);
                let slowing = slow_down_verdict(slowed, &outcomes, now);
                let unchanged = verdict.state == before && slowing == slowed;
                if unchanged || locked || self.backend == Backend::Sqlite {
                    let target: (String, String) = (row.try_get("account_id")?, row.try_get("url")?);
                    break Some((before, verdict, slowed, slowing, target));
                }
                locked = true;
            };
            let Some((before, verdict, slowed, slowing, (account_id, url))) = found else { continue };
            if slowing != slowed {
                if slowing.until != slowed.until {
                    tracing::info!(endpoint = endpoint_id, until = ?slowing.until, "the receiver asked to slow down; endpoint paused");
                }
                sqlx::query("UPDATE endpoints SET slow_downs = $2, slowed_until = $3 WHERE id = $1")
                    .bind(endpoint_id)
                    .bind(slowing.level)
                    .bind(slowing.until)
                    .execute(&mut *tx)
                    .await?;
            }
            if verdict.state == before {
                continue;
            }
            if verdict.turned_failed {
                report.failed_endpoints.push(endpoint_id.to_owned());
                tracing::warn!(endpoint = endpoint_id, "endpoint FAILED after 3 days of failures; deactivated");
            }
            if verdict.turned_failed || verdict.gone {
                notices.push(Notice {
                    account_id,
                    kind: ENDPOINT_DISABLED,
                    data: serde_json::json!({
                        "endpointId": endpoint_id,
                        "url": url,
                        "reason": if verdict.gone { "gone" } else { "failed" },
                        "detail": if verdict.gone { GONE_REASON } else { FAILED_REASON },
                        "failingSince": verdict.state.health.failing_since.or(before.health.failing_since),
                    }),
                    key: None,
                });
            }
            let reason = verdict.gone.then_some(GONE_REASON);
            if verdict.gone {
                tracing::warn!(endpoint = endpoint_id, "the receiver answered 410 Gone; endpoint deactivated");
            }
            sqlx::query(
                "UPDATE endpoints SET health = $2, failing_since = $3, enabled = $4, updated_at = $5,
                 disabled_reason = COALESCE($6, disabled_reason) WHERE id = $1",
            )
            .bind(endpoint_id)
            .bind(verdict.state.health.status.name())
            .bind(verdict.state.health.failing_since.and_then(|s| i64::try_from(s).ok()))
            .bind(bool_int(verdict.state.enabled))
            .bind(now)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        if !notices.is_empty() {
            self.queue_notices(&mut tx, &notices, now).await?;
        }
        self.add_attempt_hours(&mut tx, &hours).await?;
        tx.commit().await?;
        if !hours.is_empty() {
            self.recorded.send_modify(|count| *count = count.wrapping_add(1));
        }
        self.mark_due(&retried, retry_at).await;
        Ok(report)
    }

    // ---- retention ----

    /// Deletes history older than `cutoff` (unix ms): attempts, finished deliveries, and events left with no
    /// delivery. Pending deliveries are kept whatever their age. Returns the attempts and deliveries removed.
    pub async fn prune(&self, cutoff: i64) -> Result<(u64, u64), sqlx::Error> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let attempts = sqlx::query("DELETE FROM attempts WHERE started_at < $1").bind(cutoff).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM attempt_hours WHERE hour < $1").bind(cutoff - 3_600_000).execute(&mut *tx).await?;
        let deliveries = sqlx::query("DELETE FROM deliveries WHERE status <> 'pending' AND updated_at < $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM events WHERE created_at < $1 AND NOT EXISTS (
               SELECT 1 FROM deliveries d WHERE d.account_id = events.account_id AND d.event_id = events.id)",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((attempts.rows_affected(), deliveries.rows_affected()))
    }
}
