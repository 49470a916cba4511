//! Liveness through an actor handle: heartbeats and the dead-letter queue.
//! Mail to a stale agent waits as a dead letter until its heartbeat or a manual redelivery.

use std::ffi::c_char;

use crate::handles::{agor_actor, query, update};
use crate::status::agor_status;

/// Pass as `dead_letter_id` to act on every dead letter the actor may see.
pub const AGOR_ALL_DEAD_LETTERS: i64 = -1;

fn scope(dead_letter_id: i64) -> Option<i64> {
    (dead_letter_id != AGOR_ALL_DEAD_LETTERS).then_some(dead_letter_id)
}

/// Records that the actor is alive and redelivers dead letters waiting for it.
///
/// Ownership: `out_heartbeat` may be NULL; otherwise it receives JSON
/// `{"agent_id", "timestamp", "redelivered": [...]}`, which the caller frees with
/// `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_heartbeat(
    actor: Option<&agor_actor>,
    out_heartbeat: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_heartbeat, |me| Ok(me.heartbeat()?))
}

/// Dead letters the actor may see (those it sent or that were addressed to it; managers and
/// admins see all), oldest first, as a JSON array.
///
/// Ownership: `*out_dead_letters` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_dead_letters(
    actor: Option<&agor_actor>,
    out_dead_letters: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_dead_letters, "out_dead_letters", |me| {
        Ok(me.dead_letters()?)
    })
}

/// Moves dead letters into their recipients' inboxes now: the one with id `dead_letter_id`,
/// or all the actor may act on with `AGOR_ALL_DEAD_LETTERS`.
///
/// Ownership: `out_messages` may be NULL; otherwise it receives the delivered messages as a
/// JSON array, which the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_redeliver_dead_letters(
    actor: Option<&agor_actor>,
    dead_letter_id: i64,
    out_messages: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_messages, |me| {
        Ok(me.redeliver_dead_letters(scope(dead_letter_id))?)
    })
}

/// Deletes dead letters: the one with id `dead_letter_id`, or all the actor may act on with
/// `AGOR_ALL_DEAD_LETTERS`. `out_cleared` may be NULL; otherwise it receives how many.
#[no_mangle]
pub extern "C" fn agor_clear_dead_letters(
    actor: Option<&agor_actor>,
    dead_letter_id: i64,
    out_cleared: Option<&mut usize>,
) -> agor_status {
    update(actor, out_cleared, |me| {
        Ok(me.clear_dead_letters(scope(dead_letter_id))?)
    })
}
