//! How senders behave (DESIGN.md §5), as pure functions: the retry schedule with jitter, `Retry-After`, endpoint
//! health, and rate/burst limits. Time and randomness always come from the caller, so the same inputs give the same
//! answer in every language and in tests.

use alloc::string::String;

use serde::Serialize;

use crate::error::WebhookError;
use crate::options::{in_casing, option_set, write_member, Casing, OptionKind, WriteOption};
use crate::wire::JsonNode;

/// One second in milliseconds.
const SECOND_MS: u64 = 1_000;
/// Three days: how long an endpoint may fail before it is FAILED.
pub const DEFAULT_FAILURE_WINDOW_SECONDS: u64 = 3 * 24 * 3600;

option_set! {
    writable
    /// The retry schedule: after the n-th failed attempt wait `min(base × factorⁿ⁻¹, max)`, then add jitter.
    ///
    /// The default gives 30 s, 1 m, 2 m, 4 m, 8 m, 16 m, 32 m, 64 m, 2 h, 2 h (the platforms' documented schedule),
    /// so a message is attempted 11 times over about 6 hours before it is given up.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RetrySchedule {
        /// Delay after the first failure, in milliseconds.
        base_delay_ms "baseDelayMs": u64 = 30 * SECOND_MS,
        /// Growth factor between consecutive delays.
        factor "factor": u32 = 2,
        /// Cap of the nominal delay, in milliseconds.
        max_delay_ms "maxDelayMs": u64 = 2 * 3600 * SECOND_MS,
        /// How many retries follow the first attempt before the message is given up.
        max_retries "maxRetries": u32 = 10,
        /// Jitter as a percentage of the nominal delay, applied both ways (0 to 100).
        jitter_percent "jitterPercent": u32 = 20,
        /// The shortest wait a `Retry-After` header can ask for, in milliseconds.
        min_retry_after_ms "minRetryAfterMs": u64 = SECOND_MS,
    }
}

impl RetrySchedule {
    /// A schedule from options (JSON text) in `casing` (absent fields take the defaults), checked by [`RetrySchedule::validate`];
    /// errors name the field in `casing`.
    pub fn from_options(options: Option<&str>, casing: Casing) -> Result<Self, WebhookError> {
        Self::from_json(options, casing)?.validate().map_err(|error| in_casing(error, Self::FIELD_NAMES, casing))
    }

    /// Checks the settings: a factor of at least 1, jitter of at most 100 %, a cap not below the base nor below the
    /// shortest `Retry-After`.
    pub fn validate(&self) -> Result<Self, WebhookError> {
        let invalid = |name, problem| Err(WebhookError::InvalidOption { name, problem });
        if self.factor == 0 {
            return invalid("factor", "it must be at least 1");
        }
        if self.jitter_percent > 100 {
            return invalid("jitterPercent", "it must be between 0 and 100");
        }
        if self.max_delay_ms < self.base_delay_ms {
            return invalid("maxDelayMs", "it must not be below baseDelayMs");
        }
        if self.min_retry_after_ms > self.max_delay_ms {
            return invalid("minRetryAfterMs", "it must not be above maxDelayMs");
        }
        Ok(*self)
    }

    /// The delay before retry number `failures` without jitter, or `None` once the retries are used up.
    pub fn nominal_delay_ms(&self, failures: u32) -> Option<u64> {
        if failures == 0 || failures > self.max_retries {
            return None;
        }
        let growth = u64::from(self.factor).checked_pow(failures - 1).unwrap_or(u64::MAX);
        Some(self.base_delay_ms.saturating_mul(growth).min(self.max_delay_ms))
    }

