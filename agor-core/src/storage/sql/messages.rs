//! Statements of `crate::messages`: direct messages.

use crate::error::Result;
use crate::model::messages::{Importance, Message};

use crate::storage::lenient;
use crate::storage::{args, Param, Row, Tx};

pub(crate) const MESSAGE_COLUMNS: &str =
    "id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id, created_at,
     importance, ack_required, ack_deadline, acked_at";

/// Legacy rows may hold NULL or odd types in any column (see `lenient`).
pub(crate) fn message_from_row(r: &Row<'_>) -> Result<Message> {
    Ok(Message {
        id: lenient::text(r, 0)?,
        from_agent: lenient::text(r, 1)?,
        to_agent: lenient::text(r, 2)?,
        content: lenient::text(r, 3)?,
        read: lenient::flag(r, 4)?,
        reply_to: lenient::opt_text(r, 5)?,
        group_id: lenient::opt_text(r, 6)?,
        sender_group_id: lenient::opt_text(r, 7)?,
        created_at: lenient::timestamp(r, 8)?,
        importance: Importance::from_rank(lenient::opt_int(r, 9)?),
        ack_required: lenient::opt_int(r, 10)?.is_some_and(|n| n != 0),
        deadline: lenient::opt_text(r, 11)?,
        acked_at: lenient::opt_text(r, 12)?,
    })
}

/// Messages matching `tail_sql` (a `WHERE …` of `messages`).
pub(crate) fn query(conn: &dyn Tx, tail_sql: &str, args: &[Param<'_>]) -> Result<Vec<Message>> {
    conn.query_map(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages {tail_sql}"),
        args,
        message_from_row,
    )
}

/// The group feed: messages to or from a group, newest first. An `OR` across two columns
/// defeats both indexes (the query scanned every message); instead each side takes its newest
/// `limit` through its own index, and only those at most 2 × `limit` rows are merged.
pub(crate) const FEED_TAIL_SQL: &str = "WHERE rowid IN (
        SELECT rowid FROM (SELECT rowid FROM messages WHERE group_id = ?1
                           ORDER BY created_at DESC, rowid DESC LIMIT ?2) AS to_group
        UNION ALL
        SELECT rowid FROM (SELECT rowid FROM messages WHERE sender_group_id = ?1
                           ORDER BY created_at DESC, rowid DESC LIMIT ?2) AS from_group)
    ORDER BY created_at DESC, rowid DESC LIMIT ?2";

/// Every message to `?1`, newest first (`agor_messages_to_created`).
pub(crate) const INBOX_ALL_TAIL_SQL: &str =
    "WHERE to_agent = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2";

/// Unread messages to `?1`, most important first, then oldest first (`agor_messages_inbox`
/// holds them in that order).
pub(crate) const UNREAD_TAIL_SQL: &str =
    "WHERE to_agent = ?1 AND read = 0 ORDER BY importance DESC, created_at, rowid LIMIT ?2";

/// `?1`'s messages that wanted a receipt by a deadline at or before `?2` and have none, the
/// longest overdue first, at most `?3` (`agor_messages_awaiting_ack` holds exactly those
/// awaiting one).
pub(crate) const OVERDUE_TAIL_SQL: &str =
    "WHERE from_agent = ?1 AND ack_required = 1 AND acked_at IS NULL AND ack_deadline <= ?2
     ORDER BY ack_deadline, rowid LIMIT ?3";

/// The last `?3` messages between `?1` and `?2`. As for the feed, each direction takes its
/// newest `?3` through `agor_messages_pair` and only those are merged; with one `OR` the whole
/// conversation was read and sorted to return its tail.
pub(crate) const HISTORY_TAIL_SQL: &str = "WHERE rowid IN (
        SELECT rowid FROM (SELECT rowid FROM messages WHERE from_agent = ?1 AND to_agent = ?2
                           ORDER BY created_at DESC, rowid DESC LIMIT ?3) AS sent
        UNION ALL
        SELECT rowid FROM (SELECT rowid FROM messages WHERE from_agent = ?2 AND to_agent = ?1
                           ORDER BY created_at DESC, rowid DESC LIMIT ?3) AS received)
    ORDER BY created_at DESC, rowid DESC LIMIT ?3";

/// One message by exact id.
pub(crate) fn by_id(tx: &dyn Tx, id: &str) -> Result<Option<Message>> {
    Ok(query(tx, "WHERE id = ?1", args![id])?.pop())
}

/// Writes a message row (unread).
pub(crate) fn insert(tx: &dyn Tx, msg: &Message) -> Result<()> {
    tx.execute(
        "INSERT INTO messages (id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id, created_at,
                               importance, ack_required, ack_deadline)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            &msg.id,
            &msg.from_agent,
            &msg.to_agent,
            &msg.content,
            &msg.reply_to,
            &msg.group_id,
            &msg.sender_group_id,
            &msg.created_at,
            msg.importance.rank(),
            i64::from(msg.ack_required),
            &msg.deadline
        ],
    )?;
    Ok(())
}

