//! The service's rules in one place: the core's delivery rules applied to the service's rows. The store stores what
//! it is given and the API and the worker ask here: whether an endpoint receives deliveries (in Rust and as the SQL
//! the queue filters by), what a batch of outcomes does to an endpoint's health (the core's rule; FAILED deactivates
//! the endpoint), and what switching it on or off does (activation re-arms a FAILED endpoint).

use dropship_webhooks::delivery::RateLimit;

use crate::model::ErrorClass;
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
    /// The receiver answered 429, 502 or 504 ([`SLOW_DOWN_STATUSES`]): the endpoint is slowed down, for at least
    /// this many ms (its `Retry-After`; 0 when it gave none).
    pub slow_down_ms: Option<i64>,
}

/// The answers by which a receiver (or the proxy before it) says it is overwhelmed: Too Many Requests, Bad Gateway,
/// Gateway Timeout. The endpoint is paused rather than sent more of the same.
pub const SLOW_DOWN_STATUSES: [u16; 3] = [429, 502, 504];
/// The first pause after such an answer; each consecutive one doubles it.
pub const FIRST_SLOW_DOWN_MS: i64 = 1_000;
/// The longest pause, whatever `Retry-After` asks.
pub const MAX_SLOW_DOWN_MS: i64 = 10 * 60 * 1_000;

/// How far an endpoint is slowed down: consecutive slow-down answers, and until when (unix ms) no request goes to
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlowDown {
    /// Slow-down answers since the last success.
    pub level: i64,
    /// No request starts before this (unix ms of the service clock).
    pub until: Option<i64>,
}

/// The slow-down after a batch of outcomes, in order: each slow-down answer pauses the endpoint for
/// [`FIRST_SLOW_DOWN_MS`] doubled per consecutive one, or longer if its `Retry-After` asks, at most
/// [`MAX_SLOW_DOWN_MS`] (never shortening a pause already set); a success ends the streak.
pub fn slow_down_verdict(before: SlowDown, outcomes: &[Outcome], now_ms: i64) -> SlowDown {
    outcomes.iter().fold(before, |slow, outcome| match outcome.slow_down_ms {
        Some(asked) => {
            let level = slow.level.saturating_add(1).min(32);
            let doubled = FIRST_SLOW_DOWN_MS.saturating_mul(1 << (level - 1).clamp(0, 20));
            let pause = doubled.max(asked).min(MAX_SLOW_DOWN_MS);
            let until = now_ms.saturating_add(pause).max(slow.until.unwrap_or(i64::MIN));
            SlowDown { level, until: Some(until) }
        }
        None if outcome.succeeded => SlowDown::default(),
        None => slow,
    })
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

/// Upper bounds (ms) of the latency buckets the console's percentiles and charts are read from.
pub const LATENCY_BUCKETS_MS: [i64; 11] = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];

/// The class an attempt is counted under: empty for a success, HTTP failures by their family, other failures by
/// their error class.
pub fn outcome_class(succeeded: bool, error_class: Option<ErrorClass>, status_code: Option<i64>) -> String {
    match (succeeded, error_class) {
        (true, _) => String::new(),
        (false, Some(ErrorClass::Http)) if status_code.is_some_and(|code| code < 500) => "http 4xx".into(),
        (false, Some(ErrorClass::Http)) => "http 5xx".into(),
        (false, class) => class.map_or("other", ErrorClass::name).into(),
    }
}

/// Every class [`outcome_class`] counts a failure under: the error classes, HTTP split by family.
pub fn failure_classes() -> Vec<String> {
    ErrorClass::ALL
        .iter()
        .flat_map(|class| match class {
            ErrorClass::Http => vec!["http 4xx".to_owned(), "http 5xx".to_owned()],
            other => vec![other.name().to_owned()],
        })
        .collect()
}