    /// The delay before the next attempt after `failures` failed attempts, with jitter from `random` in `[0, 1)`,
    /// or `None` when the message should be given up.
    ///
    /// Integer arithmetic only, so every language computes the same millisecond: `u = ⌊random × 2³²⌋`,
    /// `spread = ⌊nominal × jitter% / 100⌋`, `delay = nominal + ⌊spread × (2u − 2³²) / 2³²⌋`.
    pub fn next_delay_ms(&self, failures: u32, random: f64) -> Option<u64> {
        let nominal = self.nominal_delay_ms(failures)?;
        let unit = random_to_u32(random);
        // ⌊n × j / 100⌋ without a 128-bit division: n = 100q + r gives q × j + ⌊r × j / 100⌋ (q × j ≤ n fits).
        let jitter = u64::from(self.jitter_percent.min(100));
        let spread = nominal / 100 * jitter + nominal % 100 * jitter / 100;
        // Dividing by 2³² and flooring is an arithmetic shift by 32.
        let offset = (i128::from(spread) * (2 * i128::from(unit) - (1i128 << 32))) >> 32;
        u64::try_from(i128::from(nominal) + offset).ok()
    }

    /// The wait a response's `Retry-After` asks for, clamped to `[min_retry_after_ms, max_delay_ms]`; `None` if the
    /// header is absent or unreadable (then the schedule applies).
    ///
    /// Accepts delay-seconds (`120`) and HTTP dates (`Sun, 06 Nov 1994 08:49:37 GMT`, relative to `now`).
    pub fn retry_after_ms(&self, header: Option<&str>, now: u64) -> Option<u64> {
        let seconds = parse_retry_after(header?, now)?;
        // max-then-min rather than clamp: clamp panics when an unvalidated schedule has min above max.
        Some(seconds.saturating_mul(SECOND_MS).max(self.min_retry_after_ms).min(self.max_delay_ms))
    }
}

/// Maps a float in `[0, 1)` to `0..2³²`; values outside (or NaN) are clamped.
fn random_to_u32(random: f64) -> u32 {
    if random.is_nan() || random <= 0.0 {
        return 0;
    }
    if random >= 1.0 {
        return u32::MAX;
    }
    // Multiplying by a power of two is exact; the float-to-int cast truncates (floor for positives).
    (random * 4_294_967_296.0) as u32
}

/// Seconds to wait, from delay-seconds or an IMF-fixdate (RFC 9110 §10.2.3); a date in the past means 0.
fn parse_retry_after(value: &str, now: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 12 && value.bytes().all(|byte| byte.is_ascii_digit()) {
        return value.parse().ok();
    }
    let at = parse_http_date(value)?;
    Some(at.saturating_sub(now))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` into unix seconds.
fn parse_http_date(value: &str) -> Option<u64> {
    let mut parts = value.split(' ').filter(|part| !part.is_empty());
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|name| *name == month_name)?;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|field| field.parse::<u64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_since_epoch(year, month as u64 + 1, day)?;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), for years from 1970.
fn days_since_epoch(year: u64, month: u64, day: u64) -> Option<u64> {
    let leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day > *month_days.get(usize::try_from(month - 1).ok()?)? {
        return None;
    }
    let years: u64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let months: u64 = month_days.iter().take(usize::try_from(month - 1).ok()?).sum();
    Some(years + months + day - 1)
}

/// Whether an endpoint accepts deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HealthStatus {
    /// Accepting requests, or failing for less than the window.
    Healthy,
    /// Failed to accept requests for the whole window: deactivated until re-activated.
    Failed,
}

impl HealthStatus {
    /// `"HEALTHY"` or `"FAILED"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Healthy => "HEALTHY",
            Self::Failed => "FAILED",
        }
    }

    /// Parses `"HEALTHY"` or `"FAILED"` (any case).
    pub fn from_name(name: &str) -> Result<Self, WebhookError> {
        if name.eq_ignore_ascii_case("HEALTHY") {
            Ok(Self::Healthy)
        } else if name.eq_ignore_ascii_case("FAILED") {
            Ok(Self::Failed)
        } else {
            Err(WebhookError::InvalidOption { name: "status", problem: "it must be \"HEALTHY\" or \"FAILED\"" })
        }
    }
}

option_set! {
    writable
    /// An endpoint's health: its status and, while it is failing, since when (unix seconds).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EndpointHealth {
        /// HEALTHY or FAILED.
        status "status": HealthStatus = HealthStatus::Healthy,
        /// The first failure of the current streak (no success since), if failing.
        failing_since "failingSince": Option<u64> = None,
    }
}

