//! The service's rules in one place: the core's delivery rules applied to the service's rows. The store stores what
//! it is given and the API and the worker ask here: whether an endpoint receives deliveries (in Rust and as the SQL
//! the queue filters by), what a batch of outcomes does to an endpoint's health (the core's rule; FAILED deactivates
//! the endpoint), and what switching it on or off does (activation re-arms a FAILED endpoint).

use dropship_webhooks::delivery::{EndpointHealth, HealthStatus, DEFAULT_FAILURE_WINDOW_SECONDS};

/// The part of an endpoint the rules act on: the owner's switch and the health the deliveries decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointState {
    /// The owner's switch (a FAILED verdict also turns it off).
    pub enabled: bool,
    /// HEALTHY or FAILED, with the failing streak's start.
    pub health: EndpointHealth,
}

/// [`EndpointState::is_active`] as a condition on the `endpoints` table, for the queries that pick endpoints to
/// deliver to; `active_state_and_sql_agree` (tests/integrity.rs) holds the two to the same answer.
pub const ACTIVE_ENDPOINT_SQL: &str = "enabled = 1 AND health = 'HEALTHY'";

/// One finished attempt, as the health rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The endpoint accepted it (2xx).
    pub succeeded: bool,
    /// When the attempt started (unix ms).
    pub started_at_ms: i64,
    /// The receiver answered 410 Gone: the endpoint is switched off at once.
    pub gone: bool,
}

/// What a batch of outcomes made of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The state to store.
    pub state: EndpointState,
    /// It turned FAILED with this batch (and was deactivated).
    pub turned_failed: bool,
    /// The receiver answered 410 Gone: switched off, whatever its health.
    pub gone: bool,
}

/// How the store asks for a verdict while it records outcomes (in the same transaction as the outcomes).
pub type VerdictRule = fn(EndpointState, &[Outcome]) -> Verdict;

impl EndpointState {
    /// Whether deliveries go out: enabled and HEALTHY.
    pub fn is_active(self) -> bool {
        self.enabled && self.health.is_active()
    }

    /// The owner switches the endpoint on or off; switching a disabled endpoint on re-arms its health with a fresh
    /// streak (the core's `reactivate`), so a FAILED endpoint resumes at once.
    #[must_use]
    pub fn switched(self, enabled: bool) -> Self {
        let health = if enabled && !self.enabled { self.health.reactivate() } else { self.health };
        Self { enabled, health }
    }
}

/// The service's verdict: the core's health rule over each outcome in order (a failure counts at its start, in
/// seconds, against the three-day window), and a FAILED endpoint is deactivated until its owner activates it. A
/// 410 Gone deactivates it at once (Standard Webhooks' sender rule: the receiver says the endpoint is gone).
pub fn health_verdict(before: EndpointState, outcomes: &[Outcome]) -> Verdict {
    let health = outcomes.iter().fold(before.health, |health, outcome| {
        if outcome.succeeded {
            health.record_success()
        } else {
            let at = u64::try_from(outcome.started_at_ms.max(0) / 1000).unwrap_or(0);
            health.record_failure(at, DEFAULT_FAILURE_WINDOW_SECONDS)
        }
    });
    let turned_failed = before.health.status == HealthStatus::Healthy && health.status == HealthStatus::Failed;
    let gone = before.enabled && outcomes.iter().any(|outcome| outcome.gone);
    let enabled = before.enabled && !turned_failed && !gone;
    Verdict { state: EndpointState { enabled, health }, turned_failed, gone }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    fn failure(at: i64) -> Outcome {
        Outcome { succeeded: false, started_at_ms: at, gone: false }
    }

    #[test]
    fn three_days_of_failures_deactivate_and_activation_re_arms() {
        let healthy = EndpointState { enabled: true, health: EndpointHealth::HEALTHY };
        let failing = health_verdict(healthy, &[failure(0), failure(2 * DAY_MS)]);
        assert!(!failing.turned_failed && failing.state.is_active());
        let failed = health_verdict(failing.state, &[failure(3 * DAY_MS)]);
        assert!(failed.turned_failed && !failed.state.enabled && !failed.state.is_active());
        // A late success does not revive it; only its owner does.
        let late = health_verdict(failed.state, &[Outcome { succeeded: true, started_at_ms: 4 * DAY_MS, gone: false }]);
        assert!(!late.turned_failed && !late.state.is_active());
        assert_eq!(failed.state.switched(true), healthy);
        assert_eq!(healthy.switched(false).switched(true), healthy);
        // 410 Gone switches it off at once, still HEALTHY; activation brings it back.
        let gone = health_verdict(healthy, &[Outcome { succeeded: false, started_at_ms: 0, gone: true }]);
        assert!(gone.gone && !gone.turned_failed && !gone.state.enabled);
        assert_eq!(gone.state.switched(true), healthy);
    }
}
