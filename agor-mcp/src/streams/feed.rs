//! One read of the change feed per principal, shared by all its streams: every event stream
//! and subscription of one principal follows the same [`Feed`], whose one waiter looks once
//! per wake-up and keeps the newest changes in a bounded buffer; each [`Follower`] keeps its
//! own cursor and takes what is newer than it from the buffer. Before this, 100 streams of
//! one principal ran 100 identical feed queries per commit (on SQLite, 100 read transactions
//! competing with the writer). A follower whose cursor is older than the buffer (a resumed
//! `Last-Event-ID`, a client that lagged) reads from its cursor itself until it catches up,
//! so a slow client neither holds the others back nor grows the buffer.
//!
//! What a principal sees is unchanged: the shared waiter is the principal's own (its sight
//! judged at each look), and a follower is handed exactly what a look of its own from its
//! cursor would have returned.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use agor_core::{CancelToken, Change, Store, TokenHolder, Waiter};

/// The most changes a feed keeps for its followers; one further behind reads for itself.
const BUFFERED: usize = 1024;
/// How long the shared waiter waits in one call (it ends sooner when its last follower goes).
const SLICE: Duration = Duration::from_secs(60);
/// How often a feed looks at most under a stream of commits ([`Waiter::look_at_most_every`];
/// a first change after quiet is looked at at once), each time with everything since. Each
/// look wakes every follower's thread (100 event streams of one principal: 100 threads), and
/// those wake-ups, not the reading, were most of a serving process's CPU while a writer
/// committed thousands of changes a second (at a waiter's default, every 10 ms). A stream's
/// event is then at most this much later.
const FEED_GAP: Duration = Duration::from_millis(50);

/// A change as the feeds hand it out: one allocation shared by every follower that takes it
/// from the buffer (a DM's text is not copied per stream), with its wire form made once for
/// all of them (100 event streams of one principal serialize a change once, not 100 times).
#[derive(Debug)]
pub(crate) struct Fed {
    change: Change,
    rendered: OnceLock<String>,
}

impl Fed {
    fn new(change: Change) -> Arc<Fed> {
        Arc::new(Fed {
            change,
            rendered: OnceLock::new(),
        })
    }

    /// The change as `render` writes it, made by the first follower that asks. Every caller
    /// of one process passes the same `render` (the event stream's), so the first one's text
    /// serves all. Followers that ask at the same moment each render it rather than wait for
    /// the first (`get_or_init` would park them on a futex: 100 streams woken by one look
    /// spent more time parked there than rendering would take).
    pub(crate) fn rendered(&self, render: fn(&Change) -> String) -> &str {
        if let Some(text) = self.rendered.get() {
            return text;
        }
        let _ = self.rendered.set(render(&self.change));
        self.rendered.get().map_or("", String::as_str)
    }
}

impl std::ops::Deref for Fed {
    type Target = Change;
    fn deref(&self) -> &Change {
        &self.change
    }
}

/// The feeds open in a process, one per principal that has a stream.
#[derive(Debug, Default)]
pub(crate) struct Feeds {
    open: Arc<Mutex<HashMap<TokenHolder, Arc<Feed>>>>,
    counts: Arc<Counts>,
}

/// How many reads the feeds made, for tests.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// Looks of the shared waiters that found something.
    pub(crate) shared: AtomicUsize,
    /// Reads a follower made for itself (catching up from a cursor older than the buffer).
    pub(crate) own: AtomicUsize,
}

/// One principal's shared feed.
#[derive(Debug)]
struct Feed {
    state: Mutex<State>,
    grew: Condvar,
    /// Ends the shared waiter (its last follower went).
    stop: CancelToken,
}

