//! Direct messages: send, reply, inbox, peek, read, acks, history, the admin feed, the notify
//! line, and fan-out to a role, an id glob or the whole group. ACL and liveness checked here.

use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::agents::{self, require_admin, require_manager, Actor, Principal};
use crate::audit;
use crate::error::{Error, Result};
use crate::ids::{self, validate_content, MESSAGES};
use crate::liveness;
use crate::numbers::check_limit;

/// A direct message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub from_agent: String,
    pub to_agent: String,
    pub content: String,
    pub read: bool,
    pub reply_to: Option<String>,
    pub group_id: Option<String>,
    pub sender_group_id: Option<String>,
    pub created_at: String,
}

const MESSAGE_COLUMNS: &str =
    "id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id, created_at";

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        from_agent: r.get(1)?,
        to_agent: r.get(2)?,
        content: r.get(3)?,
        read: r.get::<_, Option<i64>>(4)?.unwrap_or(0) != 0,
        reply_to: r.get(5)?,
        group_id: r.get(6)?,
        sender_group_id: r.get(7)?,
        created_at: r.get(8)?,
    })
}

pub(crate) fn query(
    conn: &Connection,
    tail_sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Message>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages {tail_sql}"
    ))?;
    let rows = stmt.query_map(args, message_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn load(conn: &Connection, id: &str) -> Result<Message> {
    let mut found = query(conn, "WHERE id = ?1", [id])?;
    found
        .pop()
        .ok_or_else(|| Error::not_found(crate::ObjectKind::Message, id))
}

/// Inserts a message row. Shared by sending and by dead-letter redelivery.
pub(crate) fn insert(
    conn: &Connection,
    from: &str,
    to: &Principal,
    content: &str,
    reply_to: Option<&str>,
    sender_group: Option<&str>,
) -> Result<Message> {
    let msg = Message {
        id: uuid::Uuid::new_v4().to_string(),
        from_agent: from.to_owned(),
        to_agent: to.id.clone(),
        content: content.to_owned(),
        read: false,
        reply_to: reply_to.map(str::to_owned),
        group_id: Some(to.group_id.clone()),
        sender_group_id: sender_group.map(str::to_owned),
        created_at: liveness::sql_now(),
    };
    conn.prepare_cached(
        "INSERT INTO messages (id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        msg.id,
        msg.from_agent,
        msg.to_agent,
        msg.content,
        msg.reply_to,
        msg.group_id,
        msg.sender_group_id,
        msg.created_at
    ])?;
    Ok(msg)
}

/// What happened to one message handed to [`deliver`].
pub(crate) enum Delivered {
    Sent(Message),
    /// The recipient is stale; the message waits in the dead-letter queue.
    DeadLettered {
        id: i64,
        silent_secs: i64,
    },
}

/// Delivers one message after the ACL check has passed: into the inbox, or into the
/// dead-letter queue when the recipient has gone silent (tier 0 senders always deliver).
pub(crate) fn deliver(
    conn: &Connection,
    stale_after: i64,
    from: &Principal,
    to: &Principal,
    content: &str,
    reply_to: Option<&str>,
) -> Result<Delivered> {
    if !from.is_admin() {
        if let Some(silent_secs) = liveness::silent_for(to, stale_after) {
            let reason = format!(
                "recipient {} unavailable: no heartbeat for {silent_secs}s",
                to.id
            );
            let id =
                liveness::enqueue_dead_letter(conn, &from.id, &to.id, content, &reason, reply_to)?;
            audit::record(
                conn,
                &from.id,
                "message_dead_lettered",
                &format!("{} -> {} (#{id})", from.id, to.id),
            )?;
            return Ok(Delivered::DeadLettered { id, silent_secs });
        }
    }
    let msg = insert(conn, &from.id, to, content, reply_to, Some(&from.group_id))?;
    audit::record(
        conn,
        &from.id,
        "message_sent",
        &format!("{} -> {} {}", from.id, to.id, msg.id),
    )?;
    Ok(Delivered::Sent(msg))
}

/// Result of a fan-out send (to a role, a glob or the group).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Messages now in their recipients' inboxes.
    pub sent: Vec<Message>,
    /// Recipients whose copy went to the dead-letter queue, with its id.
    pub dead_lettered: Vec<(String, i64)>,
    /// Recipients the sender may not message (not in its contacts).
    pub skipped: Vec<String>,
}

