//! The change feed and wake-ups (SPEC §8). Every committed mutation that may concern someone
//! gets a cursor in the feed, written in the mutation's own transaction; `changes` reads the
//! feed as far as the actor may see, and `wait` blocks until something new for the actor
//! arrives. Across processes the engine wakes the waiter (SQLite: a file watch and
//! `PRAGMA data_version`; PostgreSQL: `LISTEN/NOTIFY`) through the store's one shared waiter
//! (see `storage::wake`): every wait of a process parks on it, and any can be cancelled.
//! A waiting agent is alive: its wait refreshes its liveness while it lasts.

use crate::actor::Actor;
use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::model::changes::{Change, ChangeKind};
use crate::model::tasks::TaskStatus;
use crate::numbers::check_limit;
use crate::rules::{Action, Principal};
use crate::storage::sql::changes as sql;
use crate::storage::{Bell, ChangeSignal, Listener, Tx};
use crate::Store;
use std::time::{Duration, Instant};

/// Whom a change concerns, for scoping who sees it.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Audience<'a> {
    pub group: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub channel: Option<&'a str>,
}

/// Appends a change inside the caller's transaction, so it commits (or not) with the mutation,
/// and rings the bells of those it may concern. `moved` is the status move of a task change
/// that made one (`from` None: the task's creation), kept for `task_history`.
pub(crate) fn record(
    tx: &dyn Tx,
    kind: ChangeKind,
    event: &str,
    actor: &str,
    subject: &str,
    to: Audience<'_>,
    moved: Option<(Option<TaskStatus>, TaskStatus)>,
) -> Result<()> {
    sql::insert(
        tx,
        kind,
        event,
        actor,
        subject,
        to.group,
        to.agent,
        to.channel,
        moved,
        &tx.now().sql(),
    )?;
    for bell in Bell::of_change(kind, to.group, to.agent) {
        tx.ring(bell);
    }
    Ok(())
}

/// A wait's timeout from seconds as a caller gives them: absent is forever; negative, NaN or
/// beyond any clock is `InvalidInput`.
pub fn wait_timeout(secs: Option<f64>) -> Result<Option<Duration>> {
    secs.map(|s| {
        crate::numbers::seconds("timeout", s).map_err(|e| match e {
            Error::InvalidInput { field, reason } => Error::InvalidInput {
                field,
                reason: format!("{reason}; leave it out to wait forever"),
            },
            other => other,
        })
    })
    .transpose()
}

impl Actor {
    /// The feed after `since` (0: from the start), oldest first, as far as the actor may see
    /// it: messages to or from it, its group's tasks and agents, posts in channels it may
    /// read, and what it did itself (tier 0: everything, or one group's with
    /// [`Actor::within`]). `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT).
    pub fn changes(&self, since: i64, limit: u32) -> Result<Vec<Change>> {
        check_limit(limit)?;
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::ViewGroup)?;
            let looking = sql::Looking {
                kinds: &[],
                others_only: false,
                content: false,
            };
            sql::visible(c, &sight.viewer(), since, looking, limit.into())
        })
    }

    /// The newest cursor of the feed: where a wait that must miss nothing starts.
    pub fn latest_change(&self) -> Result<i64> {
        self.read_as(|c, _| sql::latest(c))
    }

    /// Blocks until changes of `kinds` (all kinds when empty) made by others after `since`
    /// (default: now) arrive for the actor, and returns them, oldest first; an empty list
    /// when `timeout` (default: forever) passes first.
    pub fn wait(
        &self,
        kinds: &[ChangeKind],
        since: Option<i64>,
        timeout: Option<Duration>,
    ) -> Result<Vec<Change>> {
        self.waiter(kinds, since)?.wait(timeout)
    }

    /// [`wait`](Self::wait), which also returns (an empty list) as soon as `cancel` is
    /// cancelled: how a server ends the wait of a client that went away.
    pub fn wait_cancellable(
        &self,
        kinds: &[ChangeKind],
        since: Option<i64>,
        timeout: Option<Duration>,
        cancel: &CancelToken,
    ) -> Result<Vec<Change>> {
        self.waiter(kinds, since)?.wait_cancellable(timeout, cancel)
    }

    /// A [`Waiter`] for changes of `kinds` (all when empty) after `since` (default: now).
    pub fn waiter(&self, kinds: &[ChangeKind], since: Option<i64>) -> Result<Waiter> {
        let listener = self.read_as(|_, who| {
            // Judged now, so a group out of reach is refused before anything waits.
            let sight = self.sight(who, Action::ViewGroup)?;
            Ok(match who {
                // Woken by every change (a DM rings no group's bell); each look keeps what it sees.
                Principal::Operator => Listener {
                    agent: sight.reader,
                    group: String::new(),
                    everything: true,
                    any_ring: false,
                },
                Principal::Agent(me) => Listener {
                    agent: me.id.clone(),
                    group: me.group_id.clone(),
                    everything: me.is_admin(),
                    any_ring: false,
                },
            })
        })?;
        Waiter::start(self.clone(), &listener, kinds, since)
    }
}

