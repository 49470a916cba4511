//! Who is on the team and what each role may do: removing, restoring, purging and renaming
//! agents, and roles as data (the rows, custom definitions, and the public checks). Each change
//! has an operator form on the store and an agent form on an actor, like
//! `agor_register_agent`: twins over one body (see `twins`). Lists of words are passed one per
//! line, like `agor_reserve`'s paths.

use std::ffi::c_char;

use agor_core::{RoleDef, Store};

use crate::boundary::{optional_text, text, texts, FfiError};
use crate::handles::{agor_actor, agor_store, query, update};
use crate::lifecycle::lines;
use crate::operations::{
    agor_op_purge_agent, agor_op_remove_agent, agor_op_rename_agent, agor_op_restore_agent,
};
use crate::status::agor_status;
use crate::twins::{change, Principal};

/// Soft-deletes an agent as the operator: hidden from lists and lookups, mail to it refused
/// (`AGOR_NOT_FOUND`), its history kept, its id reserved until restored or purged.
///
/// Kept, with the same behaviour: it is `agor_op_remove_agent(store, NULL,
/// agent_id, NULL)`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_remove_agent(store: Option<&agor_store>, agent_id: *const c_char) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(store, None, |s, a, out| unsafe { agor_op_remove_agent(s, a, agent_id, out) })
}

/// Soft-deletes an agent as the acting agent: managers, agents below them in their group.
///
/// Deprecated, kept with the same behaviour: it is `agor_op_remove_agent(NULL, actor,
/// agent_id, NULL)`, which new code calls.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_remove_agent(actor: Option<&agor_actor>, agent_id: *const c_char) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(actor, None, |s, a, out| unsafe { agor_op_remove_agent(s, a, agent_id, out) })
}

/// Restores a soft-deleted agent (exact id) as the operator; `*out_agent` (may be NULL)
/// receives the agent as JSON.
///
/// Kept, with the same behaviour: it is `agor_op_restore_agent(store, NULL,
/// agent_id, out_agent)`.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_restore_agent(store: Option<&agor_store>, agent_id: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(store, out_agent, |s, a, out| unsafe { agor_op_restore_agent(s, a, agent_id, out) })
}

/// Restores a soft-deleted agent as the acting agent (the rights of removing it).
///
/// Deprecated, kept with the same behaviour: it is `agor_op_restore_agent(NULL, actor,
/// agent_id, out_agent)`, which new code calls.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_restore_agent(actor: Option<&agor_actor>, agent_id: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(actor, out_agent, |s, a, out| unsafe { agor_op_restore_agent(s, a, agent_id, out) })
}

/// Deletes an agent for good as the operator (its messages and audit rows stay): only a
/// stopped one (status or work state) unless `force`, else `AGOR_INVALID_INPUT`.
///
/// Kept, with the same behaviour: it is `agor_op_purge_agent(store, NULL,
/// agent_id, force, NULL)`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_purge_agent(store: Option<&agor_store>, agent_id: *const c_char, force: bool) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(store, None, |s, a, out| unsafe { agor_op_purge_agent(s, a, agent_id, force, out) })
}

/// Purges an agent as the acting agent (the rights of removing it).
///
/// Deprecated, kept with the same behaviour: it is `agor_op_purge_agent(NULL, actor,
/// agent_id, force, NULL)`, which new code calls.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_purge_agent(actor: Option<&agor_actor>, agent_id: *const c_char, force: bool) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(actor, None, |s, a, out| unsafe { agor_op_purge_agent(s, a, agent_id, force, out) })
}

/// Changes an agent's display name as the operator; `*out_agent` (may be NULL) receives the
/// agent as JSON.
///
/// Kept, with the same behaviour: it is `agor_op_rename_agent(store, NULL,
/// agent_id, name, out_agent)`.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_rename_agent(store: Option<&agor_store>, agent_id: *const c_char, name: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(store, out_agent, |s, a, out| unsafe { agor_op_rename_agent(s, a, agent_id, name, out) })
}

/// Renames an agent as the acting agent: itself, or (managers) one below it in its group.
///
/// Deprecated, kept with the same behaviour: it is `agor_op_rename_agent(NULL, actor,
/// agent_id, name, out_agent)`, which new code calls.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_rename_agent(actor: Option<&agor_actor>, agent_id: *const c_char, name: *const c_char, out_agent: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: the entry point's contract is the generated function's.
    change(actor, out_agent, |s, a, out| unsafe { agor_op_rename_agent(s, a, agent_id, name, out) })
}

/// Every role as a JSON array of `{"name", "tier", "capabilities", "permissions", "creates",
/// "built_in"}`: the built-in rows, then custom ones by name.
///
/// Ownership: `*out_roles` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_roles(
    store: Option<&agor_store>,
    out_roles: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_roles, "out_roles", |s| Ok(s.roles()?))
}

/// One role's row as JSON (as `agor_roles`); an undefined name is `AGOR_NOT_FOUND`.
///
/// Ownership: `*out_role` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_role(
    store: Option<&agor_store>,
    name: *const c_char,
    out_role: Option<&mut *mut c_char>,
) -> agor_status {
    query(store, out_role, "out_role", |s| Ok(s.role(texts!(name))?))
}

