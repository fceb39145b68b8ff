//! Time as a dependency. The service reads "now" only through a [`Clock`], so a test can jump three days ahead
//! ([`ManualClock`]) and the demo can run its retry schedule sixty times faster ([`ScaledClock`]).
//!
//! The clock governs scheduling, leases, secret expiry and health; the `webhook-timestamp` a receiver checks is
//! always the real wall time, since receivers verify against their own real clocks.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time, in unix milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// The current time in unix milliseconds.
    fn now_ms(&self) -> i64;

    /// How long to sleep in real time for `ms` of this clock's time to pass (rounded up, at least 1 ms when
    /// `ms > 0`). A manual clock answers with a short poll interval, since only the test moves it.
    fn real_duration(&self, ms: i64) -> Duration;

    /// The current time in unix seconds.
    fn now_seconds(&self) -> u64 {
        u64::try_from(self.now_ms().max(0) / 1000).unwrap_or(0)
    }
}

/// The real wall time in unix milliseconds.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The real wall clock: production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        wall_ms()
    }

    fn real_duration(&self, ms: i64) -> Duration {
        Duration::from_millis(u64::try_from(ms.max(0)).unwrap_or(0))
    }
}

/// A clock that starts at the wall time and runs `factor` times faster: the demo shows a retry schedule of minutes
/// in seconds.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    origin_ms: i64,
    started: Instant,
    factor: u32,
}

impl ScaledClock {
    /// Starts now, running `factor` times faster than real time (at least 1).
    pub fn new(factor: u32) -> Self {
        Self { origin_ms: wall_ms(), started: Instant::now(), factor: factor.max(1) }
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.origin_ms.saturating_add(elapsed.saturating_mul(i64::from(self.factor)))
    }

    fn real_duration(&self, ms: i64) -> Duration {
        let ms = u64::try_from(ms.max(0)).unwrap_or(0);
        Duration::from_millis(ms.div_ceil(u64::from(self.factor)))
    }
}

/// A clock that moves only when told to: tests.
#[derive(Debug)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Self { now_ms: AtomicI64::new(now_ms) }
    }

    /// Moves the clock forward by `ms`.
    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance_seconds(&self, seconds: i64) {
        self.advance_ms(seconds.saturating_mul(1000));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn real_duration(&self, ms: i64) -> Duration {
        if ms <= 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(5)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_clock_runs_faster_and_sleeps_shorter() {
        let clock = ScaledClock::new(60);
        assert_eq!(clock.real_duration(60_000), Duration::from_secs(1));
        assert_eq!(clock.real_duration(1), Duration::from_millis(1));
        let before = clock.now_ms();
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now_ms() - before >= 20 * 60);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance_seconds(3 * 24 * 3600);
        assert_eq!(clock.now_seconds(), 1 + 3 * 24 * 3600);
    }
}