impl Actor {
    fn stale_after_secs(&self) -> i64 {
        self.store.stale_after_secs()
    }

    /// Sends a direct message to an agent given by id or unique prefix.
    ///
    /// Errors: `NotFound` for an unknown recipient, `PermissionDenied` when the recipient is not
    /// a contact, `RecipientUnavailable` when it is stale (the message is then kept as a dead
    /// letter and redelivered on its next heartbeat).
    pub fn send(&self, to: &str, content: &str) -> Result<Message> {
        validate_content(content)?;
        let stale = self.stale_after_secs();
        self.send_checked(|c, me| {
            let recipient = agents::resolve_principal(c, to)?;
            if !agents::may_message(c, me, &recipient.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!(
                        "message {} (not in contacts; see `btmsg allow`)",
                        recipient.id
                    ),
                ));
            }
            deliver(c, stale, me, &recipient, content, None).map(|d| (d, recipient.id))
        })
    }

    /// Replies to a message (by id or unique prefix), threading it with `reply_to`.
    /// The reply goes to the other party; a recipient may always answer the mail it received.
    pub fn reply(&self, message_id: &str, content: &str) -> Result<Message> {
        validate_content(content)?;
        let stale = self.stale_after_secs();
        self.send_checked(|c, me| {
            let original = load(c, &ids::resolve(c, MESSAGES, message_id)?)?;
            let other = if original.to_agent == me.id {
                &original.from_agent
            } else if original.from_agent == me.id {
                &original.to_agent
            } else {
                return Err(Error::denied(
                    &me.id,
                    format!("reply to message {} (not a party to it)", original.id),
                ));
            };
            let recipient = agents::principal(c, other)?;
            let answering = original.to_agent == me.id;
            if !answering && !agents::may_message(c, me, &recipient.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!("message {} (not in contacts)", recipient.id),
                ));
            }
            deliver(c, stale, me, &recipient, content, Some(&original.id))
                .map(|d| (d, recipient.id))
        })
    }

    /// Commits the delivery either way, then reports a dead letter as `RecipientUnavailable`.
    fn send_checked(
        &self,
        f: impl FnOnce(&Connection, &Principal) -> Result<(Delivered, String)>,
    ) -> Result<Message> {
        match self.write_tx(f)? {
            (Delivered::Sent(m), _) => Ok(m),
            (Delivered::DeadLettered { id, silent_secs }, recipient) => {
                Err(Error::RecipientUnavailable {
                    recipient,
                    dead_letter_id: id,
                    silent_secs,
                })
            }
        }
    }

    /// Unread messages oldest first (`all = false`), or every message newest first.
    /// Never marks anything read. `limit`: `None` for every matching message, else
    /// 1..=[`MAX_LIMIT`](crate::MAX_LIMIT); anything else is [`Error::InvalidInput`].
    pub fn inbox(&self, all: bool, limit: Option<u32>) -> Result<Vec<Message>> {
        limit.map(check_limit).transpose()?;
        let limit = limit.map_or(-1, i64::from);
        self.read_tx(|c, me| {
            if all {
                query(
                    c,
                    "WHERE to_agent = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2",
                    params![me.id, limit],
                )
            } else {
                unread(c, &me.id, limit)
            }
        })
    }

    /// Unread messages, oldest first, without marking them read.
    pub fn peek(&self) -> Result<Vec<Message>> {
        self.inbox(false, None)
    }

    /// Returns every unread message, oldest first, and marks them read in the same transaction.
    pub fn read_unread(&self) -> Result<Vec<Message>> {
        self.write_tx(|c, me| {
            let msgs = unread(c, &me.id, -1)?;
            if !msgs.is_empty() {
                c.prepare_cached("UPDATE messages SET read = 1 WHERE to_agent = ?1 AND read = 0")?
                    .execute([&me.id])?;
                audit::record(
                    c,
                    &me.id,
                    "messages_read",
                    &format!("{} message(s)", msgs.len()),
                )?;
            }
            Ok(msgs
                .into_iter()
                .map(|m| Message { read: true, ..m })
                .collect())
        })
    }

    /// One message by id or unique prefix; marks it read when the actor is its recipient.
    pub fn read(&self, message_id: &str) -> Result<Message> {
        self.write_tx(|c, me| {
            let msg = load(c, &ids::resolve(c, MESSAGES, message_id)?)?;
            if msg.to_agent != me.id && msg.from_agent != me.id && !me.is_admin() {
                return Err(Error::denied(
                    &me.id,
                    format!("read message {} (addressed to {})", msg.id, msg.to_agent),
                ));
            }
            if msg.to_agent == me.id && !msg.read {
                c.prepare_cached("UPDATE messages SET read = 1 WHERE id = ?1")?
                    .execute([&msg.id])?;
                audit::record(c, &me.id, "message_read", &msg.id)?;
                return Ok(Message { read: true, ..msg });
            }
            Ok(msg)
        })
    }

    /// Marks every message from `other` to the actor read; returns how many changed.
    pub fn mark_conversation_read(&self, other: &str) -> Result<usize> {
        self.write_tx(|c, me| {
            let other = agents::resolve_principal(c, other)?;
            let n = c
                .prepare_cached("UPDATE messages SET read = 1 WHERE to_agent = ?1 AND from_agent = ?2 AND read = 0")?
                .execute([&me.id, &other.id])?;
            audit::record(c, &me.id, "conversation_read", &format!("{} from {}", n, other.id))?;
            Ok(n)
        })
    }

    /// Records that `session_id` has seen a message addressed to the actor.
    /// Returns false when that session had already acknowledged it.
    pub fn ack(&self, message_id: &str, session_id: &str) -> Result<bool> {
        ids::validate_label("session id", session_id, crate::text::MAX_SESSION_ID_BYTES)?;
        self.write_tx(|c, me| {
            let msg = load(c, &ids::resolve(c, MESSAGES, message_id)?)?;
            if msg.to_agent != me.id {
                return Err(Error::denied(&me.id, format!("ack message {} (addressed to {})", msg.id, msg.to_agent)));
            }
            let added = c
                .prepare_cached("INSERT OR IGNORE INTO seen_messages (session_id, message_id, seen_at) VALUES (?1, ?2, ?3)")?
                .execute(params![session_id, msg.id, liveness::unix_now()])?;
            if added > 0 {
                audit::record(c, &me.id, "message_acked", &format!("{} session={session_id}", msg.id))?;
            }
            Ok(added > 0)
        })
    }

    /// Number of unread messages addressed to the actor.
    pub fn unread_count(&self) -> Result<i64> {
        // Hooks poll this constantly: one statement checks the actor and counts.
        let (known, count) = self.store.read_one(|c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM agents WHERE id = ?1),
                        (SELECT count(*) FROM messages WHERE to_agent = ?1 AND read = 0)",
            )?
            .query_row([&self.id], |r| {
                Ok((r.get::<_, bool>(0)?, r.get::<_, i64>(1)?))
            })?)
        })?;
        if !known {
            return Err(Error::not_found(crate::ObjectKind::Agent, &self.id));
        }
        Ok(count)
    }

    /// The last `limit` messages between the actor and `other`, oldest first.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`].
    pub fn history(&self, other: &str, limit: u32) -> Result<Vec<Message>> {
        check_limit(limit)?;
        self.read_tx(|c, me| {
            let other = agents::resolve_principal(c, other)?;
            let mut msgs = query(
                c,
                "WHERE (from_agent = ?1 AND to_agent = ?2) OR (from_agent = ?2 AND to_agent = ?1)
                 ORDER BY created_at DESC, rowid DESC LIMIT ?3",
                params![me.id, other.id, limit],
            )?;
            msgs.reverse();
            Ok(msgs)
        })
    }

    /// The newest messages of a group (default: the actor's), newest first. Tier 0 only.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`].
    pub fn feed(&self, group: Option<&str>, limit: u32) -> Result<Vec<Message>> {
        check_limit(limit)?;
        self.read_tx(|c, me| {
            require_admin(me, "read the group feed")?;
            let group = group.unwrap_or(&me.group_id);
            query(
                c,
                "WHERE group_id = ?1 OR sender_group_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2",
                params![group, limit],
            )
        })
    }

    /// A one-line summary of unread mail for prompt hooks, or `None` when there is none.
    pub fn notify(&self) -> Result<Option<String>> {
        self.read_tx(|c, me| {
            let mut stmt = c.prepare_cached(
                "SELECT from_agent, count(*) FROM messages WHERE to_agent = ?1 AND read = 0
                 GROUP BY from_agent ORDER BY min(created_at), min(rowid)",
            )?;
            let senders = stmt
                .query_map([&me.id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let total: i64 = senders.iter().map(|(_, n)| n).sum();
            if total == 0 {
                return Ok(None);
            }
            let who = senders
                .iter()
                .map(|(s, n)| {
                    if *n > 1 {
                        format!("{s} ({n})")
                    } else {
                        s.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let plural = if total == 1 { "" } else { "s" };
            Ok(Some(format!(
                "{total} unread message{plural} from {who} — run `btmsg inbox`"
            )))
        })
    }

    /// Deletes a direct message. Managers and tier 0 only.
    pub fn delete_message(&self, message_id: &str) -> Result<()> {
        self.write_tx(|c, me| {
            require_manager(me, "delete messages")?;
            let id = ids::resolve(c, MESSAGES, message_id)?;
            c.prepare_cached("DELETE FROM messages WHERE id = ?1")?
                .execute([&id])?;
            audit::record(c, &me.id, "message_deleted", &id)
        })
    }

    /// Sends to every agent of `role` in the actor's group (tier 0: every group).
    pub fn send_to_role(&self, role: &str, content: &str) -> Result<Delivery> {
        // The role ends up in the audit row: it obeys the same rule as a registered role.
        ids::validate_token("role", role)?;
        self.fan_out(content, &format!("role {role}"), |c, me| {
            agents::principals(
                c,
                "a.role = ?1 AND a.id != ?2 AND (?3 OR a.group_id = ?4)",
                params![role, me.id, me.is_admin(), me.group_id],
            )
        })
    }

    /// Sends to every agent whose id matches the glob (`*`, `?`, `[...]`), in the actor's group
    /// (tier 0: every group).
    pub fn send_to_pattern(&self, pattern: &str, content: &str) -> Result<Delivery> {
        ids::validate_label("pattern", pattern, crate::text::MAX_ID_LEN)?;
        self.fan_out(content, &format!("pattern {pattern}"), |c, me| {
            agents::principals(
                c,
                "a.id GLOB ?1 AND a.id != ?2 AND (?3 OR a.group_id = ?4)",
                params![pattern, me.id, me.is_admin(), me.group_id],
            )
        })
    }

    /// Sends to every other agent of the actor's group.
    pub fn broadcast(&self, content: &str) -> Result<Delivery> {
        self.fan_out(content, "group", |c, me| {
            agents::principals(
                c,
                "a.group_id = ?1 AND a.id != ?2",
                params![me.group_id, me.id],
            )
        })
    }

    /// One transaction for the whole fan-out: recipients outside the ACL are skipped, stale
    /// ones get a dead letter, and an empty audience is a not-found error.
    fn fan_out(
        &self,
        content: &str,
        audience: &str,
        recipients: impl FnOnce(&Connection, &Principal) -> Result<Vec<Principal>>,
    ) -> Result<Delivery> {
        validate_content(content)?;
        let stale = self.stale_after_secs();
        self.write_tx(|c, me| {
            let targets = recipients(c, me)?;
            if targets.is_empty() {
                return Err(Error::not_found(
                    crate::ObjectKind::Agent,
                    format!("any agent matching {audience}"),
                ));
            }
            let mut out = Delivery::default();
            for to in &targets {
                if !agents::may_message(c, me, &to.id)? {
                    out.skipped.push(to.id.clone());
                    continue;
                }
                match deliver(c, stale, me, to, content, None)? {
                    Delivered::Sent(m) => out.sent.push(m),
                    Delivered::DeadLettered { id, .. } => {
                        out.dead_lettered.push((to.id.clone(), id))
                    }
                }
            }
            Ok(out)
        })
    }
}

fn unread(c: &Connection, agent: &str, limit: i64) -> Result<Vec<Message>> {
    query(
        c,
        "WHERE to_agent = ?1 AND read = 0 ORDER BY created_at, rowid LIMIT ?2",
        params![agent, limit],
    )
}
