//! Direct messages: send (with an importance and a receipt to wait for), reply, inbox, peek,
//! read, acks and receipts, overdue asks, history, the admin feed, the notify line, and
//! fan-out to a role, an id glob or the whole group. ACL and liveness checked here.

use crate::actor;
use crate::actor::Actor;
use crate::audit;
use crate::changes::{self, Audience};
use crate::clock;
use crate::delivery::{deliver, Delivered};
use crate::error::{Error, Result};
use crate::ids::{self, validate_content};
use crate::members;
use crate::model::agents::Member;
use crate::model::changes::ChangeKind;
use crate::model::liveness::Staleness;
use crate::model::messages::{Asks, Delivery, Letter, Marks, Message};
use crate::model::search::Source;
use crate::numbers::check_limit;
use crate::prefixes::{self, Scope, MESSAGES};
use crate::rules::{Action, Target};

use crate::storage::sql::agents as agents_sql;
use crate::storage::sql::messages::{self as sql, SenderUnread};
use crate::storage::sql::search as search_sql;
use crate::storage::Tx;

fn load(conn: &dyn Tx, id: &str) -> Result<Message> {
    sql::by_id(conn, id)?.ok_or_else(|| Error::not_found(crate::ObjectKind::Message, id))
}

impl Actor {
    fn staleness(&self) -> Staleness {
        self.store.staleness()
    }

    /// Sends a direct message to an agent given by id or unique prefix.
    ///
    /// Errors: `NotFound` for an unknown recipient, `PermissionDenied` when the recipient is not
    /// a contact, `RecipientUnavailable` when it is stale (the message is then kept as a dead
    /// letter and redelivered on its next heartbeat).
    pub fn send(&self, to: &str, content: &str) -> Result<Message> {
        self.send_asking(to, content, &Asks::default())
    }

