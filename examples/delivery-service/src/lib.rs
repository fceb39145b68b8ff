//! The reference delivery service of dropship-webhooks: the sending side of the wire, for real.
//!
//! Where to look (every module says more of itself):
//!
//! - [`service`]: wiring — settings → store, the HTTP app (API and console), the worker, retention; shutdown;
//! - [`settings`]: everything the service can be told, and the one set of defaults;
//! - [`model`]: the rows and domain types the store, the worker and the API share (no I/O);
//! - [`rules`]: the delivery rules applied to those rows — health and slow-down verdicts, pacing, the console's
//!   outcome classes and latency buckets (pure; the core crate's rules underneath);
//! - [`delivery`]: sending — the worker (claim → pace → sign → send → record), one attempt and its decision,
//!   recording an outcome, signing, the guarded HTTP client, operational notices;
//! - [`intake`]: posted events stored by group commit (what waits when the database is free, one transaction);
//! - [`store`]: SQLite (embedded default) or Postgres through one SQL dialect, one file per concern; the queue is
//!   a table with leases;
//! - [`http`]: the JSON API — the route table, the server and its limits, auth, extractors, the error codes, the
//!   response types ([`http::views`]), one file per resource, the live stream;
//! - [`console`]: the webhooks page, server-rendered, acting through the API in process;
//! - [`received`]: what receivers answer, kept as data; [`sealing`]: secrets encrypted at rest; [`tokens`]: the
//!   console's secret tokens; [`clock`]: time as a dependency, so tests move three days forward without waiting.
//!
//! Every delivery rule (retry schedule, `Retry-After`, health, rate and burst limits, configuration rules, signing)
//! is the core crate's; this crate stores state and moves bytes.

pub mod clock;
pub mod console;
pub mod delivery;
pub mod http;
pub mod intake;
pub mod metrics;
pub mod model;
pub mod received;
pub mod rules;
pub mod sealing;
pub mod service;
pub mod settings;
pub mod store;
pub mod tokens;

pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use service::{RunningService, Service, Settings};