#[derive(Debug)]
struct State {
    /// Every change after `floor` that the principal may see (up to the waiter's cursor) is
    /// in `buffered`, oldest first.
    floor: i64,
    buffered: VecDeque<Arc<Fed>>,
    /// The shared waiter failed (the agent was removed, the store is gone): each follower
    /// waits on its own, and meets the error itself.
    broken: bool,
    followers: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The waiter of `who` (an agent, or the operator's of every group) for every kind of change
/// after `since`: each batch it returns carries what `who` may read of each change.
pub(crate) fn waiter(
    store: &Store,
    who: &TokenHolder,
    since: Option<i64>,
) -> agor_core::Result<Waiter> {
    match who {
        TokenHolder::Operator => store.waiter(&[], since, None),
        TokenHolder::Agent(id) => store.as_agent(id).and_then(|a| a.waiter(&[], since)),
    }
}

impl Feeds {
    /// A follower of `who`'s feed after `since` (default: now), on the principal's shared
    /// feed (started if it has none); refused as `who`'s own waiter would be.
    pub(crate) fn follow(
        &self,
        store: &Store,
        who: &TokenHolder,
        since: Option<i64>,
    ) -> agor_core::Result<Follower> {
        let since = match since {
            Some(cursor) => cursor,
            None => store.latest_change()?,
        };
        let mut open = lock(&self.open);
        let feed = match open.get(who).filter(|f| !lock(&f.state).broken) {
            Some(feed) => feed.clone(),
            None => {
                let feed = self.start(store, who)?;
                open.insert(who.clone(), feed.clone());
                feed
            }
        };
        lock(&feed.state).followers += 1;
        drop(open);
        Ok(Follower {
            feed,
            since,
            own: None,
            store: store.clone(),
            who: who.clone(),
            open: self.open.clone(),
            counts: self.counts.clone(),
        })
    }

    /// Starts `who`'s shared waiter from now on its own thread.
    fn start(&self, store: &Store, who: &TokenHolder) -> agor_core::Result<Arc<Feed>> {
        let mut waiter = waiter(store, who, None)?;
        waiter.look_at_most_every(FEED_GAP);
        let feed = Arc::new(Feed {
            state: Mutex::new(State {
                floor: waiter.cursor(),
                buffered: VecDeque::new(),
                broken: false,
                followers: 0,
            }),
            grew: Condvar::new(),
            stop: CancelToken::new(),
        });
        let (shared, counts) = (feed.clone(), self.counts.clone());
        let spawned = std::thread::Builder::new()
            .name("agor-feed".into())
            .spawn(move || shared.run(&mut waiter, &counts));
        if spawned.is_err() {
            lock(&feed.state).broken = true;
        }
        Ok(feed)
    }

    /// How many reads the feeds made so far.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl Feed {
    /// The shared waiter's loop: each batch it finds goes into the buffer for every follower.
    fn run(&self, waiter: &mut Waiter, counts: &Counts) {
        loop {
            let found = waiter.wait_cancellable(Some(SLICE), &self.stop);
            if self.stop.is_cancelled() {
                return;
            }
            let mut state = lock(&self.state);
            match found {
                Ok(found) if found.is_empty() => continue,
                Ok(found) => {
                    counts.shared.fetch_add(1, Ordering::Relaxed);
                    state.buffered.extend(found.into_iter().map(Fed::new));
                    while state.buffered.len() > BUFFERED {
                        if let Some(gone) = state.buffered.pop_front() {
                            state.floor = gone.cursor;
                        }
                    }
                }
                Err(_) => state.broken = true,
            }
            let broken = state.broken;
            drop(state);
            self.grew.notify_all();
            if broken {
                return;
            }
        }
    }

    fn wake(&self) {
        let _state = lock(&self.state);
        self.grew.notify_all();
    }
}

/// One stream's place on its principal's shared feed: its own cursor.
#[derive(Debug)]
pub(crate) struct Follower {
    feed: Arc<Feed>,
    since: i64,
    /// Its own waiter, once the shared one failed.
    own: Option<Waiter>,
    store: Store,
    who: TokenHolder,
    open: Arc<Mutex<HashMap<TokenHolder, Arc<Feed>>>>,
    counts: Arc<Counts>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        let mut state = lock(&self.feed.state);
        state.followers -= 1;
        if state.followers == 0 {
            drop(state);
            if open
                .get(&self.who)
                .is_some_and(|f| Arc::ptr_eq(f, &self.feed))
            {
                open.remove(&self.who);
            }
            self.feed.stop.cancel();
        }
    }
}

impl Follower {
    /// The cursor of the last change returned (or where the follower started).
    pub(crate) fn cursor(&self) -> i64 {
        self.since
    }