impl Store {
    /// The change feed as the operator sees it (no agent identity): every group's changes
    /// after `since`, or those of `group`, oldest first. `limit` is
    /// 1..=[`MAX_LIMIT`](crate::MAX_LIMIT).
    pub fn changes(&self, since: i64, limit: u32, group: Option<&str>) -> Result<Vec<Change>> {
        self.as_operator().narrowed(group).changes(since, limit)
    }

    /// The newest cursor of the change feed.
    pub fn latest_change(&self) -> Result<i64> {
        self.read(|c| sql::latest(c))
    }

    /// Blocks until changes of `kinds` (all when empty) after `since` (default: now) arrive
    /// in any group, or in `group`, made by anyone but the operator; an empty list when
    /// `timeout` (default: forever) passes first. The operator's `btmsg watch`.
    pub fn wait(
        &self,
        kinds: &[ChangeKind],
        since: Option<i64>,
        timeout: Option<Duration>,
        group: Option<&str>,
    ) -> Result<Vec<Change>> {
        self.waiter(kinds, since, group)?.wait(timeout)
    }

    /// [`Store::wait`], which also returns (an empty list) as soon as `cancel` is cancelled.
    pub fn wait_cancellable(
        &self,
        kinds: &[ChangeKind],
        since: Option<i64>,
        timeout: Option<Duration>,
        group: Option<&str>,
        cancel: &CancelToken,
    ) -> Result<Vec<Change>> {
        self.waiter(kinds, since, group)?
            .wait_cancellable(timeout, cancel)
    }

    /// A [`Waiter`] for the operator: changes of `kinds` (all when empty) after `since`
    /// (default: now), in every group or in `group`.
    pub fn waiter(
        &self,
        kinds: &[ChangeKind],
        since: Option<i64>,
        group: Option<&str>,
    ) -> Result<Waiter> {
        self.as_operator().narrowed(group).waiter(kinds, since)
    }
}

/// The changes after `since` of `kinds` made by others that `watcher` may see, each with what
/// it may read of the subject: its sight is judged at each look, so an agent's change of role
/// or group applies at once.
fn look(watcher: &Actor, since: i64, kinds: &[ChangeKind]) -> Result<Vec<Change>> {
    let limit = crate::MAX_LIMIT.into();
    watcher.read_as(|c, who| {
        let sight = watcher.sight(who, Action::ViewGroup)?;
        // With what the watcher may read of each: one statement for the whole batch.
        let looking = sql::Looking {
            kinds,
            others_only: true,
            content: true,
        };
        sql::visible(c, &sight.viewer(), since, looking, limit)
    })
}

/// Waits for the changes that concern one actor, again and again, from a cursor it keeps:
/// each [`Waiter::wait`] returns what arrived since the previous one (`btmsg watch`, or a
/// front end that waits in short slices to stay interruptible). It is registered with the
/// store's shared waiter until dropped; the store's other calls go on meanwhile.
pub struct Waiter {
    /// Whose changes it looks for.
    watcher: Actor,
    kinds: Vec<ChangeKind>,
    since: i64,
    signal: Box<dyn ChangeSignal>,
    /// Whether a commit may have happened since the last look.
    look: bool,
    /// When it last looked, and how long it leaves between looks now (see [`LOOK_GAP`]).
    looked_at: Option<Instant>,
    gap: Duration,
    /// The gap a look that finds something resets to ([`Waiter::look_at_most_every`]).
    least_gap: Duration,
}

/// The time a waiter leaves between two looks. A waiter woken from silence looks at once;
/// under a stream of commits it looks at most every `LOOK_GAP`, and each look that finds
/// nothing for it doubles the gap up to `MAX_LOOK_GAP` (a look that finds something resets
/// it). One look sees every commit since the last, so nothing is missed, only batched: without
/// this, 50 waiters looking after each of a busy writer's commits took the CPU it needed.
const LOOK_GAP: Duration = Duration::from_millis(10);

const MAX_LOOK_GAP: Duration = Duration::from_millis(160);

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("reader", &self.watcher.id())
            .field("kinds", &self.kinds)
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

impl Waiter {
    fn start(
        watcher: Actor,
        who: &Listener,
        kinds: &[ChangeKind],
        since: Option<i64>,
    ) -> Result<Waiter> {
        // The signal first: a commit after this point wakes it, so nothing between the first
        // look and the first sleep is missed.
        let signal = watcher.store().inner.engine.change_signal(who)?;
        let since = match since {
            Some(c) => c,
            None => watcher.store().latest_change()?,
        };
        Ok(Waiter {
            watcher,
            kinds: kinds.to_vec(),
            since,
            signal,
            look: true,
            looked_at: None,
            gap: LOOK_GAP,
            least_gap: LOOK_GAP,
        })
    }