/// Marks every unread message to `agent` read.
pub(crate) fn mark_all_read(tx: &dyn Tx, agent: &str) -> Result<usize> {
    tx.execute(
        "UPDATE messages SET read = 1 WHERE to_agent = ?1 AND read = 0",
        args![agent],
    )
}

/// Marks one message read.
pub(crate) fn mark_read(tx: &dyn Tx, id: &str) -> Result<()> {
    tx.execute("UPDATE messages SET read = 1 WHERE id = ?1", args![id])?;
    Ok(())
}

/// Marks every unread message from `from` to `to` read; returns how many.
pub(crate) fn mark_conversation_read(tx: &dyn Tx, to: &str, from: &str) -> Result<usize> {
    tx.execute(
        "UPDATE messages SET read = 1 WHERE to_agent = ?1 AND from_agent = ?2 AND read = 0",
        args![to, from],
    )
}

/// Records that a session saw a message; false when it had already.
pub(crate) fn insert_seen(
    tx: &dyn Tx,
    session_id: &str,
    message_id: &str,
    at_secs: i64,
) -> Result<bool> {
    Ok(tx.execute(
        "INSERT INTO seen_messages (session_id, message_id, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        args![session_id, message_id, at_secs],
    )? > 0)
}

/// Whether `agent` exists, and how many unread messages it has: one statement for the
/// hooks that poll it constantly.
pub(crate) fn unread_count(tx: &dyn Tx, agent: &str) -> Result<(bool, i64)> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM agents WHERE id = ?1),
                (SELECT count(*) FROM messages WHERE to_agent = ?1 AND read = 0)",
        args![agent],
        |r| Ok((r.get::<bool>(0)?, r.get::<i64>(1)?)),
    )
}

/// Unread mail of one sender, as `notify` sums it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SenderUnread {
    pub from: String,
    pub count: i64,
    /// How many of them are urgent, and how many high.
    pub urgent: i64,
    pub high: i64,
}

/// Unread counts per sender of `agent`'s mail: senders of more important mail first, then in
/// the order the first of each arrived.
pub(crate) fn unread_by_sender(tx: &dyn Tx, agent: &str) -> Result<Vec<SenderUnread>> {
    tx.query_map(
        "SELECT from_agent, count(*),
                sum(CASE WHEN importance = 3 THEN 1 ELSE 0 END),
                sum(CASE WHEN importance = 2 THEN 1 ELSE 0 END)
         FROM messages WHERE to_agent = ?1 AND read = 0
         GROUP BY from_agent ORDER BY max(importance) DESC, min(created_at), min(rowid)",
        args![agent],
        |r| {
            Ok(SenderUnread {
                from: lenient::text(r, 0)?,
                count: r.get::<i64>(1)?,
                urgent: lenient::opt_int(r, 2)?.unwrap_or(0),
                high: lenient::opt_int(r, 3)?.unwrap_or(0),
            })
        },
    )
}

/// Records the receipt of a message: its recipient acknowledged or answered it at `at`.
/// Only the first receipt counts; true when this one was it.
pub(crate) fn mark_acked(tx: &dyn Tx, id: &str, at: &str) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE messages SET acked_at = ?2 WHERE id = ?1 AND acked_at IS NULL",
        args![id, at],
    )? > 0)
}

/// `sender`'s messages whose receipt was due at or before `now` and has not come, the longest
/// overdue first, at most `limit`.
pub(crate) fn overdue(tx: &dyn Tx, sender: &str, now: &str, limit: i64) -> Result<Vec<Message>> {
    query(tx, OVERDUE_TAIL_SQL, args![sender, now, limit])
}

/// Deletes one message.
pub(crate) fn delete(tx: &dyn Tx, id: &str) -> Result<()> {
    tx.execute("DELETE FROM messages WHERE id = ?1", args![id])?;
    Ok(())
}

/// Every message to `agent`, newest first, at most `limit`.
pub(crate) fn newest_to(tx: &dyn Tx, agent: &str, limit: i64) -> Result<Vec<Message>> {
    query(tx, INBOX_ALL_TAIL_SQL, args![agent, limit])
}

/// Unread messages to `agent`, oldest first, at most `limit`.
pub(crate) fn unread(tx: &dyn Tx, agent: &str, limit: i64) -> Result<Vec<Message>> {
    query(tx, UNREAD_TAIL_SQL, args![agent, limit])
}

/// The last `limit` messages between `a` and `b`, newest first.
pub(crate) fn between(tx: &dyn Tx, a: &str, b: &str, limit: u32) -> Result<Vec<Message>> {
    query(tx, HISTORY_TAIL_SQL, args![a, b, limit])
}

/// The newest `limit` messages to or from `group`, newest first.
pub(crate) fn group_feed(tx: &dyn Tx, group: &str, limit: u32) -> Result<Vec<Message>> {
    query(tx, FEED_TAIL_SQL, args![group, limit])
}
