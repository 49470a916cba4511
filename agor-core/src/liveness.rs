//! Heartbeats, stale agents and the dead-letter queue.
//! Mail for a silent agent waits in `dead_letter_queue` and is redelivered on its next heartbeat.

use serde::{Deserialize, Serialize};

use crate::agents::{Actor, Member};
use crate::audit;
use crate::clock;
use crate::error::{Error, ObjectKind, Result};
use crate::lenient;
use crate::messages;
use crate::rules::{Action, Target};
use crate::storage::{args, Param, Row, Tx};
use crate::Store;

/// The staleness rule at one moment: the threshold and the time, both in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Staleness {
    pub after_secs: i64,
    pub now_secs: i64,
}

/// How long `agent` has been silent, if it has heartbeated before and is now past the threshold.
/// An agent that never sent a heartbeat is not considered stale.
pub(crate) fn silent_for(agent: &Member, s: Staleness) -> Option<i64> {
    let last = agent.last_heartbeat?;
    let silent = s.now_secs.saturating_sub(last);
    (silent > s.after_secs).then_some(silent)
}

pub(crate) fn enqueue_dead_letter(
    conn: &dyn Tx,
    from: &str,
    to: &str,
    content: &str,
    reason: &str,
    reply_to: Option<&str>,
) -> Result<i64> {
    conn.query_row(
        "INSERT INTO dead_letter_queue (from_agent, to_agent, content, error, reply_to, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        args![from, to, content, reason, reply_to, clock::sql_now()],
        |r| r.get::<i64>(0),
    )
}

/// A message that could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeadLetter {
    /// Queue number.
    pub id: i64,
    /// Who sent it.
    pub from_agent: String,
    /// Whom it was meant for.
    pub to_agent: String,
    /// The message text.
    pub content: String,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// The message it answers, kept so a redelivery stays in its thread.
    pub reply_to: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// Legacy rows may hold NULL or odd types in any column but the key (see `lenient`).
fn dead_letter_from_row(r: &Row<'_>) -> Result<DeadLetter> {
    Ok(DeadLetter {
        id: r.get(0)?,
        from_agent: lenient::text(r, 1)?,
        to_agent: lenient::text(r, 2)?,
        content: lenient::text(r, 3)?,
        error: lenient::opt_text(r, 4)?,
        reply_to: lenient::opt_text(r, 5)?,
        created_at: lenient::timestamp(r, 6)?,
    })
}

/// Which dead letters an actor may see and act on: tier 0 all of them, those the permission
/// table lets manage their group's letters those to or from an agent of their group, others
/// those they sent or that were meant for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LetterScope {
    Every,
    Group,
    Own,
}

impl LetterScope {
    fn of(me: &Member) -> Self {
        let group_wide = me
            .check(
                Action::ManageGroupDeadLetters,
                Target::InGroup(&me.group_id),
            )
            .is_ok();
        match (me.is_admin(), group_wide) {
            (true, _) => LetterScope::Every,
            (false, true) => LetterScope::Group,
            (false, false) => LetterScope::Own,
        }
    }

    /// The scope as SQL over `dead_letter_queue` and its parameters: `?1` the actor, `?2`
    /// its group. One text per scope rather than flags OR-ed together (`?1 OR …`), which hid
    /// both agent columns from their indexes and read the whole queue for every heartbeat.
    pub(crate) fn sql(self, actor: &str, group: &str) -> (&'static str, Vec<Param<'static>>) {
        match self {
            LetterScope::Every => ("1 = 1", vec![]),
            LetterScope::Group => (
                "(to_agent = ?1 OR from_agent = ?1
                  OR to_agent IN (SELECT id FROM agents WHERE group_id = ?2)
                  OR from_agent IN (SELECT id FROM agents WHERE group_id = ?2))",
                vec![actor.to_owned().into(), group.to_owned().into()],
            ),
            LetterScope::Own => (
                "(to_agent = ?1 OR from_agent = ?1)",
                vec![actor.to_owned().into()],
            ),
        }
    }
}

/// Which of the letters in scope a statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// Every letter in scope.
    All,
    /// The one with this number.
    One(i64),
    /// Those meant for the actor (what its heartbeat redelivers).
    Incoming,
}

impl From<Option<i64>> for Pick {
    fn from(id: Option<i64>) -> Self {
        id.map_or(Pick::All, Pick::One)
    }
}

/// The condition selecting `pick` among the letters `scope` lets `actor` (of `group`) see,
/// and its parameters.
pub(crate) fn letter_filter(
    scope: LetterScope,
    actor: &str,
    group: &str,
    pick: Pick,
) -> (String, Vec<Param<'static>>) {
    let (scope_sql, mut params) = scope.sql(actor, group);
    let next = params.len() + 1;
    let pick_sql = match pick {
        Pick::All => "1 = 1".to_owned(),
        Pick::One(id) => {
            params.push(id.into());
            format!("id = ?{next}")
        }
        Pick::Incoming => {
            params.push(actor.to_owned().into());
            format!("to_agent = ?{next}")
        }
    };
    (format!("{scope_sql} AND {pick_sql}"), params)
}

pub(crate) fn letters_sql(filter: &str) -> String {
    format!(
        "SELECT id, from_agent, to_agent, content, error, reply_to, created_at FROM dead_letter_queue
         WHERE {filter} ORDER BY id"
    )
}