/// A role definition from C's arguments: word lists one per line, NULL for none.
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string (header conventions).
unsafe fn role_def(
    name: *const c_char,
    tier: i64,
    capabilities: *const c_char,
    permissions: *const c_char,
    creates: *const c_char,
) -> Result<RoleDef, FfiError> {
    // SAFETY: per this function's contract.
    let list = |p, arg| unsafe { optional_text(p, arg) }.map(|t| t.map(lines).unwrap_or_default());
    let name = texts!(name);
    Ok(RoleDef::from_words(
        name,
        tier,
        &list(capabilities, "capabilities")?,
        &list(permissions, "permissions")?,
        &list(creates, "creates")?,
    )?)
}

/// Defines or redefines a custom role as the operator: `tier` 0 to 2, `capabilities`,
/// `permissions` and `creates` (roles its holders may create, `*` any lower) one per line or
/// NULL. An unknown word, a built-in name or an unknown role in `creates` is
/// `AGOR_INVALID_INPUT`. `*out_role` (may be NULL) receives the row as JSON.
///
/// Kept, with the same behaviour: it does what `agor_op_define_role(store, NULL, …)` does,
/// which takes the word lists as arrays.
///
/// Ownership: the caller frees `*out_role` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_define_role(store: Option<&agor_store>, name: *const c_char, tier: i64, capabilities: *const c_char, permissions: *const c_char, creates: *const c_char, out_role: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { define_role(store, name, tier, capabilities, permissions, creates, out_role) }
}

/// Defines a custom role as the acting agent: it needs `can_modify_roles`, and the role sits
/// below its tier granting nothing it lacks (`AGOR_PERMISSION_DENIED`).
///
/// Deprecated, kept with the same behaviour: it does what `agor_op_define_role(NULL, actor,
/// …)` does, which new code calls with the word lists as arrays.
///
/// Ownership: the caller frees `*out_role` with `agor_string_free`.
#[no_mangle]
#[rustfmt::skip] // a twin's shim, one line for its signature and one for its body (see `twins`)
pub unsafe extern "C" fn agor_actor_define_role(actor: Option<&agor_actor>, name: *const c_char, tier: i64, capabilities: *const c_char, permissions: *const c_char, creates: *const c_char, out_role: Option<&mut *mut c_char>) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe { define_role(actor, name, tier, capabilities, permissions, creates, out_role) }
}

/// The one body of both `define_role` twins. Their word lists come one per line and an unknown
/// word is reported in the words' own terms, where the generated function takes arrays, so
/// this runs the core's call itself.
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string (header conventions).
unsafe fn define_role<H: Principal>(
    me: Option<&H>,
    name: *const c_char,
    tier: i64,
    capabilities: *const c_char,
    permissions: *const c_char,
    creates: *const c_char,
    out_role: Option<&mut *mut c_char>,
) -> agor_status {
    update(me, out_role, |target| {
        // SAFETY: per this function's contract.
        let def = unsafe { role_def(name, tier, capabilities, permissions, creates) }?;
        Ok(H::caller(target).define_role(&def)?)
    })
}

/// Whether an agent's role has `capability` (`assign_work`, `implement_tasks`, …).
#[no_mangle]
pub unsafe extern "C" fn agor_has_capability(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    capability: *const c_char,
    out_yes: Option<&mut bool>,
) -> agor_status {
    let args = [(agent_id, "agent_id"), (capability, "capability")];
    // SAFETY: forwarded; the same contract.
    unsafe {
        yes_no(store, args, out_yes, |s, id, c| {
            s.has_capability(id, c.parse()?)
        })
    }
}

/// Whether an agent's role holds `permission` (`can_create_agents`, …).
#[no_mangle]
pub unsafe extern "C" fn agor_check_permission(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    permission: *const c_char,
    out_yes: Option<&mut bool>,
) -> agor_status {
    let args = [(agent_id, "agent_id"), (permission, "permission")];
    // SAFETY: forwarded; the same contract.
    unsafe {
        yes_no(store, args, out_yes, |s, id, p| {
            s.check_permission(id, p.parse()?)
        })
    }
}

/// Whether agents of role `creator` may create agents of role `role`; an undefined role is
/// `AGOR_NOT_FOUND`.
#[no_mangle]
pub unsafe extern "C" fn agor_can_create_role(
    store: Option<&agor_store>,
    creator: *const c_char,
    role: *const c_char,
    out_yes: Option<&mut bool>,
) -> agor_status {
    let args = [(creator, "creator"), (role, "role")];
    // SAFETY: forwarded; the same contract.
    unsafe { yes_no(store, args, out_yes, Store::can_create_role) }
}

/// The one body of the yes/no questions about roles: two required words (each with the name
/// its errors give), asked as the operator, the answer in `*out_yes`.
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string (header conventions).
unsafe fn yes_no(
    store: Option<&agor_store>,
    [(a, a_arg), (b, b_arg)]: [(*const c_char, &'static str); 2],
    out_yes: Option<&mut bool>,
    question: impl FnOnce(&Store, &str, &str) -> agor_core::Result<bool>,
) -> agor_status {
    query(store, out_yes, "out_yes", |s| {
        // SAFETY: per this function's contract.
        let (a, b) = unsafe { (text(a, a_arg)?, text(b, b_arg)?) };
        Ok(question(s, a, b)?)
    })
}