impl WriteOption for HealthStatus {
    fn write(&self, out: &mut String) {
        String::from(self.name()).write(out);
    }
}

impl OptionKind for HealthStatus {
    fn read(value: JsonNode<'_, '_>, name: &'static str, casing: Casing) -> Result<Self, WebhookError> {
        Self::from_name(&String::read(value, name, casing)?)
    }
}

impl EndpointHealth {
    /// A healthy endpoint with no failures.
    pub const HEALTHY: Self = Self { status: HealthStatus::Healthy, failing_since: None };

    /// After a delivery the endpoint accepted (2xx): healthy, streak cleared.
    #[must_use]
    pub fn record_success(self) -> Self {
        if self.status == HealthStatus::Failed {
            // A FAILED endpoint receives nothing until re-activated; a late success does not revive it.
            return self;
        }
        Self::HEALTHY
    }

    /// After a failed delivery at `now`: starts or extends the streak; FAILED once it has lasted `window` seconds.
    ///
    /// Being rate-limited by the sender's own limits is not a failure; a 429 from the endpoint is.
    #[must_use]
    pub fn record_failure(self, now: u64, window_seconds: u64) -> Self {
        let since = self.failing_since.map_or(now, |since| since.min(now));
        let status = if self.status == HealthStatus::Failed || now.saturating_sub(since) >= window_seconds {
            HealthStatus::Failed
        } else {
            HealthStatus::Healthy
        };
        Self { status, failing_since: Some(since) }
    }

    /// Re-activation by the endpoint's owner: healthy again, with a fresh streak; pending deliveries resume.
    #[must_use]
    pub fn reactivate(self) -> Self {
        Self::HEALTHY
    }

    /// Whether deliveries may be attempted.
    pub fn is_active(self) -> bool {
        self.status == HealthStatus::Healthy
    }
}

/// A rate limit in requests per second; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimit(pub u32);

impl RateLimit {
    /// Whether the limit is off.
    pub fn is_unlimited(self) -> bool {
        self.0 == 0
    }

    /// The spacing between requests in microseconds, or `None` when unlimited.
    pub fn interval_us(self) -> Option<u64> {
        (self.0 != 0).then(|| 1_000_000 / u64::from(self.0))
    }

    /// [`RateLimit::check`] as an answer the bindings hand back: `{nextTatUs}` or `{waitUs}`.
    pub fn decide(self, tat_us: u64, now_us: u64) -> RateDecision {
        match self.check(tat_us, now_us) {
            Ok(next) => RateDecision { next_tat_us: Some(next), wait_us: None },
            Err(wait) => RateDecision { next_tat_us: None, wait_us: Some(wait) },
        }
    }

    /// Generic cell rate algorithm step: given the theoretical arrival time `tat_us` (0 initially) and `now_us`,
    /// `Ok(next_tat)` if a request may go now, or `Err(wait_us)` until it may.
    pub fn check(self, tat_us: u64, now_us: u64) -> Result<u64, u64> {
        let Some(interval) = self.interval_us() else { return Ok(now_us) };
        if tat_us > now_us {
            return Err(tat_us - now_us);
        }
        Ok(now_us.saturating_add(interval))
    }
}

impl RateDecision {
    /// The answer as JSON text in `casing`: `{"nextTatUs": …}` or `{"waitUs": …}`, the unset field left out.
    pub fn to_json(&self, casing: Casing) -> String {
        let mut out = String::from("{");
        if let Some(next) = self.next_tat_us {
            write_member(&mut out, casing.pick("nextTatUs", "next_tat_us"), &next);
        }
        if let Some(wait) = self.wait_us {
            write_member(&mut out, casing.pick("waitUs", "wait_us"), &wait);
        }
        out.push('}');
        out
    }
}

/// One rate-limiter step's answer: exactly one field is set (the other is not written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateDecision {
    /// The request may go now; the new theoretical arrival time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_tat_us: Option<u64>,
    /// The request must wait this long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_us: Option<u64>,
}

