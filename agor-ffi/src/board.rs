//! The rest of the board: archiving finished tasks, lanes and their order, cross-owner
//! proposals, and `tasks.toml` import and export. Task lists reach C as JSON arrays of tasks
//! (as `agor_list_tasks`); lists of ids are passed one per line.

use std::ffi::c_char;

use crate::boundary::{optional_text, optional_texts, text, texts, FfiError};
use crate::handles::{agor_actor, query, update};
use crate::lifecycle::lines;
use crate::status::agor_status;

/// Hides a done or cancelled task from the board and lists, keeping it (managers); an open
/// task is `AGOR_INVALID_INPUT`. `*out_task` (may be NULL) receives the task as JSON.
///
/// Ownership: the caller frees `*out_task` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_archive_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| Ok(me.archive_task(texts!(task_id))?))
}

/// Puts an archived task back on the board (managers).
///
/// Ownership: the caller frees `*out_task` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_unarchive_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(
        actor,
        out_task,
        |me| Ok(me.unarchive_task(texts!(task_id))?),
    )
}

/// The archived tasks of the actor's group, most recently archived first.
///
/// Ownership: `*out_tasks` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_archived_tasks(
    actor: Option<&agor_actor>,
    out_tasks: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_tasks, "out_tasks", |me| Ok(me.archived_tasks()?))
}

/// One agent's lane (`agent_id` NULL: the actor's): its open tasks in its own order.
///
/// Ownership: `*out_tasks` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_lane(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    out_tasks: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_tasks, "out_tasks", |me| {
        Ok(me.lane(optional_texts!(agent_id))?)
    })
}

/// Reorders a lane (`agent_id` NULL: the actor's; managers: any of the group): the tasks in
/// `task_ids` (one per line) first, in that order. `*out_tasks` (may be NULL) receives the lane.
///
/// Ownership: the caller frees `*out_tasks` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_reorder_lane(
    actor: Option<&agor_actor>,
    agent_id: *const c_char,
    task_ids: *const c_char,
    out_tasks: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_tasks, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (agent, ids) = unsafe {
            (
                optional_text(agent_id, "agent_id")?,
                lines(text(task_ids, "task_ids")?),
            )
        };
        Ok(me.reorder_lane(agent, &ids)?)
    })
}

/// Offers a task of the actor's group to an agent it may reach (its group or a contact in
/// another group), pending until that agent answers (managers). `*out_proposal` (may be
/// NULL) receives `{"id", "task_id", "task_title", "from_group", "proposed_by", "agent_id",
/// "status", "reason", "created_at", "decided_at"}`.
///
/// Ownership: the caller frees `*out_proposal` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_propose_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    agent_id: *const c_char,
    out_proposal: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_proposal, |me| {
        let (task, agent) = texts!(task_id, agent_id);
        Ok(me.propose_task(task, agent)?)
    })
}

/// Proposals offered to the actor or made from its group, pending ones unless `all`.
///
/// Ownership: `*out_proposals` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_proposals(
    actor: Option<&agor_actor>,
    all: bool,
    out_proposals: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_proposals, "out_proposals", |me| {
        Ok::<_, FfiError>(me.proposals(all)?)
    })
}

/// Accepts a task proposed to the actor: it moves to the actor's group, assigned to it. Only
/// the proposed agent answers (`AGOR_PERMISSION_DENIED`). `*out_task` (may be NULL) receives
/// the task.
///
/// Ownership: the caller frees `*out_task` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_accept_proposal(
    actor: Option<&agor_actor>,
    proposal_id: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        Ok(me.accept_proposal(texts!(proposal_id))?)
    })
}

/// Declines a task proposed to the actor, with an optional `reason`.
///
/// Ownership: the caller frees `*out_proposal` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_decline_proposal(
    actor: Option<&agor_actor>,
    proposal_id: *const c_char,
    reason: *const c_char,
    out_proposal: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_proposal, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (id, reason) = unsafe {
            (
                text(proposal_id, "proposal_id")?,
                optional_text(reason, "reason")?,
            )
        };
        Ok(me.decline_proposal(id, reason)?)
    })
}

/// Imports `tasks.toml` text into the actor's group (managers): unknown ids created, known
/// ones updated where the file differs; all or nothing, a malformed file is
/// `AGOR_INVALID_INPUT` naming the line. `*out_report` (may be NULL) receives `{"created",
/// "updated", "unchanged"}`, arrays of task ids.
///
/// Ownership: the caller frees `*out_report` with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_import_tasks(
    actor: Option<&agor_actor>,
    toml: *const c_char,
    out_report: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_report, |me| Ok(me.import_tasks(texts!(toml))?))
}

/// The actor's group's board (archived tasks left out) as `tasks.toml` text (a plain string,
/// not JSON).
///
/// Ownership: `*out_toml` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_export_tasks(
    actor: Option<&agor_actor>,
    out_toml: Option<&mut *mut c_char>,
) -> agor_status {
    crate::boundary::call(|| {
        let out = crate::boundary::required_out(out_toml, "out_toml")?;
        let me = crate::boundary::handle(actor, "actor")?;
        crate::boundary::put_string(out, me.actor.export_tasks()?);
        Ok(())
    })
}
