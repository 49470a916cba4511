//! The agent's own lifecycle through an actor handle: its work state, file reservations (advisory leases on
//! path globs that coding agents take before editing files; lists of paths or ids are passed
//! as one string, one per line) and usage and cost reports.

use std::ffi::c_char;

use crate::boundary::{optional_text, optional_texts, texts, FfiError};
use crate::handles::{agor_actor, query, update};
use crate::status::agor_status;

/// Pass as `ttl_secs` to `agor_reserve` or `agor_renew_reservations` for an hour. Like every
/// default of this header it is `UINT32_MAX`, never 0: 0 seconds is an error, as everywhere.
pub const AGOR_DEFAULT_TTL: u32 = u32::MAX;

/// A list passed as one string, one item per line (blank lines ignored).
pub(crate) fn lines(list: &str) -> Vec<String> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The default for `AGOR_DEFAULT_TTL`, else the caller's value for the core to check (0 is
/// `AGOR_INVALID_INPUT`).
fn ttl(secs: u32) -> u32 {
    if secs == AGOR_DEFAULT_TTL {
        agor_core::DEFAULT_RESERVATION_SECS
    } else {
        secs
    }
}

/// Reserves the path globs in `paths` (one per line), exclusive unless `shared`, for
/// `ttl_secs` (1 to 86400, or `AGOR_DEFAULT_TTL` for an hour; 0 is `AGOR_INVALID_INPUT`), with an optional `reason`, all
/// or none. A conflicting reservation of another agent of the group is
/// `AGOR_ALREADY_CLAIMED`, the message naming the holder and the paths. `*out_reservations`
/// (may be NULL) receives the reservations as a JSON array of `{"id", "agent_id",
/// "group_id", "pattern", "exclusive", "reason", "created_at", "expires_at_ms"}`.
///
/// Ownership: the caller frees `*out_reservations` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_reserve(
    actor: Option<&agor_actor>,
    paths: *const c_char,
    shared: bool,
    ttl_secs: u32,
    reason: *const c_char,
    out_reservations: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_reservations, |me| {
        let paths = lines(texts!(paths));
        let reason = optional_texts!(reason);
        Ok(me.reserve(&paths, !shared, ttl(ttl_secs), reason)?)
    })
}

/// Extends the actor's reservations (`ids` one per line, or NULL for all) to `ttl_secs` from
/// now; `*out_reservations` (may be NULL) receives them as a JSON array (as `agor_reserve`).
/// An id that is not a live reservation of the actor is `AGOR_NOT_FOUND`.
///
/// Ownership: the caller frees `*out_reservations` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_renew_reservations(
    actor: Option<&agor_actor>,
    ids: *const c_char,
    ttl_secs: u32,
    out_reservations: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_reservations, |me| {
        let ids = optional_texts!(ids).map(lines).unwrap_or_default();
        Ok(me.renew_reservations(&ids, ttl(ttl_secs))?)
    })
}

/// Releases the actor's reservations (`ids` one per line, or NULL for all); `*out_count` (may
/// be NULL) receives how many. An unknown id is `AGOR_NOT_FOUND` and nothing is released.
#[no_mangle]
pub unsafe extern "C" fn agor_release_reservations(
    actor: Option<&agor_actor>,
    ids: *const c_char,
    out_count: Option<&mut usize>,
) -> agor_status {
    update(actor, out_count, |me| {
        let ids = optional_texts!(ids).map(lines).unwrap_or_default();
        Ok(me.release_reservations(&ids)?)
    })
}

/// Live reservations of the actor's group, as a JSON array (as `agor_reserve`): of one agent
/// (`agent_id`, or NULL) and/or covering `path` (or NULL).
///
/// Ownership: `*out_reservations` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_reservations(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    path: *const c_char,
    out_reservations: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_reservations, "out_reservations", |me| {
        let agent = optional_texts!(agent_id);
        let path = optional_texts!(path);
        Ok::<_, FfiError>(me.reservations(agent, path)?)
    })
}

/// Records one model request of the actor: `input_tokens` and `output_tokens` (0 or more),
/// `cost_usd` (0 or more, finite), `model`, and the task it served (`task_id`, or NULL).
/// `*out_record` (may be NULL) receives it as JSON `{"id", "agent_id", "task_id", "model",
/// "input_tokens", "output_tokens", "cost_usd", "created_at"}`.
///
/// Ownership: the caller frees `*out_record` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_record_usage(
    actor: Option<&agor_actor>,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    model: *const c_char,
    task_id: *const c_char,
    out_record: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_record, |me| {
        let model = texts!(model);
        let task = optional_texts!(task_id);
        Ok(me.record_usage(input_tokens, output_tokens, cost_usd, model, task)?)
    })
}

/// Usage summed `by` `"agent"`, `"task"` or `"group"` (NULL: agent) over the actor's group
/// (tier 0: every group), biggest cost first, as a JSON array of `{"key", "input_tokens",
/// "output_tokens", "cost_usd", "requests"}`.
///
/// Ownership: `*out_summary` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_usage_summary(
    actor: Option<&agor_actor>,
    by: *const c_char,
    out_summary: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_summary, "out_summary", |me| {
        let by = match optional_texts!(by) {
            None => agor_core::UsageBy::Agent,
            Some(b) => b.parse()?,
        };
        Ok::<_, FfiError>(me.usage_summary(by)?)
    })
}

/// Sets the actor's work state: `state` one of `idle`, `working` (with an optional `task_id`),
/// `done`, `error`, `stopped` — a move the rules forbid is `AGOR_INVALID_INPUT` — or, with
/// `state` NULL, applies the coding agent's `hook` event (`SessionStart`, `UserPromptSubmit`,
/// `Stop` …), which never fails on a move. `*out_work` (may be NULL) receives `{"agent_id",
/// "state", "task_id", "updated_at"}`.
///
/// Ownership: the caller frees `*out_work` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_set_work_state(
    actor: Option<&agor_actor>,
    state: *const c_char,
    task_id: *const c_char,
    hook: *const c_char,
    out_work: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_work, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (state, task, hook) = unsafe {
            (
                optional_text(state, "state")?,
                optional_text(task_id, "task_id")?,
                optional_text(hook, "hook")?,
            )
        };
        Ok(match (state, hook) {
            (Some(s), None) => me.set_work_state(s.parse()?, task)?,
            (None, Some(h)) if task.is_none() => me.apply_hook(h)?,
            _ => {
                return Err(agor_core::Error::InvalidInput {
                    field: "state",
                    reason: "give a state (with an optional task_id) or a hook event".into(),
                }
                .into())
            }
        })
    })
}

/// The work state of `agent_id` (NULL: the actor), an agent of the actor's group, as JSON
/// (as `agor_set_work_state`).
///
/// Ownership: `*out_work` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_work_state(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    out_work: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_work, "out_work", |me| {
        let agent = optional_texts!(agent_id);
        Ok::<_, FfiError>(me.work_state(agent)?)
    })
}
