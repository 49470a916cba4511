//! Time as the core sees it. Every rule that depends on the time (leases, staleness,
//! heartbeats) and every time a row stores (a transaction's [`Now`]) comes from the store's
//! [`Clock`], so tests move time instead of editing rows.

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

/// One reading of the store's clock, taken when a transaction begins and handed down with it
/// ([`crate::storage::Tx::now`]): every time a write stores comes from the store's [`Clock`], so
/// a test's [`ManualClock`] governs every timestamp, and one transaction writes one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Now {
    ms: i64,
}

impl Now {
    /// The clock's time now.
    pub(crate) fn of(clock: &dyn Clock) -> Now {
        Now { ms: clock.now_ms() }
    }

    /// Whole seconds since the Unix epoch (the unit of `heartbeats.timestamp`).
    pub(crate) fn secs(self) -> i64 {
        secs(self.ms)
    }

    /// In the legacy timestamp format (`YYYY-MM-DD HH:MM:SS`, UTC), as `datetime('now')` wrote.
    pub(crate) fn sql(self) -> String {
        sql_time(self.ms)
    }
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

    /// Every time a write stores comes from the store's clock (issue 20: `sql_now()` read the
    /// system clock in 35 places): with the clock set in 2001, no row says another year.
    #[test]
    fn the_store_clock_stamps_every_row() {
        use crate::{NewAgent, NewTask, Store};
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::at_ms(978_307_200_000); // 2001-01-01 00:00:00 UTC
        let store = Store::builder()
            .path(dir.path().join("t.db"))
            .clock(Arc::new(clock))
            .open()
            .unwrap();
        store
            .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
            .unwrap();
        store
            .register_agent(&NewAgent::new("dev", "D", "project", "g"))
            .unwrap();
        store.allow("mgr", "dev", true).unwrap();
        let mgr = store.as_agent("mgr").unwrap();
        let sent = mgr.send("dev", "hello").unwrap();
        let task = mgr.create_task(&NewTask::new("t")).unwrap();
        let comment = mgr.comment(&task.id, "note").unwrap();
        let hb = store.as_agent("dev").unwrap().heartbeat().unwrap();
        let mut times = vec![
            ("task created", task.created_at.clone()),
            ("task updated", task.updated_at.clone()),
            ("comment", comment.created_at),
        ];
        times.push(("message", sent.created_at));
        for e in store.audit_log(None, 100).unwrap() {
            times.push(("audit", e.created_at));
        }
        for c in mgr.changes(0, 100).unwrap() {
            times.push(("change", c.created_at));
        }
        for a in store.list_agents(None).unwrap() {
            times.push(("agent", a.created_at));
        }
        assert!(times.len() > 8, "{times:?}");
        for (what, t) in times {
            assert!(
                t.starts_with("2001-01-01"),
                "{what} stamped {t}, not by the store's clock"
            );
        }
        assert_eq!(hb.timestamp, 978_307_200);
    }
}
