//! The change feed and wake-ups through an actor handle: read the feed from a cursor, or block
//! until something for the actor arrives (another process's commit wakes the wait).

use std::ffi::c_char;

use crate::boundary::{optional_text, optional_texts, FfiError};
use crate::handles::{agor_actor, query};
use crate::messages::given_limit;
use crate::status::agor_status;

/// Pass as `since` to `agor_wait` to wait for what arrives after the call starts.
pub const AGOR_WAIT_FROM_NOW: i64 = -1;
/// Pass as `timeout_ms` to `agor_wait` to wait until something arrives.
pub const AGOR_WAIT_FOREVER: i64 = -1;

/// The change feed after the cursor `since` (0: from the start), oldest first, as a JSON
/// array of `{"cursor", "kind", "event", "actor", "subject", "group_id", "agent_id",
/// "channel_id", "created_at"}`, as far as the actor may see it. `limit`: 1 to
/// `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT` for 50; anything else is `AGOR_INVALID_INPUT`.
///
/// Ownership: `*out_changes` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_changes(
    actor: Option<&agor_actor>,
    since: i64,
    limit: u32,
    out_changes: Option<&mut *mut c_char>,
) -> agor_status {
    let limit = given_limit(limit).unwrap_or(agor_core::DEFAULT_FEED_LIMIT);
    query(actor, out_changes, "out_changes", |me| {
        Ok(me.changes(since, limit)?)
    })
}

/// The newest cursor of the change feed (0 when it is empty): where a wait that must miss
/// nothing starts.
#[no_mangle]
pub extern "C" fn agor_latest_change(
    actor: Option<&agor_actor>,
    out_cursor: Option<&mut i64>,
) -> agor_status {
    query(
        actor,
        out_cursor,
        "out_cursor",
        |me| Ok(me.latest_change()?),
    )
}

/// Blocks until changes made by others arrive for the actor and returns them as a JSON array
/// (as `agor_changes`); `[]` when `timeout_ms` passes first. `kinds`: NULL for every kind, or
/// a comma-separated list of `message`, `post`, `task`, `agent`. `since`: a cursor, or
/// `AGOR_WAIT_FROM_NOW`. `timeout_ms`: 0 or more, or `AGOR_WAIT_FOREVER`. The wait uses a
/// database connection of its own: other calls on the same store go on meanwhile (from other
/// threads). Another process's commit wakes it within milliseconds.
///
/// Ownership: `*out_changes` receives a string the caller frees with `agor_string_free`.
///
/// # Safety
/// `kinds` is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn agor_wait(
    actor: Option<&agor_actor>,
    kinds: *const c_char,
    since: i64,
    timeout_ms: i64,
    out_changes: Option<&mut *mut c_char>,
) -> agor_status {
    // SAFETY: forwarded from this function's contract.
    let kinds = unsafe { optional_text(kinds, "kinds") };
    query(actor, out_changes, "out_changes", |me| {
        let kinds = match kinds? {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|k| k.trim().parse())
                .collect::<Result<Vec<agor_core::ChangeKind>, _>>()?,
        };
        let since = (since != AGOR_WAIT_FROM_NOW).then_some(since);
        let timeout = match timeout_ms {
            AGOR_WAIT_FOREVER => None,
            ms => Some(std::time::Duration::from_millis(
                u64::try_from(ms).map_err(|_| {
                    FfiError::from(agor_core::Error::InvalidInput {
                        field: "timeout_ms",
                        reason: format!(
                            "{ms} is negative; use AGOR_WAIT_FOREVER to wait without a limit"
                        ),
                    })
                })?,
            )),
        };
        Ok(me.wait(&kinds, since, timeout)?)
    })
}

/// Full-text search of what the actor may read: `query` in FTS5 syntax (words, `"phrases"`,
/// `prefix*`, `AND`, `OR`, `NOT`, parentheses); `kinds` NULL for every kind or a
/// comma-separated list of `message`, `post`, `task`, `comment`; `limit` 1 to
/// `AGOR_MAX_LIMIT`, or `AGOR_DEFAULT_LIMIT` for 20. The hits, best first, as a JSON array of
/// `{"kind", "id", "parent_id", "snippet", "rank", "created_at"}` (matched words in the
/// snippet wrapped in `**`). A malformed query is `AGOR_INVALID_INPUT` naming the problem.
///
/// Ownership: `*out_hits` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_search(
    actor: Option<&agor_actor>,
    query_text: *const c_char,
    kinds: *const c_char,
    limit: u32,
    out_hits: Option<&mut *mut c_char>,
) -> agor_status {
    let limit = given_limit(limit).unwrap_or(agor_core::DEFAULT_SEARCH_LIMIT);
    query(actor, out_hits, "out_hits", |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let text = unsafe { crate::boundary::text(query_text, "query") }?;
        let kinds = match optional_texts!(kinds) {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|k| k.trim().parse())
                .collect::<Result<Vec<agor_core::SearchKind>, _>>()?,
        };
        Ok(me.search(text, &kinds, limit)?)
    })
}