/// A burst limit: how many requests may be in flight at once; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BurstLimit(pub u32);

impl BurstLimit {
    /// Whether the limit is off.
    pub fn is_unlimited(self) -> bool {
        self.0 == 0
    }

    /// Whether one more request may start while `in_flight` are running.
    pub fn allows(self, in_flight: u32) -> bool {
        self.0 == 0 || in_flight < self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn default_schedule_matches_the_documented_one() {
        let schedule = RetrySchedule::default();
        let minutes: alloc::vec::Vec<u64> =
            (1..=11).filter_map(|n| schedule.nominal_delay_ms(n)).map(|ms| ms / 1000).collect();
        assert_eq!(minutes, [30, 60, 120, 240, 480, 960, 1920, 3840, 7200, 7200]);
        assert_eq!(schedule.nominal_delay_ms(0), None);
    }

    #[test]
    fn options_merge_with_the_defaults_in_either_casing() {
        let three = RetrySchedule { factor: 3, ..RetrySchedule::default() };
        assert_eq!(RetrySchedule::from_options(Some(r#"{"factor": 3, "maxRetries": null}"#), Casing::Camel), Ok(three));
        assert_eq!(RetrySchedule::from_options(None, Casing::Snake), Ok(RetrySchedule::default()));
        let too_big = RetrySchedule::from_options(Some(r#"{"max_retries": 4294967296}"#), Casing::Snake);
        assert_eq!(
            too_big,
            Err(WebhookError::InvalidOption { name: "max_retries", problem: "it must be below 4294967296" })
        );
        let below = RetrySchedule::from_options(Some(r#"{"max_delay_ms": 1}"#), Casing::Snake);
        assert!(matches!(below, Err(WebhookError::InvalidOption { name: "max_delay_ms", .. })), "{below:?}");
        let below = RetrySchedule::from_options(Some(r#"{"maxDelayMs": 1}"#), Casing::Camel);
        assert!(matches!(below, Err(WebhookError::InvalidOption { name: "maxDelayMs", .. })), "{below:?}");
    }

    #[test]
    fn option_names_are_the_serialized_names() {
        let written = serde_json::to_value(RetrySchedule::default()).unwrap();
        let names: Vec<&str> = RetrySchedule::FIELD_NAMES.iter().map(|(camel, _)| *camel).collect();
        assert_eq!(written.as_object().unwrap().keys().map(String::as_str).collect::<Vec<_>>().len(), names.len());
        assert!(names.iter().all(|name| written.get(name).is_some()));
        let health = serde_json::to_value(EndpointHealth::HEALTHY).unwrap();
        assert!(EndpointHealth::FIELD_NAMES.iter().all(|(camel, _)| health.get(camel).is_some()));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.next_delay_ms(1, 0.0), Some(24_000));
        assert_eq!(schedule.next_delay_ms(1, 0.5), Some(30_000));
        assert!(schedule.next_delay_ms(1, 0.999_999).is_some_and(|ms| (35_999..36_000).contains(&ms)));
    }

    #[test]
    fn http_dates_parse() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), Some(1_709_164_800));
        assert_eq!(parse_http_date("Thu, 30 Feb 2024 00:00:00 GMT"), None);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
    }

    #[test]
    fn health_fails_after_the_window_and_reactivates() {
        let day = 86_400;
        let health = EndpointHealth::HEALTHY.record_failure(0, 3 * day).record_failure(2 * day, 3 * day);
        assert!(health.is_active());
        let failed = health.record_failure(3 * day, 3 * day);
        assert_eq!(failed.status, HealthStatus::Failed);
        assert_eq!(failed.reactivate(), EndpointHealth::HEALTHY);
    }

    #[test]
    fn limits() {
        assert_eq!(RateLimit(4).check(0, 1_000), Ok(251_000));
        assert_eq!(RateLimit(4).check(251_000, 1_000), Err(250_000));
        assert_eq!(RateLimit(0).check(u64::MAX, 5), Ok(5));
        assert!(BurstLimit(2).allows(1) && !BurstLimit(2).allows(2) && BurstLimit(0).allows(u32::MAX));
    }
}
