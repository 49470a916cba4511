//! One shared waiter per store: a single source of wake-ups (SQLite: one file watcher and one
//! read connection; PostgreSQL: one `LISTEN` connection) serves every wait of the process.
//! A waiting call only registers its bells and parks on a condition variable; a wait can be
//! cancelled ([`CancelToken`]). Before this, each wait held a thread, a watcher (an inotify
//! instance) and a connection of its own, and a client that left its waits behind used up the
//! user's 128 inotify instances and the server's threads.
//!
//! Rings can be lost (a writer killed between its commit and its ring, a file event the
//! kernel dropped). Where the engine says so ([`WakeSource::sweep_every`]), one thread per hub
//! sweeps the feed on a slow timer and rings again the bells of what was committed since its
//! last sweep, for the waiters registered here only: the safety net costs one read per
//! process, not one per waiting agent (1,000 agents each looking every 500 ms made 2,000 feed
//! reads a second beside a busy writer).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
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

    /// The waiters of these bells may have something to look at (one wake-up for all).
    pub(crate) fn ring_many(&self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        let mut s = self.lock();
        for name in names {
            *s.counts.entry(name.clone()).or_default() += 1;
        }
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

    /// How often each waiter looks on its own when nothing rings (a lost event); `None`: never,
    /// the hub's sweep stands in ([`WakeSource::sweep_every`]).
    fn timer(&self) -> Option<Duration>;

    /// How often the hub sweeps the feed for commits whose rings may have been lost (read at
    /// each sweep: the engine's way of hearing may change); `None`: no sweep.
    fn sweep_every(&self) -> Option<Duration> {
        None
    }

    /// What was committed since the last sweep (the first sweep: since the source was made),
    /// as bells to ring.
    fn sweep(&self) -> Result<Swept> {
        Ok(Swept::Bells(BTreeSet::new()))
    }
}

/// What a sweep of the feed found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Swept {
    /// The bells of the changes committed since the last sweep.
    Bells(BTreeSet<Bell>),
    /// More than a sweep reads at once: every waiter looks.
    Everyone,
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
        let hub = Arc::new(Hub {
            rings,
            source,
            refs: Mutex::default(),
        });
        if hub.source.sweep_every().is_some() {
            let weak = Arc::downgrade(&hub);
            std::thread::Builder::new()
                .name("agor-wake-sweep".into())
                .spawn(move || sweeper(&weak))
                .map_err(|e| {
                    crate::error::StorageError::new(format!("cannot start the waiter's sweep: {e}"))
                })?;
        }
        Ok(hub)
    }

    /// Rings what a sweep found, for the bells someone here hears (a ring nobody hears would
    /// only grow the counts).
    fn ring_swept(&self, swept: Swept) {
        match swept {
            Swept::Everyone => self.rings.ring_all(),
            Swept::Bells(bells) => {
                let names: Vec<String> = {
                    let refs = self.refs.lock().unwrap_or_else(|e| e.into_inner());
                    bells
                        .iter()
                        .filter(|b| refs.contains_key(*b))
                        .map(Bell::name)
                        .collect()
                };
                self.rings.ring_many(&names);
            }
        }
    }

    fn anyone_waits(&self) -> bool {
        !self
            .refs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
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

/// The hub's sweep, on its own thread until the hub is gone: while anyone waits, every
/// [`WakeSource::sweep_every`] it rings the bells of what was committed since its last sweep.
/// A sweep that fails rings everyone (each waiter then looks, and meets the error itself).
fn sweeper(hub: &Weak<Hub>) {
    loop {
        let Some(every) = hub.upgrade().and_then(|h| h.source.sweep_every()) else {
            return;
        };
        std::thread::sleep(every);
        let Some(hub) = hub.upgrade() else { return };
        if !hub.anyone_waits() {
            continue;
        }
        match hub.source.sweep() {
            Ok(swept) => hub.ring_swept(swept),
            Err(_) => hub.rings.ring_all(),
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
            let due = timer.is_some_and(|t| self.looked.elapsed() >= t);
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
            let park = timer.map_or(left, |t| left.min(t.saturating_sub(self.looked.elapsed())));
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
