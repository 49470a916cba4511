//! Heartbeats, signs of life, stale agents and the dead-letter queue as agents see it.
//! Mail for a silent agent waits in `dead_letter_queue` and is redelivered on its next heartbeat
//! (`delivery.rs` puts letters in and takes them out).
//!
//! An agent is alive while it shows signs of life: a heartbeat, any call it makes, a wait it
//! is blocked in, an open session of a server ([`Store::presence`]). All but the heartbeat are
//! recorded by [`Store::sign_of_life`]: throttled (one write per agent per interval per
//! process) and best effort (skipped when another writer holds the file or it is read-only),
//! so a read never waits on the write lock for it. Only an agent that has heartbeated before
//! can be stale, so signs of life refresh an existing heartbeat and never create one.

use crate::actor::Actor;
use crate::audit;
use crate::clock;
use crate::delivery::{letter_scope, redeliver};
use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::Member;
use crate::model::liveness::Staleness;
use crate::model::liveness::{
    DeadLetter, Heartbeat, StaleAgent, MAX_SIGN_OF_LIFE_INTERVAL, MIN_SIGN_OF_LIFE_INTERVAL,
};
use crate::storage::sql::liveness::{self as sql, letter_filter, Pick};
use crate::storage::Tx;
use crate::store::Inner;
use crate::Store;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps an agent alive while held (see [`Store::presence`]).
#[derive(Debug)]
pub struct Presence {
    store: Store,
    agent: String,
}

impl Drop for Presence {
    fn drop(&mut self) {
        let mut present = lock(&self.store.inner.signs.present);
        if let Some(n) = present.get_mut(&self.agent) {
            *n -= 1;
            if *n == 0 {
                present.remove(&self.agent);
            }
        }
    }
}

impl Store {
    /// How often this process records an agent's signs of life: a quarter of the stale
    /// threshold, within [`MIN_SIGN_OF_LIFE_INTERVAL`]..=[`MAX_SIGN_OF_LIFE_INTERVAL`].
    pub fn sign_of_life_interval(&self) -> Duration {
        (self.stale_after() / 4).clamp(MIN_SIGN_OF_LIFE_INTERVAL, MAX_SIGN_OF_LIFE_INTERVAL)
    }

    /// Records that `agent` is alive, if this process has not done so within the interval:
    /// refreshes its heartbeat (an agent that never heartbeated is left as it is). Best
    /// effort: skipped when another writer holds the file or it cannot be written.
    pub(crate) fn sign_of_life(&self, agent: &str) {
        self.signs_of_life(&[agent]);
    }

    /// [`Store::sign_of_life`] for several agents, in one transaction: the presence thread's
    /// round over every agent with a session open (200 sessions' agents were 200 commits in a
    /// row, and every session's calls queued behind them).
    fn signs_of_life(&self, agents: &[impl AsRef<str>]) {
        let now = self.staleness().now_secs;
        let due: Vec<&str> = agents
            .iter()
            .map(AsRef::as_ref)
            .filter(|agent| self.sign_of_life_due(agent, now))
            .collect();
        if due.is_empty() {
            return;
        }
        let _ = self.write_if_free(|tx| {
            due.iter()
                .try_for_each(|agent| sql::refresh(tx, agent, now))
        });
    }

    /// Whether `agent`'s sign of life is due now; if so, it counts as written.
    pub(crate) fn sign_of_life_due(&self, agent: &str, now: i64) -> bool {
        let every = i64::try_from(self.sign_of_life_interval().as_secs()).unwrap_or(i64::MAX);
        let mut written = lock(&self.inner.signs.written);
        match written.get(agent) {
            // A clock moved back counts as due.
            Some(&last) if (0..every).contains(&now.saturating_sub(last)) => false,
            _ => {
                written.insert(agent.to_owned(), now);
                true
            }
        }
    }

    /// Keeps `agent` alive while the returned guard is held (an MCP session open for it, an
    /// attached client): its heartbeat is refreshed every [interval](Self::sign_of_life_interval)
    /// by a thread of the store, so mail to it is delivered, not dead-lettered.
    pub fn presence(&self, agent: &str) -> Result<Presence> {
        crate::validate_agent_id(agent)?;
        *lock(&self.inner.signs.present)
            .entry(agent.to_owned())
            .or_default() += 1;
        self.sign_of_life(agent);
        let mut keeper = lock(&self.inner.signs.keeper);
        if !*keeper {
            let weak = Arc::downgrade(&self.inner);
            let every = self.sign_of_life_interval();
            let started = std::thread::Builder::new()
                .name("agor-presence".into())
                .spawn(move || keep_present_alive(weak, every));
            *keeper = started.is_ok();
        }
        Ok(Presence {
            store: self.clone(),
            agent: agent.to_owned(),
        })
    }
}

