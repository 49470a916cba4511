//! Direct messages through an actor handle: send, reply, inbox, read, ack, history, feed, notify.
//! Each entry point converts its arguments and calls the one matching `agor_core::Actor` method.

use std::ffi::c_char;

use crate::boundary::{call, handle, optional_texts, put_string, required_out, text, texts};
use crate::handles::{agor_actor, query, update};
use crate::status::agor_status;

/// Pass as `limit` for the function's documented default (`(uint32_t)-1`). Every other
/// `limit` must be 1 to `AGOR_MAX_LIMIT`: 0 and larger values fail with `AGOR_INVALID_INPUT`,
/// as in every agor surface (0 never means "all").
pub const AGOR_DEFAULT_LIMIT: u32 = u32::MAX;

/// Largest `limit` any list function accepts.
pub const AGOR_MAX_LIMIT: u32 = 10_000;

/// `None` for `AGOR_DEFAULT_LIMIT`, else the caller's value, which the core checks
/// (so 0 and values past the maximum get the core's one error and wording).
pub(crate) fn given_limit(limit: u32) -> Option<u32> {
    (limit != AGOR_DEFAULT_LIMIT).then_some(limit)
}

/// The acting agent's own record, as JSON.
///
/// Ownership: `*out_agent` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_whoami(
    actor: Option<&agor_actor>,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_agent, "out_agent", |me| Ok(me.whoami()?))
}

/// The agents the actor may message, as a JSON array.
///
/// Ownership: `*out_agents` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_contacts(
    actor: Option<&agor_actor>,
    out_agents: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_agents, "out_agents", |me| Ok(me.contacts()?))
}

/// Sends `content` to agent `to` (id or unique id prefix).
///
/// Errors: `AGOR_NOT_FOUND` (unknown recipient), `AGOR_PERMISSION_DENIED` (not a contact),
/// `AGOR_INVALID_INPUT` (empty or oversized content), `AGOR_RECIPIENT_UNAVAILABLE` (recipient
/// stale: the message was kept as a dead letter and is redelivered on its next heartbeat).
///
/// Ownership: `out_message` may be NULL; otherwise it receives the stored message as JSON,
/// which the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_send(
    actor: Option<&agor_actor>,
    to: *const c_char,
    content: *const c_char,
    out_message: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_message, |me| {
        let (to, content) = texts!(to, content);
        Ok(me.send(to, content)?)
    })
}

/// Replies to message `message_id` (id or unique prefix), threading it via `reply_to`.
///
/// Ownership: `out_message` may be NULL; otherwise it receives the reply as JSON, which the
/// caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_reply(
    actor: Option<&agor_actor>,
    message_id: *const c_char,
    content: *const c_char,
    out_message: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_message, |me| {
        let (id, content) = texts!(message_id, content);
        Ok(me.reply(id, content)?)
    })
}

/// The actor's inbox as a JSON array: unread messages oldest first, or with `all` every
/// message newest first. `limit`: 1 to `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT` for every
/// one; anything else is `AGOR_INVALID_INPUT`. Marks nothing read.
///
/// Ownership: `*out_messages` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_inbox(
    actor: Option<&agor_actor>,
    all: bool,
    limit: u32,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    let limit = given_limit(limit);
    query(actor, out_messages, "out_messages", |me| {
        Ok(me.inbox(all, limit)?)
    })
}

/// Unread messages, oldest first, as a JSON array, without marking them read.
///
/// Ownership: `*out_messages` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_peek(
    actor: Option<&agor_actor>,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_messages, "out_messages", |me| Ok(me.peek()?))
}

/// One message by id or unique prefix, as JSON; marks it read if it was addressed to the actor.
///
/// Ownership: `*out_message` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_read(
    actor: Option<&agor_actor>,
    message_id: *const c_char,
    out_message: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_message, "out_message", |me| {
        let id = texts!(message_id);
        Ok(me.read(id)?)
    })
}

/// Every unread message, oldest first, as a JSON array, marking them read in the same
/// transaction (so no message is returned twice).
///
/// Ownership: `*out_messages` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_read_unread(
    actor: Option<&agor_actor>,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_messages, "out_messages", |me| {
        Ok(me.read_unread()?)
    })
}

/// Marks every unread message from agent `other` to the actor read.
/// `out_marked` may be NULL; otherwise it receives how many were marked.
#[no_mangle]
pub unsafe extern "C" fn agor_mark_conversation_read(
    actor: Option<&agor_actor>,
    other: *const c_char,
    out_marked: Option<&mut usize>,
) -> agor_status {
    update(actor, out_marked, |me| {
        let other = texts!(other);
        Ok(me.mark_conversation_read(other)?)
    })
}

