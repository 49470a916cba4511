//! Heartbeats, stale agents and the dead-letter queue.
//! Mail for a silent agent waits in `dead_letter_queue` and is redelivered on its next heartbeat.

use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::agents::{Actor, Member};
use crate::audit;
use crate::clock;
use crate::error::{Error, ObjectKind, Result};
use crate::lenient;
use crate::messages;
use crate::rules::{Action, Target};
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
    conn: &Connection,
    from: &str,
    to: &str,
    content: &str,
    reason: &str,
    reply_to: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO dead_letter_queue (from_agent, to_agent, content, error, reply_to, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, datetime('now'))",
    )?
    .execute(params![from, to, content, reason, reply_to])?;
    Ok(conn.last_insert_rowid())
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
fn dead_letter_from_row(r: &Row<'_>) -> rusqlite::Result<DeadLetter> {
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

    /// The scope as SQL over `dead_letter_queue`: `?2` the actor, `?4` its group. One text
    /// per scope rather than flags OR-ed together (`?1 OR …`), which hid both agent columns
    /// from their indexes and read the whole queue for every heartbeat.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            LetterScope::Every => "1",
            LetterScope::Group => {
                "(to_agent = ?2 OR from_agent = ?2
                  OR to_agent IN (SELECT id FROM agents WHERE group_id = ?4)
                  OR from_agent IN (SELECT id FROM agents WHERE group_id = ?4))"
            }
            LetterScope::Own => "(to_agent = ?2 OR from_agent = ?2)",
        }
    }
}

/// Which of the letters in scope: the one numbered `?3`, or all of them.
pub(crate) fn pick_sql(id: Option<i64>) -> &'static str {
    if id.is_some() {
        "id = ?3"
    } else {
        "?3 IS NULL"
    }
}

/// The arguments of a scope and its filter: `?1` unused, `?2` the actor, `?3` the letter id,
/// `?4` the group, cut to the ones the statement names (every variant names a prefix of them).
fn scope_params<'a>(
    stmt: &rusqlite::Statement<'_>,
    me: &'a Member,
    id: Option<i64>,
) -> impl rusqlite::Params + 'a {
    use rusqlite::types::Value;
    let all = [
        Value::Null,
        Value::Text(me.id.clone()),
        id.map_or(Value::Null, Value::Integer),
        Value::Text(me.group_id.clone()),
    ];
    rusqlite::params_from_iter(all.into_iter().take(stmt.parameter_count()))
}

pub(crate) fn letters_sql(scope: LetterScope, filter_sql: &str) -> String {
    format!(
        "SELECT id, from_agent, to_agent, content, error, reply_to, created_at FROM dead_letter_queue
         WHERE {} AND {filter_sql} ORDER BY id",
        scope.sql()
    )
}

fn dead_letters(
    conn: &Connection,
    me: &Member,
    filter_sql: &str,
    id: Option<i64>,
) -> Result<Vec<DeadLetter>> {
    let mut stmt = conn.prepare_cached(&letters_sql(LetterScope::of(me), filter_sql))?;
    let params = scope_params(&stmt, me, id);
    let rows = stmt.query_map(params, dead_letter_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The dead letters matching `filter_sql` (as for [`dead_letters`]) with what redelivery
/// needs of both parties: the recipient's group (NULL when the recipient no longer exists)
/// and the sender's. One statement for the batch: it used to load both agents per letter.
pub(crate) fn redeliverable_sql(scope: LetterScope, filter_sql: &str) -> String {
    format!(
        "SELECT id, from_agent, to_agent, content, error, reply_to, created_at,
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = to_agent),
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = from_agent)
         FROM dead_letter_queue WHERE {} AND {filter_sql} ORDER BY id",
        scope.sql()
    )
}

/// The filter of the dead letters a heartbeat redelivers: the actor's own.
pub(crate) const OWN_LETTERS_SQL: &str = "to_agent = ?2 AND ?3 IS NULL";

/// Moves the dead letters matching `filter_sql` into their recipients' inboxes, deletes them
/// from the queue, and writes one audit row per letter naming the letter and the new message,
/// so each redelivery can be traced from either side.
fn redeliver(
    conn: &Connection,
    me: &Member,
    filter_sql: &str,
    id: Option<i64>,
) -> Result<Vec<messages::Message>> {
    let mut stmt = conn.prepare_cached(&redeliverable_sql(LetterScope::of(me), filter_sql))?;
    let params = scope_params(&stmt, me, id);
    let letters = stmt
        .query_map(params, |r| {
            Ok((
                dead_letter_from_row(r)?,
                lenient::opt_text(r, 7)?,
                lenient::opt_text(r, 8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    drop(stmt);
    if let (Some(id), true) = (id, letters.is_empty()) {
        return Err(Error::not_found(ObjectKind::DeadLetter, id.to_string()));
    }
    let mut out = Vec::with_capacity(letters.len());
    let mut delete = conn.prepare_cached("DELETE FROM dead_letter_queue WHERE id = ?1")?;
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
        delete.execute([dl.id])?;
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
            let mut stmt = c.prepare_cached(
                "SELECT agent_id, CAST(timestamp AS INTEGER) FROM heartbeats WHERE timestamp < ?1 ORDER BY timestamp, agent_id",
            )?;
            let rows = stmt.query_map([now.saturating_sub(threshold)], |r| {
                let last: i64 = r.get(1)?;
                Ok(StaleAgent {
                    agent_id: r.get(0)?,
                    last_heartbeat: last,
                    silent_secs: now.saturating_sub(last),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
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
            c.prepare_cached(
                "INSERT INTO heartbeats (agent_id, timestamp) VALUES (?1, ?2)
                 ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp",
            )?
            .execute(params![me.id, now])?;
            c.prepare_cached("UPDATE agents SET last_active_at = datetime('now') WHERE id = ?1")?
                .execute([&me.id])?;
            // `me` was loaded before the upsert, so it still holds the previous heartbeat.
            if let Some(silent) = silent_for(me, staleness) {
                audit::record(
                    c,
                    &me.id,
                    "agent_returned",
                    &format!("{} heartbeats again after {silent}s of silence", me.id),
                )?;
            }
            let redelivered = redeliver(c, me, OWN_LETTERS_SQL, None)?;
            Ok(Heartbeat {
                agent_id: me.id.clone(),
                timestamp: now,
                redelivered,
            })
        })
    }

    /// Dead letters the actor may see, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        self.read_tx(|c, me| dead_letters(c, me, "?3 IS NULL", None))
    }

    /// Moves dead letters into the inbox now: one by id, or all the actor may act on.
    pub fn redeliver_dead_letters(&self, id: Option<i64>) -> Result<Vec<messages::Message>> {
        self.write_tx(|c, me| redeliver(c, me, pick_sql(id), id))
    }

    /// Deletes dead letters: one by id, or all the actor may act on. Returns how many.
    pub fn clear_dead_letters(&self, id: Option<i64>) -> Result<usize> {
        self.write_tx(|c, me| {
            let letters = self.scoped(c, me, id)?;
            let mut del = c.prepare_cached("DELETE FROM dead_letter_queue WHERE id = ?1")?;
            for dl in &letters {
                del.execute([dl.id])?;
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

    fn scoped(&self, c: &Connection, me: &Member, id: Option<i64>) -> Result<Vec<DeadLetter>> {
        let letters = dead_letters(c, me, pick_sql(id), id)?;
        if let (Some(id), true) = (id, letters.is_empty()) {
            return Err(Error::not_found(ObjectKind::DeadLetter, id.to_string()));
        }
        Ok(letters)
    }
}
