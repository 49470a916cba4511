//! One shared waiter per store: a single source of wake-ups (SQLite: one file watcher and one
//! read connection; PostgreSQL: one `LISTEN` connection) serves every wait of the process.
//! A waiting call only registers its bells and parks on a condition variable; a wait can be
//! cancelled ([`CancelToken`]). Before this, each wait held a thread, a watcher (an inotify
//! instance) and a connection of its own, and a client that left its waits behind used up the
//! user's 128 inotify instances and the server's threads.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::cancel::CancelToken;
use crate::error::Result;
use crate::storage::{Bell, ChangeSignal, Listener};

/// How rings reach waiters: a counter per bell name, bumped by the source's own thread.
#[derive(Default)]
pub(crate) struct Rings {
    state: Mutex<RingState>,
    cond: Condvar,
}

#[derive(Default)]
struct RingState {
    /// Rings per bell name since the hub started.
    counts: HashMap<String, u64>,
    /// Rings that may concern anyone (a change of the database's folder, a lost source).
    all: u64,
}

impl RingState {
    fn seen(&self, names: &[String]) -> u64 {
        names
            .iter()
            .filter_map(|n| self.counts.get(n))
            .fold(self.all, |s, c| s.wrapping_add(*c))
    }

    /// [`RingState::seen`] of a waiter of `names`, or of every bell (`any`).
    fn seen_by(&self, names: &[String], any: bool) -> u64 {
        if any {
            self.counts
                .values()
                .fold(self.all, |s, c| s.wrapping_add(*c))
        } else {
            self.seen(names)
        }
    }
}

impl Rings {
    fn lock(&self) -> MutexGuard<'_, RingState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The waiters of the bell named `name` may have something to look at.
    pub(crate) fn ring(&self, name: &str) {
        let mut s = self.lock();
        *s.counts.entry(name.to_owned()).or_default() += 1;
        self.cond.notify_all();
    }

    /// Every waiter may have something to look at.
    pub(crate) fn ring_all(&self) {
        let mut s = self.lock();
        s.all = s.all.wrapping_add(1);
        self.cond.notify_all();
    }

    fn wake(&self) {
        let _s = self.lock();
        self.cond.notify_all();
    }
}

/// What an engine provides to the hub: listening for bells, and judging a wake-up.
pub(crate) trait WakeSource: Send + Sync {
    /// Starts hearing these bells (each the first registration of its bell); rings go to the
    /// hub's [`Rings`]. On return, a commit that rings one of them is heard.
    fn listen(&self, bells: &[Bell]) -> Result<()>;

    /// Stops hearing these bells (the last registration of each went away).
    fn unlisten(&self, bells: &[Bell]);

    /// A mark of the database's state now, for [`WakeSource::changed`] (SQLite: `PRAGMA
    /// data_version`; engines whose rings are exact: 0).
    fn mark(&self) -> Result<i64>;

    /// Whether a commit may have happened since `mark` (updated): called after a ring
    /// (`rung`) or on the slow timer.
    fn changed(&self, mark: &mut i64, rung: bool) -> Result<bool>;

    /// How often a waiter looks when nothing rings (writers that ring nothing, a lost event).
    fn timer(&self) -> Duration;
}

/// The shared waiter of one store.
pub(crate) struct Hub {
    rings: Arc<Rings>,
    source: Box<dyn WakeSource>,
    /// How many registrations hear each bell.
    refs: Mutex<HashMap<Bell, usize>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub whose source `make` builds, handing it the rings it bumps.
    pub(crate) fn new(
        make: impl FnOnce(Arc<Rings>) -> Result<Box<dyn WakeSource>>,
    ) -> Result<Arc<Hub>> {
        let rings = Arc::new(Rings::default());
        let source = make(rings.clone())?;
        Ok(Arc::new(Hub {
            rings,
            source,
            refs: Mutex::default(),
        }))
    }

    /// A wake-up for one waiter: its bells are heard from now on, until it is dropped.
    pub(crate) fn signal(self: &Arc<Hub>, who: &Listener) -> Result<Box<dyn ChangeSignal>> {
        let bells = who.bells();
        {
            let mut refs = self.refs.lock().unwrap_or_else(|e| e.into_inner());
            let new: Vec<Bell> = bells
                .iter()
                .filter(|b| !refs.contains_key(*b))
                .cloned()
                .collect();
            if !new.is_empty() {
                self.source.listen(&new)?;
            }
            for b in &bells {
                *refs.entry(b.clone()).or_default() += 1;
            }
        }
        let names: Vec<String> = bells.iter().map(Bell::name).collect();
        let seen = self.rings.lock().seen_by(&names, who.any_ring);
        let mark = match self.source.mark() {
            Ok(m) => m,
            Err(e) => {
                self.release(&bells);
                return Err(e);
            }
        };
        Ok(Box::new(HubSignal {
            hub: self.clone(),
            bells,
            names,
            any: who.any_ring,
            seen,
            mark,
            looked: Instant::now(),
        }))
    }

    fn release(&self, bells: &[Bell]) {
        let mut refs = self.refs.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = Vec::new();
        for b in bells {
            if let Some(n) = refs.get_mut(b) {
                *n -= 1;
                if *n == 0 {
                    refs.remove(b);
                    gone.push(b.clone());
                }
            }
        }
        if !gone.is_empty() {
            self.source.unlisten(&gone);
        }
    }
}

/// One waiter's registration with the hub.
struct HubSignal {
    hub: Arc<Hub>,
    bells: Vec<Bell>,
    names: Vec<String>,
    /// Whether any bell's ring wakes it ([`Listener::any_ring`]).
    any: bool,
    /// The sum of its bells' rings when it last looked.
    seen: u64,
    /// The source's mark at the last wake-up.
    mark: i64,
    /// When the slow timer last looked.
    looked: Instant,
}

impl Drop for HubSignal {
    fn drop(&mut self) {
        self.hub.release(&self.bells);
    }
}

impl ChangeSignal for HubSignal {
    fn wait(&mut self, timeout: Duration, cancel: Option<&CancelToken>) -> Result<bool> {
        let deadline = Instant::now().checked_add(timeout);
        let rings = self.hub.rings.clone();
        let _woken_on_cancel = cancel.map(|c| {
            let rings = rings.clone();
            c.on_cancel(move || rings.wake())
        });
        let cancelled = || cancel.is_some_and(CancelToken::is_cancelled);
        let timer = self.hub.source.timer();
        loop {
            let rung = {
                let now = rings.lock().seen_by(&self.names, self.any);
                let rung = now != self.seen;
                self.seen = now;
                rung
            };
            let due = self.looked.elapsed() >= timer;
            if rung || due {
                if due {
                    self.looked = Instant::now();
                }
                let changed = self.hub.source.changed(&mut self.mark, rung)?;
                // An any-ring signal answers every ring: the later bells of a commit whose
                // first bell it already answered are what the waiters it polls hear.
                if changed || (rung && self.any) {
                    return Ok(true);
                }
            }
            if cancelled() {
                return Ok(false);
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Ok(false);
            }
            let park = left.min(timer.saturating_sub(self.looked.elapsed()));
            let state = rings.lock();
            // Checked under the lock the ringer and the canceller take: nothing is missed
            // between the look above and the sleep.
            if state.seen_by(&self.names, self.any) == self.seen && !cancelled() {
                let _ = rings
                    .cond
                    .wait_timeout(state, park)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }
}