/// Records that session `session_id` has seen message `message_id` (addressed to the actor).
/// `out_newly_seen` may be NULL; otherwise it receives false when that session had already
/// acknowledged the message.
#[no_mangle]
pub unsafe extern "C" fn agor_ack(
    actor: Option<&agor_actor>,
    message_id: *const c_char,
    session_id: *const c_char,
    out_newly_seen: Option<&mut bool>,
) -> agor_status {
    update(actor, out_newly_seen, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (id, session) = unsafe {
            (
                text(message_id, "message_id")?,
                text(session_id, "session_id")?,
            )
        };
        Ok(me.ack(id, session)?)
    })
}

/// The number of unread messages addressed to the actor, in `*out_count`.
#[no_mangle]
pub extern "C" fn agor_unread_count(
    actor: Option<&agor_actor>,
    out_count: Option<&mut i64>,
) -> agor_status {
    query(actor, out_count, "out_count", |me| Ok(me.unread_count()?))
}

/// The last `limit` messages between the actor and agent `other`, oldest first, as a JSON
/// array. `limit`: 1 to `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT` for 20; anything else is
/// `AGOR_INVALID_INPUT`.
///
/// Ownership: `*out_messages` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_history(
    actor: Option<&agor_actor>,
    other: *const c_char,
    limit: u32,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_messages, "out_messages", |me| {
        let other = texts!(other);
        let limit = given_limit(limit).unwrap_or(agor_core::DEFAULT_HISTORY_LIMIT);
        Ok(me.history(other, limit)?)
    })
}

/// The newest `limit` messages of `group` (NULL: the actor's own group), newest first, as a
/// JSON array. Admins (tier 0) only. `limit`: 1 to `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT`
/// for 50; anything else is `AGOR_INVALID_INPUT`.
///
/// Ownership: `*out_messages` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_feed(
    actor: Option<&agor_actor>,
    group: *const c_char,
    limit: u32,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_messages, "out_messages", |me| {
        let group = optional_texts!(group);
        let limit = given_limit(limit).unwrap_or(agor_core::DEFAULT_FEED_LIMIT);
        Ok(me.feed(group, limit)?)
    })
}

/// A one-line plain-text summary of unread mail for prompt hooks, e.g.
/// `"2 unread messages from mgr-1 (2) — run `btmsg inbox`"`.
///
/// Ownership: `*out_line` receives a string the caller frees with `agor_string_free`, or NULL
/// (with `AGOR_OK`) when there is no unread mail.
#[no_mangle]
pub extern "C" fn agor_notify(
    actor: Option<&agor_actor>,
    out_line: Option<&mut *mut c_char>,
) -> agor_status {
    call(|| {
        let out = required_out(out_line, "out_line")?;
        if let Some(line) = handle(actor, "actor")?.actor.notify()? {
            put_string(out, line);
        }
        Ok(())
    })
}

/// Sends `content` to every agent of role `role` in the actor's group (admins: every group).
/// Agents the actor may not message are skipped, not an error.
///
/// Ownership: `out_delivery` may be NULL; otherwise it receives JSON
/// `{"sent": [...], "dead_lettered": [[agent, dead_letter_id], ...], "skipped": [...]}`,
/// which the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_send_to_role(
    actor: Option<&agor_actor>,
    role: *const c_char,
    content: *const c_char,
    out_delivery: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_delivery, |me| {
        let (role, content) = texts!(role, content);
        Ok(me.send_to_role(role, content)?)
    })
}

/// Sends `content` to every agent whose id matches the glob `pattern` (e.g. `"dev-*"`) in
/// the actor's group (admins: every group).
///
/// Ownership: as for `agor_send_to_role`.
#[no_mangle]
pub unsafe extern "C" fn agor_send_to_pattern(
    actor: Option<&agor_actor>,
    pattern: *const c_char,
    content: *const c_char,
    out_delivery: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_delivery, |me| {
        let (pattern, content) = texts!(pattern, content);
        Ok(me.send_to_pattern(pattern, content)?)
    })
}

/// Sends `content` to every other agent of the actor's group.
///
/// Ownership: as for `agor_send_to_role`.
#[no_mangle]
pub unsafe extern "C" fn agor_broadcast(
    actor: Option<&agor_actor>,
    content: *const c_char,
    out_delivery: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_delivery, |me| {
        let content = texts!(content);
        Ok(me.broadcast(content)?)
    })
}

/// Deletes a direct message of the actor's group (id or unique prefix). Managers and tier 0.
#[no_mangle]
pub unsafe extern "C" fn agor_delete_message(
    actor: Option<&agor_actor>,
    message_id: *const c_char,
) -> agor_status {
    update::<_, *mut c_char, _>(actor, None, |me| {
        let id = texts!(message_id);
        Ok(me.delete_message(id)?)
    })
}
