//! The team as the operator and agents see it: the contacts graph, presence status, stale
//! agents, the audit log and the system's review channels.

use std::ffi::c_char;

use crate::boundary::{
    call, handle, optional_text, optional_texts, put_string, required_out, text, texts,
};
use crate::handles::{agor_actor, agor_store, query, update};
use crate::operations::agor_op_contact_graph;
use crate::status::agor_status;
use crate::twins::ask;

/// Pass as `threshold_secs` to `agor_stale_agents` for the store's own threshold.
pub const AGOR_STALE_DEFAULT: i64 = -1;

/// Every edge of the contacts ACL (the operator's view), as a JSON array of
/// `{"agent_id", "contact_id"}`.
///
/// Kept, with the same behaviour: it is `agor_op_contact_graph(store, NULL, out_edges)`.
///
/// Ownership: `*out_edges` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub extern "C" fn agor_contact_graph(store: Option<&agor_store>, out_edges: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the function takes no pointer but its handles and output.
    ask(store, out_edges, "out_edges", |s, a, out| unsafe { agor_op_contact_graph(s, a, out) })
}

/// The edges of the contacts ACL touching an agent of the actor's group (tier 0: all).
///
/// Deprecated, kept with the same behaviour: it is `agor_op_contact_graph(NULL, actor,
/// out_edges)`, which new code calls.
///
/// Ownership: as `agor_contact_graph`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub extern "C" fn agor_actor_contact_graph(actor: Option<&agor_actor>, out_edges: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the function takes no pointer but its handles and output.
    ask(actor, out_edges, "out_edges", |s, a, out| unsafe { agor_op_contact_graph(s, a, out) })
}

/// Sets an agent's presence status (`"active"`, `"sleeping"` or `"stopped"`): `agent_id` NULL
/// for the actor itself; another agent's only for managers of its group and tier 0.
///
/// Ownership: `out_agent` may be NULL; otherwise it receives the agent as JSON, which the
/// caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_set_status(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    status: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_agent, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (who, status) = unsafe {
            (
                optional_text(agent_id, "agent_id")?,
                text(status, "status")?,
            )
        };
        Ok(me.set_status(who.unwrap_or(me.id()), status.parse()?)?)
    })
}

/// Agents that heartbeated before but not within `threshold_secs` (`AGOR_STALE_DEFAULT`: the
/// store's threshold), as a JSON array.
///
/// Ownership: `*out_agents` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_stale_agents(
    store: Option<&agor_store>,
    threshold_secs: i64,
    out_agents: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_agents, "out_agents", |s| {
        Ok(s.stale_agents((threshold_secs != AGOR_STALE_DEFAULT).then_some(threshold_secs))?)
    })
}

/// The newest `limit` audit rows, of every principal or (`agent_id` not NULL) of one, newest
/// first, as a JSON array. The operator's view.
///
/// Ownership: `*out_entries` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_audit_log(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    limit: u32,
    out_entries: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_entries, "out_entries", |s| {
        let agent = optional_texts!(agent_id);
        Ok(s.audit_log(agent, limit)?)
    })
}

/// Creates the `review-queue` and `review-log` channels of `group` if missing (they belong to
/// the system), and returns both as a JSON array `[queue, log]`.
///
/// Ownership: `out_channels` may be NULL; otherwise the caller frees it with
/// `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_ensure_review_channels(
    store: Option<&agor_store>,
    group: *const c_char,
    out_channels: Option<&mut *mut c_char>,
) -> agor_status {
    update(store, out_channels, |s| {
        let group = texts!(group);
        Ok(s.ensure_review_channels(group)?)
    })
}

/// Issues a secret with which `agent_id` reaches agor through `agor mcp --http` (the operator's
/// call): `*out_secret` receives it as plain text, the only time it is shown (agor keeps a
/// hash). Earlier secrets of the agent stay valid. `AGOR_NOT_FOUND` for an unknown agent.
///
/// Ownership: `*out_secret` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_issue_token(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    out_secret: Option<&mut *mut c_char>,
) -> agor_status {
    call(|| {
        let out = required_out(out_secret, "out_secret")?;
        let store = handle(store, "store")?;
        let agent = texts!(agent_id);
        put_string(out, store.store.issue_token(agent)?);
        Ok(())
    })
}

/// Revokes every secret of `agent_id`; `*out_count` (may be NULL) receives how many there were.
#[no_mangle]
pub unsafe extern "C" fn agor_revoke_tokens(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    out_count: Option<&mut i64>,
) -> agor_status {
    update(store, out_count, |s| {
        let agent = texts!(agent_id);
        Ok(i64::try_from(s.revoke_tokens(agent)?).unwrap_or(i64::MAX))
    })
}

/// The issued secrets as a JSON array of `{"agent_id", "fingerprint", "created_at"}`, never
/// the secrets themselves.
///
/// Ownership: `*out_tokens` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_tokens(
    store: Option<&agor_store>,
    out_tokens: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_tokens, "out_tokens", |s| Ok(s.tokens()?))
}