/// The presence thread: refreshes present agents until none is left or the store is gone.
fn keep_present_alive(store: Weak<Inner>, every: Duration) {
    loop {
        std::thread::sleep(every / 2);
        let Some(inner) = store.upgrade() else { return };
        let store = Store { inner };
        let agents: Vec<String> = {
            let present = lock(&store.inner.signs.present);
            if present.is_empty() {
                *lock(&store.inner.signs.keeper) = false;
                return;
            }
            present.keys().cloned().collect()
        };
        store.signs_of_life(&agents);
    }
}

fn dead_letters(conn: &dyn Tx, me: &Member, pick: Pick) -> Result<Vec<DeadLetter>> {
    let (filter, params) = letter_filter(letter_scope(me), &me.id, &me.group_id, pick);
    sql::letters(conn, &filter, &params)
}

impl Store {
    /// Agents that have heartbeated before but not within `threshold_secs`
    /// (default: the store's `stale_after`).
    pub fn stale_agents(&self, threshold_secs: Option<i64>) -> Result<Vec<StaleAgent>> {
        let threshold = threshold_secs.unwrap_or(self.staleness().after_secs);
        if threshold < 0 {
            return Err(Error::invalid(
                "threshold",
                format!("{threshold} s is negative"),
            ));
        }
        let now = clock::secs(self.now_ms());
        let silent = self.read(|c| sql::silent_since(c, now.saturating_sub(threshold)))?;
        Ok(silent
            .into_iter()
            .map(|(agent_id, last)| StaleAgent {
                agent_id,
                last_heartbeat: last,
                silent_secs: now.saturating_sub(last),
            })
            .collect())
    }
}

impl Actor {
    /// Records that the actor is alive, and redelivers any dead letters waiting for it.
    ///
    /// The `heartbeats` row is the record of liveness, overwritten in place; an audit row is
    /// written only when something notable happens (a letter redelivered, or the agent coming
    /// back after being stale), so an agent heartbeating every few seconds for months does not
    /// grow the file.
    pub fn heartbeat(&self) -> Result<Heartbeat> {
        self.write_tx(|c, me| {
            // One reading of the clock for the seconds and the legacy text column alike.
            let now = c.now();
            let staleness = Staleness {
                now_secs: now.secs(),
                ..self.store.staleness()
            };
            sql::beat(c, &me.id, now.secs(), &now.sql())?;
            // `me` was loaded before the upsert, so it still holds the previous heartbeat.
            if let Some(silent) = crate::model::liveness::silent_for(me, staleness) {
                audit::record(
                    c,
                    &me.id,
                    "agent_returned",
                    &format!("{} heartbeats again after {silent}s of silence", me.id),
                )?;
            }
            let redelivered = redeliver(c, me, Pick::Incoming)?;
            Ok(Heartbeat {
                agent_id: me.id.clone(),
                timestamp: now.secs(),
                redelivered,
            })
        })
    }

    /// Dead letters the actor may see, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        self.read_tx(|c, me| dead_letters(c, me, Pick::All))
    }

    /// Moves dead letters into the inbox now: one by id, or all the actor may act on.
    pub fn redeliver_dead_letters(
        &self,
        id: Option<i64>,
    ) -> Result<Vec<crate::model::messages::Message>> {
        self.write_tx(|c, me| redeliver(c, me, id.into()))
    }

    /// Deletes dead letters: one by id, or all the actor may act on. Returns how many.
    pub fn clear_dead_letters(&self, id: Option<i64>) -> Result<usize> {
        self.write_tx(|c, me| {
            let letters = self.scoped(c, me, id)?;
            for dl in &letters {
                sql::delete_letter(c, dl.id)?;
            }
            audit::record(
                c,
                &me.id,
                "dead_letters_cleared",
                &format!("{} letter(s)", letters.len()),
            )?;
            Ok(letters.len())
        })
    }

    fn scoped(&self, c: &dyn Tx, me: &Member, id: Option<i64>) -> Result<Vec<DeadLetter>> {
        let letters = dead_letters(c, me, id.into())?;
        if let (Some(id), true) = (id, letters.is_empty()) {
            return Err(Error::not_found(ObjectKind::DeadLetter, id.to_string()));
        }
        Ok(letters)
    }
}
