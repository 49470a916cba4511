//! Who is on the team and what each role may do: removing, restoring, purging and renaming
//! agents, and roles as data (the rows, custom definitions, and the public checks). Each has
//! an operator form on the store and an agent form on an actor, like `agor_register_agent`.
//! Lists of words are passed one per line, like `agor_reserve`'s paths.

use std::ffi::c_char;

use agor_core::RoleDef;

use crate::boundary::{optional_text, texts, FfiError};
use crate::lifecycle::lines;
use crate::status::agor_status;
use crate::store::{agor_actor, agor_store, query, update};

/// Soft-deletes an agent as the operator: hidden from lists and lookups, mail to it refused
/// (`AGOR_NOT_FOUND`), its history kept, its id reserved until restored or purged.
#[no_mangle]
pub unsafe extern "C" fn agor_remove_agent(
    store: Option<&agor_store>,
    agent_id: *const c_char,
) -> agor_status {
    update(store, None::<&mut *mut c_char>, |s| {
        Ok::<_, FfiError>(s.remove_agent(texts!(agent_id))?)
    })
}

/// Soft-deletes an agent as the acting agent: managers, agents below them in their group.
#[no_mangle]
pub unsafe extern "C" fn agor_actor_remove_agent(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
) -> agor_status {
    update(actor, None::<&mut *mut c_char>, |me| {
        Ok::<_, FfiError>(me.remove_agent(texts!(agent_id))?)
    })
}

/// Restores a soft-deleted agent (exact id) as the operator; `*out_agent` (may be NULL)
/// receives the agent as JSON.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_restore_agent(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    update(store, out_agent, |s| Ok(s.restore_agent(texts!(agent_id))?))
}

/// Restores a soft-deleted agent as the acting agent (the rights of removing it).
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_actor_restore_agent(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_agent, |me| {
        Ok(me.restore_agent(texts!(agent_id))?)
    })
}

/// Deletes an agent for good as the operator (its messages and audit rows stay): only a
/// stopped one (status or work state) unless `force`, else `AGOR_INVALID_INPUT`.
#[no_mangle]
pub unsafe extern "C" fn agor_purge_agent(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    force: bool,
) -> agor_status {
    update(store, None::<&mut *mut c_char>, |s| {
        Ok::<_, FfiError>(s.purge_agent(texts!(agent_id), force)?)
    })
}

/// Purges an agent as the acting agent (the rights of removing it).
#[no_mangle]
pub unsafe extern "C" fn agor_actor_purge_agent(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    force: bool,
) -> agor_status {
    update(actor, None::<&mut *mut c_char>, |me| {
        Ok::<_, FfiError>(me.purge_agent(texts!(agent_id), force)?)
    })
}

/// Changes an agent's display name as the operator; `*out_agent` (may be NULL) receives the
/// agent as JSON.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_rename_agent(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    name: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    update(store, out_agent, |s| {
        let (id, name) = texts!(agent_id, name);
        Ok(s.rename_agent(id, name)?)
    })
}

/// Renames an agent as the acting agent: itself, or (managers) one below it in its group.
///
/// Ownership: the caller frees `*out_agent` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_actor_rename_agent(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    name: *const c_char,
    out_agent: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_agent, |me| {
        let (id, name) = texts!(agent_id, name);
        Ok(me.rename_agent(id, name)?)
    })
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
/// Ownership: the caller frees `*out_role` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_define_role(
    store: Option<&agor_store>,
    name: *const c_char,
    tier: i64,
    capabilities: *const c_char,
    permissions: *const c_char,
    creates: *const c_char,
    out_role: Option<&mut *mut c_char>,
) -> agor_status {
    update(store, out_role, |s| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let def = unsafe { role_def(name, tier, capabilities, permissions, creates) }?;
        Ok(s.define_role(&def)?)
    })
}

/// Defines a custom role as the acting agent: it needs `can_modify_roles`, and the role sits
/// below its tier granting nothing it lacks (`AGOR_PERMISSION_DENIED`).
///
/// Ownership: the caller frees `*out_role` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_actor_define_role(
    actor: Option<&agor_actor>,
    name: *const c_char,
    tier: i64,
    capabilities: *const c_char,
    permissions: *const c_char,
    creates: *const c_char,
    out_role: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_role, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let def = unsafe { role_def(name, tier, capabilities, permissions, creates) }?;
        Ok(me.define_role(&def)?)
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
    query(store, out_yes, "out_yes", |s| {
        let (id, cap) = texts!(agent_id, capability);
        Ok(s.has_capability(id, cap.parse()?)?)
    })
}

/// Whether an agent's role holds `permission` (`can_create_agents`, …).
#[no_mangle]
pub unsafe extern "C" fn agor_check_permission(
    store: Option<&agor_store>,
    agent_id: *const c_char,
    permission: *const c_char,
    out_yes: Option<&mut bool>,
) -> agor_status {
    query(store, out_yes, "out_yes", |s| {
        let (id, perm) = texts!(agent_id, permission);
        Ok(s.check_permission(id, perm.parse()?)?)
    })
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
    query(store, out_yes, "out_yes", |s| {
        let (creator, role) = texts!(creator, role);
        Ok(s.can_create_role(creator, role)?)
    })
}