/// The latency bucket of `latency_ms` ([`LATENCY_BUCKETS_MS`]; the last one is for anything slower).
pub fn latency_bucket(latency_ms: i64) -> i64 {
    LATENCY_BUCKETS_MS.iter().position(|bound| latency_ms < *bound).unwrap_or(LATENCY_BUCKETS_MS.len()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    fn failure(at: i64) -> Outcome {
        Outcome { succeeded: false, started_at_ms: at, gone: false, slow_down_ms: None }
    }

    #[test]
    fn slow_down_answers_pause_the_endpoint_longer_each_time_until_a_success() {
        let slowed = |asked| Outcome { slow_down_ms: Some(asked), ..failure(0) };
        let first = slow_down_verdict(SlowDown::default(), &[slowed(0)], 10_000);
        assert_eq!(first, SlowDown { level: 1, until: Some(11_000) });
        let third = slow_down_verdict(first, &[slowed(0), slowed(0)], 10_000);
        assert_eq!(third, SlowDown { level: 3, until: Some(14_000) });
        // Retry-After asks longer: granted, up to the maximum; a plain failure changes nothing.
        assert_eq!(slow_down_verdict(third, &[slowed(60_000)], 10_000).until, Some(70_000));
        assert_eq!(slow_down_verdict(third, &[slowed(i64::MAX)], 10_000).until, Some(10_000 + MAX_SLOW_DOWN_MS));
        assert_eq!(slow_down_verdict(third, &[failure(0)], 10_000), third);
        // A pause never shrinks, and the doubling stops at the maximum.
        assert_eq!(
            slow_down_verdict(SlowDown { level: 0, until: Some(50_000) }, &[slowed(0)], 10_000).until,
            Some(50_000)
        );
        let long = SlowDown { level: 40, until: None };
        assert_eq!(slow_down_verdict(long, &[slowed(0)], 0).until, Some(MAX_SLOW_DOWN_MS));
        // A success ends the streak.
        let success = Outcome { succeeded: true, ..failure(0) };
        assert_eq!(slow_down_verdict(third, &[success], 10_000), SlowDown::default());
    }

    #[test]
    fn three_days_of_failures_deactivate_and_activation_re_arms() {
        let healthy = EndpointState { enabled: true, health: EndpointHealth::HEALTHY };
        let failing = health_verdict(healthy, &[failure(0), failure(2 * DAY_MS)]);
        assert!(!failing.turned_failed && failing.state.is_active());
        let failed = health_verdict(failing.state, &[failure(3 * DAY_MS)]);
        assert!(failed.turned_failed && !failed.state.enabled && !failed.state.is_active());
        // A late success does not revive it; only its owner does.
        let late =
            health_verdict(failed.state, &[Outcome { succeeded: true, started_at_ms: 4 * DAY_MS, ..failure(0) }]);
        assert!(!late.turned_failed && !late.state.is_active());
        assert_eq!(failed.state.switched(true), healthy);
        assert_eq!(healthy.switched(false).switched(true), healthy);
        // 410 Gone switches it off at once, still HEALTHY; activation brings it back.
        let gone = health_verdict(healthy, &[Outcome { gone: true, ..failure(0) }]);
        assert!(gone.gone && !gone.turned_failed && !gone.state.enabled);
        assert_eq!(gone.state.switched(true), healthy);
    }

    #[test]
    fn pacing_spreads_starts_within_the_rate_and_the_pacing_window() {
        let now_us = 1_000_000_000;
        // 10 per second: one at once, the next each 100 ms after, none past the 250 ms window.
        let (starts, tat) = paced_starts(RateLimit(10), 0, now_us, 8, 250_000);
        assert_eq!(starts, [0, 100_000, 200_000]);
        // The rate's state moves past the last start, so the next claim goes on from there.
        let (next, _) = paced_starts(RateLimit(10), tat, now_us, 8, 250_000);
        assert!(next.is_empty(), "the window is used up: {next:?}");
        let (later, _) = paced_starts(RateLimit(10), tat, now_us + 100_000, 8, 250_000);
        assert_eq!(later, [200_000], "100 ms on, the next start is 200 ms away");
        // Unlimited: every request at once.
        let (all, _) = paced_starts(RateLimit(0), 0, now_us, 5, 0);
        assert_eq!(all, [0; 5]);
        // No room, no start.
        assert!(paced_starts(RateLimit(10), 0, now_us, 0, 250_000).0.is_empty());
    }

    #[test]
    fn outcome_classes_split_http_by_family_and_cover_every_error_class() {
        assert_eq!(outcome_class(true, None, Some(204)), "");
        assert_eq!(outcome_class(false, Some(ErrorClass::Http), Some(429)), "http 4xx");
        assert_eq!(outcome_class(false, Some(ErrorClass::Http), Some(503)), "http 5xx");
        assert_eq!(outcome_class(false, Some(ErrorClass::Dns), None), "dns");
        let classes = failure_classes();
        assert_eq!(classes.len(), ErrorClass::ALL.len() + 1);
        assert!(classes.contains(&"http 4xx".to_owned()) && !classes.contains(&"http".to_owned()));
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(10), 1);
        assert_eq!(latency_bucket(i64::MAX), i64::try_from(LATENCY_BUCKETS_MS.len()).unwrap_or(0));
    }
}
