//! Channels through an actor handle: create, list, post, history, add member.
//! Channels are addressed by name or id; the core enforces who may do what.

use std::ffi::c_char;

use crate::boundary::texts;
use crate::handles::{agor_actor, query, update};
use crate::messages::given_limit;
use crate::status::agor_status;

/// Creates channel `name` in the actor's group and joins it. Managers and admins only.
///
/// Ownership: `out_channel` may be NULL; otherwise it receives the channel as JSON, which the
/// caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_create_channel(
    actor: Option<&agor_actor>,
    name: *const c_char,
    out_channel: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_channel, |me| {
        let name = texts!(name);
        Ok(me.create_channel(name)?)
    })
}

/// The channels of the actor's group (admins: all), with member counts and last message, as a
/// JSON array.
///
/// Ownership: `*out_channels` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_list_channels(
    actor: Option<&agor_actor>,
    out_channels: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_channels, "out_channels", |me| {
        Ok(me.list_channels()?)
    })
}

/// Posts `content` to `channel` (name or id). Members only; admins bypass.
///
/// Ownership: `out_post` may be NULL; otherwise it receives the post as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_post(
    actor: Option<&agor_actor>,
    channel: *const c_char,
    content: *const c_char,
    out_post: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_post, |me| {
        let (channel, content) = texts!(channel, content);
        Ok(me.post(channel, content)?)
    })
}

/// The last `limit` posts of `channel`, oldest first, as a JSON array. Members, managers and
/// admins. `limit`: 1 to `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT` for 30; anything else is
/// `AGOR_INVALID_INPUT`.
///
/// Ownership: `*out_posts` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_channel_history(
    actor: Option<&agor_actor>,
    channel: *const c_char,
    limit: u32,
    out_posts: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_posts, "out_posts", |me| {
        let channel = texts!(channel);
        let limit = given_limit(limit).unwrap_or(agor_core::DEFAULT_CHANNEL_HISTORY_LIMIT);
        Ok(me.channel_history(channel, limit)?)
    })
}

/// Adds agent `agent_id` to `channel`. Managers, admins and the channel's creator; adding a
/// member twice is not an error.
///
/// Ownership: `out_channel` may be NULL; otherwise it receives the channel as JSON, which the
/// caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_add_member(
    actor: Option<&agor_actor>,
    channel: *const c_char,
    agent_id: *const c_char,
    out_channel: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_channel, |me| {
        let (channel, agent) = texts!(channel, agent_id);
        Ok(me.add_member(channel, agent)?)
    })
}
