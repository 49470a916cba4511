//! Delivery of direct messages, in one place: into the recipient's inbox, or into the
//! dead-letter queue when the recipient has gone silent, and out of the queue into the inbox
//! again on redelivery. Sending (`messages.rs`) and heartbeats (`liveness.rs`) both call here.

use crate::audit;
use crate::changes::{self, Audience};
use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::Member;
use crate::model::changes::ChangeKind;
use crate::model::liveness::{silent_for, Staleness};
use crate::model::messages::{Letter, Message};
use crate::model::search::Source;
use crate::rules::{Action, Target};
use crate::storage::sql::liveness::{self as letters_sql, letter_filter, LetterScope, Pick};
use crate::storage::sql::messages as sql;
use crate::storage::sql::search as search_sql;
use crate::storage::Tx;

/// Inserts a message to `(recipient id, recipient group)`. Shared by sending and by
/// dead-letter redelivery (which reads both groups for a whole batch at once).
pub(crate) fn insert_row(
    conn: &dyn Tx,
    from: &str,
    (to_id, to_group): (&str, &str),
    letter: Letter<'_>,
    sender_group: Option<&str>,
) -> Result<Message> {
    let Letter {
        content,
        reply_to,
        marks,
    } = letter;
    let msg = Message {
        id: uuid::Uuid::new_v4().to_string(),
        from_agent: from.to_owned(),
        to_agent: to_id.to_owned(),
        content: content.to_owned(),
        read: false,
        reply_to: reply_to.map(str::to_owned),
        group_id: Some(to_group.to_owned()),
        sender_group_id: sender_group.map(str::to_owned),
        created_at: conn.now().sql(),
        importance: marks.importance,
        ack_required: marks.ack_required,
        deadline: marks.deadline.clone(),
        acked_at: None,
    };
    sql::insert(conn, &msg)?;
    search_sql::note_new(conn, Source::Message, &msg.id)?;
    // Every DM passes here (sends, replies, fan-outs, redelivered dead letters).
    let to = Audience {
        group: Some(to_group),
        agent: Some(to_id),
        channel: None,
    };
    changes::record(
        conn,
        ChangeKind::Message,
        "message_sent",
        from,
        &msg.id,
        to,
        None,
    )?;
    Ok(msg)
}
/// What happened to one message handed to [`deliver`].
pub(crate) enum Delivered {
    Sent(Box<Message>),
    /// The recipient is stale; the message waits in the dead-letter queue.
    DeadLettered {
        id: i64,
        silent_secs: i64,
    },
}
/// Delivers one message after the ACL check has passed: into the inbox, or into the
/// dead-letter queue when the recipient has gone silent (tier 0 senders always deliver).
pub(crate) fn deliver(
    conn: &dyn Tx,
    stale: Staleness,
    from: &Member,
    to: &Member,
    letter: Letter<'_>,
) -> Result<Delivered> {
    if !from.is_admin() {
        if let Some(silent_secs) = silent_for(to, stale) {
            let reason = format!(
                "recipient {} unavailable: no heartbeat for {silent_secs}s",
                to.id
            );
            let id = enqueue_dead_letter(conn, (&from.id, &to.id), letter, &reason)?;
            audit::record(
                conn,
                &from.id,
                "message_dead_lettered",
                &format!("{} -> {} (#{id})", from.id, to.id),
            )?;
            return Ok(Delivered::DeadLettered { id, silent_secs });
        }
    }
    let to_row = (to.id.as_str(), to.group_id.as_str());
    let msg = insert_row(conn, &from.id, to_row, letter, Some(&from.group_id))?;
    audit::record(
        conn,
        &from.id,
        "message_sent",
        &format!("{} -> {} {}", from.id, to.id, msg.id),
    )?;
    Ok(Delivered::Sent(Box::new(msg)))
}

pub(crate) fn enqueue_dead_letter(
    conn: &dyn Tx,
    (from, to): (&str, &str),
    letter: Letter<'_>,
    reason: &str,
) -> Result<i64> {
    letters_sql::insert_dead_letter(conn, (from, to), letter, reason, &conn.now().sql())
}
/// The letters `me` may see and act on.
pub(crate) fn letter_scope(me: &Member) -> LetterScope {
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
/// Moves the dead letters matching `filter_sql` into their recipients' inboxes, deletes them
/// from the queue, and writes one audit row per letter naming the letter and the new message,
/// so each redelivery can be traced from either side.
pub(crate) fn redeliver(conn: &dyn Tx, me: &Member, pick: Pick) -> Result<Vec<Message>> {
    let (filter, params) = letter_filter(letter_scope(me), &me.id, &me.group_id, pick);
    let letters = letters_sql::redeliverable(conn, &filter, &params)?;
    if let (Pick::One(id), true) = (pick, letters.is_empty()) {
        return Err(Error::not_found(ObjectKind::DeadLetter, id.to_string()));
    }
    let mut out = Vec::with_capacity(letters.len());
    for (dl, to_group, sender_group, marks) in letters {
        let to_group = to_group.ok_or_else(|| Error::not_found(ObjectKind::Agent, &dl.to_agent))?;
        let letter = Letter {
            content: &dl.content,
            reply_to: dl.reply_to.as_deref(),
            marks: &marks,
        };
        let msg = insert_row(
            conn,
            &dl.from_agent,
            (&dl.to_agent, &to_group),
            letter,
            sender_group.as_deref(),
        )?;
        letters_sql::delete_letter(conn, dl.id)?;
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