fn dead_letters(conn: &dyn Tx, me: &Member, pick: Pick) -> Result<Vec<DeadLetter>> {
    let (filter, params) = letter_filter(LetterScope::of(me), &me.id, &me.group_id, pick);
    conn.query_map(&letters_sql(&filter), &params, dead_letter_from_row)
}

/// The dead letters matching `filter` (as for [`dead_letters`]) with what redelivery needs of
/// both parties: the recipient's group (NULL when the recipient no longer exists) and the
/// sender's. One statement for the batch: it used to load both agents per letter.
pub(crate) fn redeliverable_sql(filter: &str) -> String {
    format!(
        "SELECT id, from_agent, to_agent, content, error, reply_to, created_at,
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = to_agent),
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = from_agent)
         FROM dead_letter_queue WHERE {filter} ORDER BY id"
    )
}

/// Moves the dead letters matching `filter_sql` into their recipients' inboxes, deletes them
/// from the queue, and writes one audit row per letter naming the letter and the new message,
/// so each redelivery can be traced from either side.
fn redeliver(conn: &dyn Tx, me: &Member, pick: Pick) -> Result<Vec<messages::Message>> {
    let (filter, params) = letter_filter(LetterScope::of(me), &me.id, &me.group_id, pick);
    let letters = conn.query_map(&redeliverable_sql(&filter), &params, |r| {
        Ok((
            dead_letter_from_row(r)?,
            lenient::opt_text(r, 7)?,
            lenient::opt_text(r, 8)?,
        ))
    })?;
    if let (Pick::One(id), true) = (pick, letters.is_empty()) {
        return Err(Error::not_found(ObjectKind::DeadLetter, id.to_string()));
    }
    let mut out = Vec::with_capacity(letters.len());
    for (dl, to_group, sender_group) in letters {
        let to_group = to_group.ok_or_else(|| Error::not_found(ObjectKind::Agent, &dl.to_agent))?;
        let msg = messages::insert_row(
            conn,
            &dl.from_agent,
            (&dl.to_agent, &to_group),
            &dl.content,
            dl.reply_to.as_deref(),
            sender_group.as_deref(),
        )?;
        conn.execute("DELETE FROM dead_letter_queue WHERE id = ?1", args![dl.id])?;
        audit::record(
            conn,
            &me.id,
            "dead_letter_redelivered",
            &format!(
                "dead letter #{} {} -> {} redelivered as message {}",
                dl.id, dl.from_agent, dl.to_agent, msg.id
            ),
        )?;
        out.push(msg);
    }
    Ok(out)
}

/// An agent whose heartbeat is older than the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaleAgent {
    /// The silent agent.
    pub agent_id: String,
    /// Unix seconds of its last heartbeat.
    pub last_heartbeat: i64,
    /// Seconds since then.
    pub silent_secs: i64,
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
        self.read(|c| {
            c.query_map(
                "SELECT agent_id, CAST(timestamp AS BIGINT) FROM heartbeats WHERE timestamp < ?1 ORDER BY timestamp, agent_id",
                args![now.saturating_sub(threshold)],
                |r| {
                    let last: i64 = r.get(1)?;
                    Ok(StaleAgent {
                        agent_id: r.get(0)?,
                        last_heartbeat: last,
                        silent_secs: now.saturating_sub(last),
                    })
                },
            )
        })
    }
}

/// What a heartbeat did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Heartbeat {
    /// The agent that heartbeated.
    pub agent_id: String,
    /// Unix seconds recorded.
    pub timestamp: i64,
    /// Dead letters moved into the inbox by this heartbeat.
    pub redelivered: Vec<messages::Message>,
}

impl Actor {
    /// Records that the actor is alive, and redelivers any dead letters waiting for it.
    ///
    /// The `heartbeats` row is the record of liveness, overwritten in place; an audit row is
    /// written only when something notable happens (a letter redelivered, or the agent coming
    /// back after being stale), so an agent heartbeating every few seconds for months does not
    /// grow the file.
    pub fn heartbeat(&self) -> Result<Heartbeat> {
        let staleness = self.store.staleness();
        let now = staleness.now_secs;
        self.write_tx(|c, me| {
            c.execute(
                "INSERT INTO heartbeats (agent_id, timestamp) VALUES (?1, ?2)
                 ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp",
                args![&me.id, now],
            )?;
            c.execute(
                "UPDATE agents SET last_active_at = ?1 WHERE id = ?2",
                args![clock::sql_now(), &me.id],
            )?;
            // `me` was loaded before the upsert, so it still holds the previous heartbeat.
            if let Some(silent) = silent_for(me, staleness) {
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
                timestamp: now,
                redelivered,
            })
        })
    }

    /// Dead letters the actor may see, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        self.read_tx(|c, me| dead_letters(c, me, Pick::All))
    }

    /// Moves dead letters into the inbox now: one by id, or all the actor may act on.
    pub fn redeliver_dead_letters(&self, id: Option<i64>) -> Result<Vec<messages::Message>> {
        self.write_tx(|c, me| redeliver(c, me, id.into()))
    }

    /// Deletes dead letters: one by id, or all the actor may act on. Returns how many.
    pub fn clear_dead_letters(&self, id: Option<i64>) -> Result<usize> {
        self.write_tx(|c, me| {
            let letters = self.scoped(c, me, id)?;
            for dl in &letters {
                c.execute("DELETE FROM dead_letter_queue WHERE id = ?1", args![dl.id])?;
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
