//! Time as the core sees it. Every rule that depends on the time (leases, staleness,
//! heartbeats) reads it from the store's [`Clock`], so tests move time instead of editing rows.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of the current time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock; the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that stands still until moved, for tests. Clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing the current system time.
    pub fn new() -> Self {
        ManualClock::at_ms(SystemClock.now_ms())
    }

    /// A clock showing `ms` milliseconds since the Unix epoch.
    pub fn at_ms(ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }

    /// Moves the clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the clock (and every clone of it) to `ms`.
    pub fn set_ms(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Whole seconds of a millisecond time, rounded down (the unit of `heartbeats.timestamp`).
pub(crate) fn secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// Whole seconds of a millisecond deadline, rounded up, so a seconds-only reader of the
/// legacy-visible column never sees a lease end before it really does.
pub(crate) fn secs_ceil(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// A millisecond time in the legacy timestamp format (`datetime('now')`:
/// `YYYY-MM-DD HH:MM:SS`, UTC).
pub(crate) fn sql_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The system time in the legacy timestamp format, for rows built in Rust and returned
/// without reading them back (the same time `datetime('now')` writes in SQL).
pub(crate) fn sql_now() -> String {
    sql_time(SystemClock.now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(secs(1_999), 1);
        assert_eq!(secs_ceil(1_999), 2);
        assert_eq!(secs_ceil(2_000), 2);
        assert_eq!(secs(-1), -1);
        assert_eq!(sql_time(0), "1970-01-01 00:00:00");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_ms(5_000);
        let shared = c.clone();
        assert_eq!(c.now_ms(), 5_000);
        shared.advance(Duration::from_millis(1_500));
        assert_eq!(c.now_ms(), 6_500);
    }
}
