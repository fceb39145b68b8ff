//! The reference delivery service of dropship-webhooks: the sending side of the wire, for real.
//!
//! - [`api`]: the JSON API (endpoint configurations, secrets, events, history, health) behind a bearer key;
//! - [`store`]: SQLite (embedded default) or Postgres through one SQL dialect; the queue is a table with leases;
//! - [`worker`]: claims due deliveries, signs them with every active secret, sends them within the endpoint's rate
//!   and burst limits, and records the outcome, the retry and the endpoint's health in one transaction;
//! - [`rules`]: the core's delivery rules applied to the service's rows, in one place (active, health verdicts,
//!   activation); the store stores and the API and worker ask here;
//! - [`signing`]: stored secrets as the core's, one signer per endpoint kept while its secrets are unchanged;
//! - [`net`]: the HTTP client with the SSRF guard (a resolver that drops non-public addresses, no redirects, no proxy);
//! - [`clock`]: time as a dependency, so tests move three days forward without waiting.
//!
//! Every delivery rule (retry schedule, `Retry-After`, health, rate and burst limits, configuration rules, signing)
//! is the core crate's; this crate only stores state and moves bytes.

pub mod clock;
pub mod console;
pub mod delivery;
pub mod http;
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
