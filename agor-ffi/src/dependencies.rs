//! Dependencies between tasks through an actor handle: a task waits for others to be done
//! before anything may move it into work.

use std::ffi::c_char;

use crate::boundary::texts;
use crate::handles::{agor_actor, query, update};
use crate::status::agor_status;

/// Runs a change of one dependency edge (`task_id` waits for `depends_on`).
///
/// # Safety
/// Both pointers are NULL or NUL-terminated strings (header conventions).
unsafe fn change_edge(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    depends_on: *const c_char,
    change: fn(&agor_core::Actor, &str, &str) -> agor_core::Result<()>,
) -> agor_status {
    update::<_, *mut c_char, _>(actor, None, |me| {
        let (task, on) = texts!(task_id, depends_on);
        Ok(change(me, task, on)?)
    })
}

/// Makes `task_id` wait for `depends_on` (ids or unique prefixes). A dependency on itself or
/// one that closes a cycle is `AGOR_INVALID_INPUT`. Managers and tier 0; idempotent.
#[no_mangle]
pub unsafe extern "C" fn agor_add_dependency(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    depends_on: *const c_char,
) -> agor_status {
    // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
    unsafe { change_edge(actor, task_id, depends_on, agor_core::Actor::add_dependency) }
}

/// Removes a dependency. Managers and tier 0; removing a missing one is harmless.
#[no_mangle]
pub unsafe extern "C" fn agor_remove_dependency(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    depends_on: *const c_char,
) -> agor_status {
    // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
    unsafe {
        change_edge(
            actor,
            task_id,
            depends_on,
            agor_core::Actor::remove_dependency,
        )
    }
}

/// Ids of the tasks `task_id` waits for, as a JSON array of strings.
///
/// Ownership: `*out_ids` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_dependencies(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    out_ids: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_ids, "out_ids", |me| {
        let task = texts!(task_id);
        Ok(me.dependencies(task)?)
    })
}

/// Todo tasks the actor could claim now, in claim order, as a JSON array.
///
/// Ownership: `*out_tasks` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_ready_tasks(
    actor: Option<&agor_actor>,
    out_tasks: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_tasks, "out_tasks", |me| Ok(me.ready_tasks()?))
}