    /// The cursor of the last change returned (or where the waiter started).
    pub fn cursor(&self) -> i64 {
        self.since
    }

    /// Under a stream of commits, looks at most every `gap` (never more often than the
    /// default 10 ms); a first look after quiet is still at once, and each look returns
    /// everything since the last. For a waiter whose every look wakes many (a server's feed
    /// shared by a principal's event streams): fewer wake-ups, each change at most `gap` later.
    pub fn look_at_most_every(&mut self, gap: Duration) {
        self.least_gap = gap.max(LOOK_GAP);
        self.gap = self.gap.max(self.least_gap);
    }

    /// Blocks until changes made by others arrive for the actor and returns them, oldest
    /// first; an empty list when `timeout` (`None`: forever) passes first.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Vec<Change>> {
        self.wait_until(timeout, None)
    }

    /// [`wait`](Self::wait), which also returns (an empty list) as soon as `cancel` is
    /// cancelled.
    pub fn wait_cancellable(
        &mut self,
        timeout: Option<Duration>,
        cancel: &CancelToken,
    ) -> Result<Vec<Change>> {
        self.wait_until(timeout, Some(cancel))
    }

    /// What arrived since the last call, without blocking: it looks only when the store's
    /// shared waiter rang one of its bells (or, on an engine whose waiters look on a timer, that
    /// is due) since the previous call,
    /// or on its first call. How an event loop keeps many waits on one thread: it blocks once
    /// on a [`ChangeBell`] and polls each waiter when that rings (`agor.aio`).
    pub fn poll(&mut self) -> Result<Vec<Change>> {
        if !self.look {
            self.look = self.signal.wait(Duration::ZERO, None)?;
        }
        if let Ok(id) = self.watcher.agent_id() {
            self.watcher.store().sign_of_life(id);
        }
        // A zero timeout looks at most once and never sleeps.
        self.wait_until(Some(Duration::ZERO), None)
    }

    pub(crate) fn wait_until(
        &mut self,
        timeout: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Change>> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // The first look of a call catches up from the cursor; only looks a commit woke, and
        // that found nothing for this agent, lengthen the gap.
        let mut woken = false;
        loop {
            if self.look {
                if let Some(gap) = self
                    .looked_at
                    .and_then(|t| self.gap.checked_sub(t.elapsed()))
                {
                    let left =
                        deadline.map_or(gap, |d| d.saturating_duration_since(Instant::now()));
                    std::thread::sleep(gap.min(left));
                }
                self.looked_at = Some(Instant::now());
                let found = look(&self.watcher, self.since, &self.kinds)?;
                if let Some(last) = found.last() {
                    self.since = last.cursor;
                    self.gap = self.least_gap;
                    // The next wait starts with the signal: anything committed after this
                    // look wakes it (an earlier commit's wake-up was consumed by this look).
                    self.look = false;
                    return Ok(found);
                }
                if woken {
                    self.gap = (self.gap * 2).min(MAX_LOOK_GAP.max(self.least_gap));
                }
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if left.is_zero() || cancel.is_some_and(CancelToken::is_cancelled) {
                self.look = false;
                return Ok(Vec::new());
            }
            // A waiting agent is alive (its heartbeat would otherwise lapse during a long
            // wait, and mail to it go to the dead letters); at most once per interval.
            let store = self.watcher.store();
            if let Ok(id) = self.watcher.agent_id() {
                store.sign_of_life(id);
            }
            // Look again only when something was committed: an idle wait reads nothing.
            let slice = left.min(store.sign_of_life_interval());
            self.look = self.signal.wait(slice, cancel)?;
            woken = self.look;
        }
    }
}

/// Rings when any commit may have happened on the store, from any process (a spurious ring is
/// possible, a missed one is not): one registration with the store's shared waiter for a
/// front end that waits many [`Waiter`]s on one thread and [`Waiter::poll`]s them when it
/// rings. Registered until dropped.
pub struct ChangeBell {
    signal: Box<dyn ChangeSignal>,
}

impl std::fmt::Debug for ChangeBell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeBell").finish_non_exhaustive()
    }
}

impl ChangeBell {
    /// Blocks until a commit may have happened since the previous call (true), `timeout`
    /// passes (false) or `cancel` is cancelled (false).
    pub fn wait(&mut self, timeout: Duration, cancel: Option<&CancelToken>) -> Result<bool> {
        self.signal.wait(timeout, cancel)
    }
}

impl Store {
    /// A [`ChangeBell`] of this store: it hears every change, whoever made it.
    pub fn change_bell(&self) -> Result<ChangeBell> {
        let everyone = Listener {
            agent: crate::rules::OPERATOR.to_owned(),
            group: String::new(),
            everything: true,
            any_ring: true,
        };
        let signal = self.inner.engine.change_signal(&everyone)?;
        Ok(ChangeBell { signal })
    }
}