    /// Blocks until changes after the cursor arrive and returns them, oldest first (as the
    /// principal's own waiter would); an empty list when `timeout` passes or `cancel` is
    /// cancelled first.
    pub(crate) fn wait(
        &mut self,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> agor_core::Result<Vec<Arc<Fed>>> {
        let deadline = Instant::now().checked_add(timeout);
        let feed = self.feed.clone();
        let _woken_on_cancel = cancel.on_cancel(move || feed.wake());
        loop {
            if let Some(own) = &mut self.own {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let found = own.wait_cancellable(left, cancel);
                self.since = own.cursor();
                return found.map(|f| f.into_iter().map(Fed::new).collect());
            }
            let state = lock(&self.feed.state);
            if state.broken {
                drop(state);
                self.own = Some(waiter(&self.store, &self.who, Some(self.since))?);
                continue;
            }
            if self.since < state.floor {
                let floor = state.floor;
                drop(state);
                // One look of its own from its cursor: what it finds is older than the buffer
                // (or it is the newest it may see); finding nothing, nothing it may see lies
                // between its cursor and the buffer.
                self.counts.own.fetch_add(1, Ordering::Relaxed);
                let found =
                    waiter(&self.store, &self.who, Some(self.since))?.wait(Some(Duration::ZERO))?;
                match found.last() {
                    Some(last) => {
                        self.since = last.cursor;
                        return Ok(found.into_iter().map(Fed::new).collect());
                    }
                    None => {
                        self.since = floor;
                        continue;
                    }
                }
            }
            let newer = state.buffered.partition_point(|c| c.cursor <= self.since);
            if newer < state.buffered.len() {
                let found: Vec<Arc<Fed>> = state.buffered.range(newer..).cloned().collect();
                if let Some(last) = found.last() {
                    self.since = last.cursor;
                }
                return Ok(found);
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() || cancel.is_cancelled() {
                return Ok(Vec::new());
            }
            let _ = self
                .feed
                .grew
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agor_core::NewAgent;

    const LONG: Duration = Duration::from_secs(20);

    /// The changes a follower returned, as JSON.
    fn json(fed: &[Arc<Fed>]) -> serde_json::Result<String> {
        serde_json::to_string(&fed.iter().map(|f| &f.change).collect::<Vec<_>>())
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("agor.db")).unwrap();
        for (id, role) in [("mgr", "manager"), ("dev1", "project"), ("dev2", "project")] {
            store
                .register_agent(&NewAgent::new(id, id, role, "core"))
                .unwrap();
        }
        store.allow("mgr", "dev1", true).unwrap();
        (dir, store)
    }

    fn agent(id: &str) -> TokenHolder {
        TokenHolder::Agent(id.into())
    }

    #[test]
    fn one_read_per_principal_serves_all_its_followers() {
        let (_dir, store) = store();
        let feeds = Feeds::default();
        let mut operators: Vec<Follower> = (0..20)
            .map(|_| feeds.follow(&store, &TokenHolder::Operator, None).unwrap())
            .collect();
        let mut dev1s: Vec<Follower> = (0..5)
            .map(|_| feeds.follow(&store, &agent("dev1"), None).unwrap())
            .collect();
        let mut dev2 = feeds.follow(&store, &agent("dev2"), None).unwrap();
        store
            .as_agent("mgr")
            .unwrap()
            .send("dev1", "for dev1 only")
            .unwrap();
        let never = CancelToken::new();
        for f in operators.iter_mut().chain(dev1s.iter_mut()) {
            let got = f.wait(LONG, &never).unwrap();
            assert_eq!(got.len(), 1, "{got:?}");
            assert!(json(&got).unwrap().contains("for dev1 only"));
            assert_eq!(f.cursor(), got[0].cursor);
        }
        // dev2 may not see a DM to dev1: nothing, as its own waiter would find.
        assert!(dev2
            .wait(Duration::from_millis(300), &never)
            .unwrap()
            .is_empty());
        // One look per principal that found the change (the operator's and dev1's), none of a
        // follower's own: 25 followers, 2 reads.
        assert_eq!(feeds.counts().shared.load(Ordering::Relaxed), 2);
        assert_eq!(feeds.counts().own.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_follower_behind_the_buffer_catches_up_from_its_own_cursor_and_the_feed_ends_with_its_last_follower(
    ) {
        let (_dir, store) = store();
        let start = store.latest_change().unwrap();
        let mgr = store.as_agent("mgr").unwrap();
        mgr.send("dev1", "before the feed").unwrap();
        let feeds = Feeds::default();
        let mut current = feeds.follow(&store, &TokenHolder::Operator, None).unwrap();
        // A resumed stream (Last-Event-ID older than the shared feed's start).
        let mut resumed = feeds
            .follow(&store, &TokenHolder::Operator, Some(start))
            .unwrap();
        mgr.send("dev1", "second-marker").unwrap();
        let never = CancelToken::new();
        let old = resumed.wait(LONG, &never).unwrap();
        let mut all = old.clone();
        while !json(&all).unwrap().contains("second-marker") {
            all.extend(resumed.wait(LONG, &never).unwrap());
        }
        let text = json(&all).unwrap();
        assert!(text.contains("before the feed"), "{text}");
        let cursors: Vec<i64> = all.iter().map(|c| c.cursor).collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
        assert!(feeds.counts().own.load(Ordering::Relaxed) >= 1);
        let now = current.wait(LONG, &never).unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now.last().map(|c| c.cursor), all.last().map(|c| c.cursor));
        drop(current);
        assert_eq!(lock(&feeds.open).len(), 1);
        drop(resumed);
        assert!(lock(&feeds.open).is_empty());
    }
}
