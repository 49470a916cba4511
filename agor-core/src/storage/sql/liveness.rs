//! Statements of `crate::liveness`: heartbeats and the dead-letter queue.

use crate::error::Result;
use crate::model::liveness::DeadLetter;
use crate::model::messages::{Importance, Letter, Marks};

use crate::storage::lenient;
use crate::storage::{args, Param, Row, Tx};

/// Queues a message for a silent recipient; returns its number.
pub(crate) fn insert_dead_letter(
    tx: &dyn Tx,
    (from, to): (&str, &str),
    letter: Letter<'_>,
    reason: &str,
    at: &str,
) -> Result<i64> {
    let marks = letter.marks;
    tx.query_row(
        "INSERT INTO dead_letter_queue (from_agent, to_agent, content, error, reply_to, created_at,
                                        importance, ack_required, ack_deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        args![
            from,
            to,
            letter.content,
            reason,
            letter.reply_to,
            at,
            marks.importance.rank(),
            i64::from(marks.ack_required),
            &marks.deadline
        ],
        |r| r.get::<i64>(0),
    )
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

/// The dead letters matching `filter` (see [`letter_filter`]), oldest first.
pub(crate) fn letters(tx: &dyn Tx, filter: &str, params: &[Param<'_>]) -> Result<Vec<DeadLetter>> {
    tx.query_map(&letters_sql(filter), params, dead_letter_from_row)
}

/// The dead letters matching `filter` (as for [`dead_letters`]) with what redelivery needs of
/// both parties: the recipient's group (NULL when the recipient no longer exists) and the
/// sender's. One statement for the batch: it used to load both agents per letter.
pub(crate) fn redeliverable_sql(filter: &str) -> String {
    format!(
        "SELECT id, from_agent, to_agent, content, error, reply_to, created_at,
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = to_agent),
            (SELECT coalesce(a.group_id, '') FROM agents a WHERE a.id = from_agent),
            importance, ack_required, ack_deadline
         FROM dead_letter_queue WHERE {filter} ORDER BY id"
    )
}

/// A dead letter with its recipient's group (None when the recipient no longer exists), its
/// sender's, and what its sender asked of it.
pub(crate) type Redeliverable = (DeadLetter, Option<String>, Option<String>, Marks);

/// The dead letters matching `filter`, with what redelivery needs of both parties.
pub(crate) fn redeliverable(
    tx: &dyn Tx,
    filter: &str,
    params: &[Param<'_>],
) -> Result<Vec<Redeliverable>> {
    tx.query_map(&redeliverable_sql(filter), params, |r| {
        Ok((
            dead_letter_from_row(r)?,
            lenient::opt_text(r, 7)?,
            lenient::opt_text(r, 8)?,
            Marks {
                importance: Importance::from_rank(lenient::opt_int(r, 9)?),
                ack_required: lenient::opt_int(r, 10)?.is_some_and(|n| n != 0),
                deadline: lenient::opt_text(r, 11)?,
            },
        ))
    })
}

/// Removes one dead letter.
pub(crate) fn delete_letter(tx: &dyn Tx, id: i64) -> Result<()> {
    tx.execute("DELETE FROM dead_letter_queue WHERE id = ?1", args![id])?;
    Ok(())
}

/// Agents whose last heartbeat is before `before` (unix seconds), oldest first, with it.
pub(crate) fn silent_since(tx: &dyn Tx, before: i64) -> Result<Vec<(String, i64)>> {
    tx.query_map(
        "SELECT agent_id, CAST(timestamp AS BIGINT) FROM heartbeats WHERE timestamp < ?1 ORDER BY timestamp, agent_id",
        args![before],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Records a heartbeat (the row is overwritten in place) and the agent's last activity.
pub(crate) fn beat(tx: &dyn Tx, agent: &str, now_secs: i64, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO heartbeats (agent_id, timestamp) VALUES (?1, ?2)
         ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp",
        args![agent, now_secs],
    )?;
    tx.execute(
        "UPDATE agents SET last_active_at = ?1 WHERE id = ?2",
        args![at, agent],
    )?;
    Ok(())
}

/// Moves an existing heartbeat forward to `now_secs` (a sign of life); an agent that never
/// heartbeated keeps having none.
pub(crate) fn refresh(tx: &dyn Tx, agent: &str, now_secs: i64) -> Result<()> {
    tx.execute(
        "UPDATE heartbeats SET timestamp = ?2 WHERE agent_id = ?1 AND timestamp < ?2",
        args![agent, now_secs],
    )?;
    Ok(())
}