    /// [`Actor::send`] with what the sender asks of the message: its importance (the
    /// recipient's inbox and `notify` put the more important first) and a receipt (its `ack`
    /// or a reply), optionally within `deadline_secs`, after which an unanswered message is in
    /// the sender's [`Actor::overdue`] list.
    pub fn send_asking(&self, to: &str, content: &str, asks: &Asks) -> Result<Message> {
        validate_content(content)?;
        asks.validate()?;
        let stale = self.staleness();
        let now_ms = self.store.now_ms();
        let marks = Marks {
            importance: asks.importance,
            ack_required: asks.ack_required,
            deadline: asks
                .deadline_secs
                .map(|s| clock::sql_time(now_ms.saturating_add(i64::from(s) * 1000))),
        };
        let letter = Letter {
            content,
            reply_to: None,
            marks: &marks,
        };
        self.send_checked(|c, me| {
            me.check(Action::SendMessage, Target::None)?;
            let recipient = members::resolve_principal(c, to, &me.reachable_scope())?;
            if !members::may_message(c, me, &recipient.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!(
                        "message {} (not in contacts; see `btmsg allow`)",
                        recipient.id
                    ),
                ));
            }
            deliver(c, stale, me, &recipient, letter).map(|d| (d, recipient.identity.id))
        })
    }

    /// Replies to a message (by id or unique prefix), threading it with `reply_to`.
    /// The reply goes to the other party; a recipient may always answer the mail it received,
    /// and its answer is the message's receipt (as an `ack` is).
    pub fn reply(&self, message_id: &str, content: &str) -> Result<Message> {
        validate_content(content)?;
        let stale = self.staleness();
        self.send_checked(|c, me| {
            me.check(Action::SendMessage, Target::None)?;
            let original = load(
                c,
                &prefixes::resolve(c, MESSAGES, message_id, &own_messages(me))?,
            )?;
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
            let recipient = actor::principal(c, other)?;
            let answering = original.to_agent == me.id;
            if !answering && !members::may_message(c, me, &recipient.id)? {
                return Err(Error::denied(
                    &me.id,
                    format!("message {} (not in contacts)", recipient.id),
                ));
            }
            if answering {
                receipt(c, me, &original)?;
            }
            let letter = Letter {
                content,
                reply_to: Some(&original.id),
                marks: &Marks::default(),
            };
            deliver(c, stale, me, &recipient, letter).map(|d| (d, recipient.identity.id))
        })
    }

    /// Commits the delivery either way, then reports a dead letter as `RecipientUnavailable`.
    fn send_checked(
        &self,
        f: impl FnOnce(&dyn Tx, &Member) -> Result<(Delivered, String)>,
    ) -> Result<Message> {
        match self.write_tx(f)? {
            (Delivered::Sent(m), _) => Ok(*m),
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
        // No limit is the largest one: `LIMIT -1` is SQLite's alone.
        let limit = limit.map_or(i64::MAX, i64::from);
        self.read_tx(|c, me| {
            if all {
                sql::newest_to(c, &me.id, limit)
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
            let msgs = unread(c, &me.id, i64::MAX)?;
            if !msgs.is_empty() {
                sql::mark_all_read(c, &me.id)?;
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
            let msg = load(
                c,
                &prefixes::resolve(c, MESSAGES, message_id, &own_messages(me))?,
            )?;
            if msg.to_agent == me.id && !msg.read {
                sql::mark_read(c, &msg.id)?;
                audit::record(c, &me.id, "message_read", &msg.id)?;
                return Ok(Message { read: true, ..msg });
            }
            Ok(msg)
        })
    }

    /// Marks every message from `other` to the actor read; returns how many changed.
    pub fn mark_conversation_read(&self, other: &str) -> Result<usize> {
        self.write_tx(|c, me| {
            let other = members::resolve_principal(c, other, &me.reachable_scope())?;
            let n = sql::mark_conversation_read(c, &me.id, &other.id)?;
            audit::record(
                c,
                &me.id,
                "conversation_read",
                &format!("{} from {}", n, other.id),
            )?;
            Ok(n)
        })
    }

    /// Records that `session_id` has seen a message addressed to the actor; the first `ack`
    /// from any of its sessions is also the message's receipt, which its sender sees
    /// (`acked_at`; a sender that asked for one hears of it in the change feed).
    /// Returns false when that session had already acknowledged it.
    pub fn ack(&self, message_id: &str, session_id: &str) -> Result<bool> {
        ids::validate_label("session id", session_id, crate::text::MAX_SESSION_ID_BYTES)?;
        self.write_tx(|c, me| {
            let msg = load(
                c,
                &prefixes::resolve(c, MESSAGES, message_id, &own_messages(me))?,
            )?;
            if msg.to_agent != me.id {
                return Err(Error::denied(
                    &me.id,
                    format!("ack message {} (addressed to {})", msg.id, msg.to_agent),
                ));
            }
            let added = sql::insert_seen(c, session_id, &msg.id, clock::secs(self.store.now_ms()))?;
            receipt(c, me, &msg)?;
            if added {
                audit::record(
                    c,
                    &me.id,
                    "message_acked",
                    &format!("{} session={session_id}", msg.id),
                )?;
            }
            Ok(added)
        })
    }

    /// The actor's messages that asked for a receipt by a deadline now past and have none:
    /// the longest overdue first, at most `limit` (1..=[`MAX_LIMIT`](crate::MAX_LIMIT)).
    pub fn overdue(&self, limit: u32) -> Result<Vec<Message>> {
        check_limit(limit)?;
        let now = clock::sql_time(self.store.now_ms());
        self.read_tx(|c, me| sql::overdue(c, &me.id, &now, i64::from(limit)))
    }

    /// Number of unread messages addressed to the actor.
    pub fn unread_count(&self) -> Result<i64> {
        // Hooks poll this constantly: one statement checks the actor and counts.
        let id = self.agent_id()?;
        let (known, count) = self.store.read_one(|c| sql::unread_count(c, id))?;
        if !known {
            return Err(Error::not_found(crate::ObjectKind::Agent, id));
        }
        Ok(count)
    }

    /// The last `limit` messages between the actor and `other`, oldest first.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`].
    pub fn history(&self, other: &str, limit: u32) -> Result<Vec<Message>> {
        check_limit(limit)?;
        self.read_tx(|c, me| {
            let other = members::resolve_principal(c, other, &me.reachable_scope())?;
            let mut msgs = sql::between(c, &me.id, &other.id, limit)?;
            msgs.reverse();
            Ok(msgs)
        })
    }

    /// The newest messages of a group (default: the actor's), newest first. Tier 0 only.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`].
    pub fn feed(&self, group: Option<&str>, limit: u32) -> Result<Vec<Message>> {
        check_limit(limit)?;
        self.read_tx(|c, me| {
            me.check(Action::ReadGroupFeed, Target::None)?;
            let group = group.unwrap_or(&me.group_id);
            sql::group_feed(c, group, limit)
        })
    }

    /// A one-line summary of unread mail for prompt hooks, or `None` when there is none.
    pub fn notify(&self) -> Result<Option<String>> {
        self.read_tx(|c, me| {
            let senders = sql::unread_by_sender(c, &me.id)?;
            let total: i64 = senders.iter().map(|s| s.count).sum();
            if total == 0 {
                return Ok(None);
            }
            Ok(Some(notice(total, &senders)))
        })
    }

    /// Deletes a direct message. Managers and tier 0 only.
    pub fn delete_message(&self, message_id: &str) -> Result<()> {
        self.write_tx(|c, me| {
            me.check(Action::DeleteMessage, Target::None)?;
            let scope = if me.is_admin() {
                Scope::all()
            } else {
                Scope::group_messages(&me.group_id)
            };
            let id = prefixes::resolve(c, MESSAGES, message_id, &scope)?;
            search_sql::forget_message(c, &id)?;
            sql::delete(c, &id)?;
            search_sql::rewind(c, Source::Message)?;
            audit::record(c, &me.id, "message_deleted", &id)
        })
    }

    /// Sends to every agent of `role` in the actor's group (tier 0: every group).
    pub fn send_to_role(&self, role: &str, content: &str) -> Result<Delivery> {
        // The role ends up in the audit row: it obeys the same rule as a registered role.
        ids::validate_token("role", role)?;
        self.fan_out(content, &format!("role {role}"), |c, me| {
            agents_sql::audience(c, &me.id, &me.group_id, me.is_admin(), Some(role))
        })
    }

    /// Sends to every agent whose id matches the glob (`*`, `?`, `[...]`), in the actor's group
    /// (tier 0: every group).
    pub fn send_to_pattern(&self, pattern: &str, content: &str) -> Result<Delivery> {
        ids::validate_label("pattern", pattern, crate::text::MAX_ID_LEN)?;
        let glob = crate::glob::Glob::new(pattern);
        self.fan_out(content, &format!("pattern {pattern}"), |c, me| {
            let mut audience = agents_sql::audience(c, &me.id, &me.group_id, me.is_admin(), None)?;
            audience.retain(|a| glob.matches(&a.id));
            Ok(audience)
        })
    }

    /// Sends to every other agent of the actor's group.
    pub fn broadcast(&self, content: &str) -> Result<Delivery> {
        self.fan_out(content, "group", |c, me| {
            agents_sql::audience(c, &me.id, &me.group_id, false, None)
        })
    }

    /// One transaction for the whole fan-out: recipients outside the ACL are skipped, stale
    /// ones get a dead letter, and an empty audience is a not-found error.
    fn fan_out(
        &self,
        content: &str,
        audience: &str,
        recipients: impl FnOnce(&dyn Tx, &Member) -> Result<Vec<Member>>,
    ) -> Result<Delivery> {
        validate_content(content)?;
        let stale = self.staleness();
        self.write_tx(|c, me| {
            me.check(Action::SendMessage, Target::None)?;
            let targets = recipients(c, me)?;
            if targets.is_empty() {
                return Err(Error::not_found(
                    crate::ObjectKind::Agent,
                    format!("any agent matching {audience}"),
                ));
            }
            let mut out = Delivery::default();
            for to in &targets {
                if !members::may_message(c, me, &to.id)? {
                    out.skipped.push(to.id.clone());
                    continue;
                }
                let letter = Letter {
                    content,
                    reply_to: None,
                    marks: &Marks::default(),
                };
                match deliver(c, stale, me, to, letter)? {
                    Delivered::Sent(m) => out.sent.push(*m),
                    Delivered::DeadLettered { id, .. } => {
                        out.dead_lettered.push((to.id.clone(), id))
                    }
                }
            }
            Ok(out)
        })
    }
}

/// Messages an agent may name: those it sent or received (tier 0: all).
fn own_messages(me: &Member) -> Scope {
    if me.is_admin() {
        Scope::all()
    } else {
        Scope::own_messages(&me.id)
    }
}

fn unread(c: &dyn Tx, agent: &str, limit: i64) -> Result<Vec<Message>> {
    sql::unread(c, agent, limit)
}

/// Records the receipt of `msg` by `me`, its recipient (the first one counts): an `ack` or a
/// reply. A sender that asked for a receipt is told in the change feed, so its wait wakes.
fn receipt(c: &dyn Tx, me: &Member, msg: &Message) -> Result<()> {
    if msg.to_agent != me.id || msg.acked_at.is_some() {
        return Ok(());
    }
    if sql::mark_acked(c, &msg.id, &c.now().sql())? && msg.ack_required {
        let sender_group = msg.sender_group_id.as_deref();
        let to = Audience {
            group: sender_group,
            agent: Some(&msg.from_agent),
            channel: None,
        };
        changes::record(
            c,
            ChangeKind::Message,
            "message_acked",
            &me.id,
            &msg.id,
            to,
            None,
        )?;
    }
    Ok(())
}

/// The sentence `notify` prints: `1 unread message from mgr-1`, `3 unread messages from
/// mgr-1`, or with several senders `5 unread messages: 3 from mgr-1, 2 from dev-2`; senders of
/// urgent or high mail come first, and a count of those is said after the total (`3 unread
/// messages (1 urgent) from mgr-1`), so a line without them reads as it always did.
fn notice(total: i64, senders: &[SenderUnread]) -> String {
    let plural = if total == 1 { "" } else { "s" };
    let from = match senders {
        [one] => format!(" from {}", one.from),
        _ => {
            let each: Vec<String> = senders
                .iter()
                .map(|s| format!("{} from {}", s.count, s.from))
                .collect();
            format!(": {}", each.join(", "))
        }
    };
    let urgent: i64 = senders.iter().map(|s| s.urgent).sum();
    let high: i64 = senders.iter().map(|s| s.high).sum();
    let marked: Vec<String> = [(urgent, "urgent"), (high, "high")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
    let marked = if marked.is_empty() {
        String::new()
    } else {
        format!(" ({})", marked.join(", "))
    };
    format!("{total} unread message{plural}{marked}{from} — run `btmsg inbox`")
}
