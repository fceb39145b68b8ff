//! Sending: the worker that claims, paces, signs, sends and records deliveries, and the operational notices.
//!
//! Where to look: [`worker`] (claim → pace → sign → send → record, the heartbeat, the completer), [`attempt`] (one
//! request and what follows from its answer), [`recording`] (what an outcome changes: the delivery, the attempt,
//! the endpoint's verdicts, notices, the hourly counts), [`signing`] (stored secrets as the core's signers),
//! [`net`] (the HTTP client and its SSRF guard), [`operational`] (notices to the platform), [`wakeup`] (other
//! processes' announcements of due work, on Postgres).

pub mod attempt;
pub mod net;
pub mod operational;
pub mod recording;
pub mod signing;
pub mod wakeup;
pub mod worker;
