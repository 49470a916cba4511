//! The task board through actor and store handles: tasks, comments, the board, claims under a
//! lease and completion. Statuses and priorities cross as their lowercase names.

use std::ffi::c_char;

use agor_core::{
    Actor, Claim, Completion, NewTask, Priority, Task, TaskFilter, TaskStatus, DEFAULT_LEASE_SECS,
};
use serde::{Serialize, Serializer};

use crate::boundary::{
    call, handle, optional_text, optional_texts, required_out, text, text_array, texts, Deliver,
    FfiError,
};
use crate::handles::{agor_actor, agor_store, query, update};
use crate::status::agor_status;

/// Pass as `lease_secs` to `agor_claim_task` / `agor_renew_lease` for the default lease
/// (15 min; `(uint32_t)-1`). Every other value must be 1 to `AGOR_MAX_LEASE_SECS`: 0 and
/// longer leases fail with `AGOR_INVALID_INPUT`, as in every agor surface.
pub const AGOR_DEFAULT_LEASE: u32 = u32::MAX;

/// Longest lease one claim or renewal may ask for: one day, in seconds.
pub const AGOR_MAX_LEASE_SECS: u32 = 24 * 60 * 60;

/// The default for `AGOR_DEFAULT_LEASE`, else the caller's value for the core to check.
fn lease(lease_secs: u32) -> u32 {
    if lease_secs == AGOR_DEFAULT_LEASE {
        DEFAULT_LEASE_SECS
    } else {
        lease_secs
    }
}

/// The board as one JSON object, status name to its tasks, in board order (backlog first) —
/// the shape the Python binding returns.
struct Board(Vec<(TaskStatus, Vec<Task>)>);

impl Serialize for Board {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(status, tasks)| (status, tasks)))
    }
}

/// Reads a `NewTask` from caller JSON: the keys given override the defaults of
/// `NewTask::new`, so only `title` is required. Unknown keys are refused rather than ignored,
/// so a misspelt `defintion_of_done` is not silently lost.
fn new_task_from_json(json: &str) -> Result<NewTask, FfiError> {
    let invalid = |reason: String| {
        FfiError::Core(agor_core::Error::InvalidInput {
            field: "new_task_json",
            reason,
        })
    };
    let given: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
    if !given.contains_key("title") {
        return Err(invalid("missing key \"title\"".to_owned()));
    }
    let mut merged = match serde_json::to_value(NewTask::new("")) {
        Ok(serde_json::Value::Object(defaults)) => defaults,
        _ => unreachable!("NewTask serializes as a JSON object"),
    };
    for (key, value) in given {
        if !merged.contains_key(&key) {
            let known: Vec<&str> = merged.keys().map(String::as_str).collect();
            return Err(invalid(format!(
                "unknown key {key:?} (expected {})",
                known.join(", ")
            )));
        }
        merged.insert(key, value);
    }
    serde_json::from_value(serde_json::Value::Object(merged)).map_err(|e| invalid(e.to_string()))
}

/// Creates a task in the actor's group, in `todo` (claimable at once). Managers and admins only.
///
/// `description` (NULL: empty), `priority` (`"low"`, `"medium"`, `"high"`, `"critical"`;
/// NULL: medium), `assign_to` (agent id or prefix) and `parent` (task id or prefix) may be
/// NULL. For tags, a definition of done or a backlog start use `agor_create_task_json`.
///
/// Errors: `AGOR_PERMISSION_DENIED` (not a manager), `AGOR_INVALID_INPUT` (blank title, title
/// over 1 KiB or description over 64 KiB, unknown priority), `AGOR_NOT_FOUND` (unknown assignee or parent).
///
/// Ownership: `out_task` may be NULL; otherwise it receives the task as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // one argument per field of a new task, as in the other APIs
pub unsafe extern "C" fn agor_create_task(
    actor: Option<&agor_actor>,
    title: *const c_char,
    description: *const c_char,
    priority: *const c_char,
    assign_to: *const c_char,
    parent: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let new = unsafe {
            let mut new = NewTask::new(text(title, "title")?);
            new.description = optional_text(description, "description")?
                .unwrap_or_default()
                .to_owned();
            if let Some(p) = optional_text(priority, "priority")? {
                new.priority = p.parse::<Priority>()?;
            }
            new.assign_to = optional_text(assign_to, "assign_to")?.map(str::to_owned);
            new.parent = optional_text(parent, "parent")?.map(str::to_owned);
            new
        };
        Ok(me.create_task(&new)?)
    })
}

/// Creates a task from a JSON object with any of the keys `title` (required), `description`,
/// `priority`, `assign_to`, `parent`, `tags` (array of strings), `definition_of_done` and
/// `status` (`"todo"`, the default, or `"backlog"`), e.g.
/// `{"title": "Parser", "tags": ["core"], "definition_of_done": "tests pass"}`.
///
/// Errors: as for `agor_create_task`, plus `AGOR_INVALID_INPUT` for JSON that is not an object,
/// lacks `title`, has an unknown key or a value of the wrong type.
///
/// Ownership: as for `agor_create_task`.
#[no_mangle]
pub unsafe extern "C" fn agor_create_task_json(
    actor: Option<&agor_actor>,
    new_task_json: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        let json = texts!(new_task_json);
        Ok(me.create_task(&new_task_from_json(json)?)?)
    })
}

/// Edits a task if it is still at `expected_version` (optimistic locking), from a JSON object
/// with any of `title`, `description`, `priority`, `definition_of_done` (`""` clears it) and
/// `tags` (an array: replaces the set), e.g. `{"title": "Parser v2", "priority": "high"}`.
/// A stale version is `AGOR_CONFLICT` (the message carries the current version); an unknown
/// key or a value of the wrong type is `AGOR_INVALID_INPUT`.
///
/// Ownership: `*out_task` (may be NULL) receives the updated task as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_update_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    expected_version: i64,
    changes_json: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings (header conventions).
        let (id, json) = unsafe {
            (
                text(task_id, "task_id")?,
                text(changes_json, "changes_json")?,
            )
        };
        let change: agor_core::TaskUpdate = serde_json::from_str(json).map_err(|e| {
            FfiError::Core(agor_core::Error::InvalidInput {
                field: "changes_json",
                reason: format!("not a task update: {e}"),
            })
        })?;
        Ok(me.update_task(id, expected_version, &change)?)
    })
}

/// Tasks of the actor's group (admins: all groups), highest priority first, as a JSON array.
/// Done and cancelled tasks are left out unless `all`. `status` (e.g. `"in_progress"`) and
/// `tag` filter when not NULL.
///
/// Ownership: `*out_tasks` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_list_tasks(
    actor: Option<&agor_actor>,
    all: bool,
    status: *const c_char,
    tag: *const c_char,
    out_tasks: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_tasks, "out_tasks", |me| {
        let (status, tag) = optional_texts!(status, tag);
        let filter = TaskFilter {
            all,
            status: status.map(str::parse::<TaskStatus>).transpose()?,
            tag: tag.map(str::to_owned),
        };
        Ok(me.list_tasks(&filter)?)
    })
}

/// One task by id or unique prefix, as JSON: the task's fields (with `version`, and
/// `completion` once completed) plus `comments` (oldest first) and `subtasks`.
///
/// Ownership: `*out_task` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_get_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_task, "out_task", |me| {
        let id = texts!(task_id);
        Ok(me.get_task(id)?)
    })
}

/// Assigns task `task_id` to agent `agent_id`. Managers and admins only; a task another agent
/// holds under a live claim fails with `AGOR_ALREADY_CLAIMED`.
///
/// Ownership: `out_task` may be NULL; otherwise it receives the task as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_assign_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    agent_id: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        let (id, agent) = texts!(task_id, agent_id);
        Ok(me.assign_task(id, agent)?)
    })
}

/// Moves a task to `status` (e.g. `"review"`) if its `version` is still `expected_version`.
///
/// Errors: `AGOR_CONFLICT` (someone changed the task first: read it again for the current
/// version), `AGOR_INVALID_INPUT` (unknown status, or a move the board does not allow),
/// `AGOR_PERMISSION_DENIED` (project agents may move only tasks assigned to them);
/// a move into in_progress/review/done while a dependency is unfinished is
/// `AGOR_INVALID_INPUT`.
///
/// Ownership: `out_task` may be NULL; otherwise it receives the task as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_set_task_status(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    status: *const c_char,
    expected_version: i64,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        let (id, status) = texts!(task_id, status);
        Ok(me.set_task_status(id, status.parse()?, expected_version)?)
    })
}

/// Moves a task to `status` at whatever version is current, reading and writing in one
/// transaction (for callers with no version to hold). Same rules and errors as
/// `agor_set_task_status`, without `AGOR_CONFLICT`.
///
/// Ownership: as `agor_set_task_status`.
#[no_mangle]
pub unsafe extern "C" fn agor_move_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    status: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        let (id, status) = texts!(task_id, status);
        Ok(me.move_task(id, status.parse()?)?)
    })
}

/// Adds comment `content` to a task. Every role may comment.
///
/// Ownership: `out_comment` may be NULL; otherwise it receives the comment as JSON, which the
/// caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_comment(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    content: *const c_char,
    out_comment: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_comment, |me| {
        let (id, content) = texts!(task_id, content);
        Ok(me.comment(id, content)?)
    })
}

/// Deletes a task with its comments and tags; its subtasks lose their parent. Managers and
/// admins only.
#[no_mangle]
pub unsafe extern "C" fn agor_delete_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
) -> agor_status {
    call(|| {
        let me = &handle(actor, "actor")?.actor;
        let id = texts!(task_id);
        Ok(me.delete_task(id)?)
    })
}

/// The board of the actor's group as a JSON object from every status name to its tasks,
/// keys in board order: `{"backlog": [...], "todo": [...], "in_progress": [...], ...}`.
///
/// Ownership: `*out_board` receives a string the caller frees with `agor_string_free`.
#[no_mangle]
pub extern "C" fn agor_board(
    actor: Option<&agor_actor>,
    out_board: Option<&mut *mut c_char>,
) -> agor_status {
    query(actor, out_board, "out_board", |me| Ok(Board(me.board()?)))
}

/// Claims a todo task under a lease of `lease_secs` seconds (1 to `AGOR_MAX_LEASE_SECS`, or
/// `AGOR_DEFAULT_LEASE` for 15 min): task `task_id`, or with NULL the best next one of the
/// actor's group.
///
/// Errors: `AGOR_ALREADY_CLAIMED` (another agent holds it), `AGOR_INVALID_INPUT` (the task is
/// not todo, or the lease is 0 or too long), `AGOR_PERMISSION_DENIED` (architects and testers).
///
/// Ownership: `*out_claim` receives JSON `{"task": {...}, "token": "...", "expires_at": N}`,
/// which the caller frees with `agor_string_free`, or NULL (with `AGOR_OK`) when there is
/// nothing to claim. Keep the token: renew, release and complete require it.
#[no_mangle]
pub unsafe extern "C" fn agor_claim_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    lease_secs: u32,
    out_claim: Option<&mut *mut c_char>,
) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe {
        claim_into(actor, task_id, out_claim, |me, id| {
            Ok(me.claim_task(id, lease(lease_secs))?)
        })
    }
}

/// `agor_claim_task` that waits for work: when nothing fits (no free task, or `task_id` held
/// by another), blocks up to `wait_ms` milliseconds (0 or more) for a task change that may
/// make one fit (created, assigned, released, completed …), woken by the change feed, not by
/// polling; then the answer `agor_claim_task` gives. Other calls on the same store go on
/// meanwhile (from other threads).
///
/// Errors: those of `agor_claim_task`, and `AGOR_INVALID_INPUT` for a negative `wait_ms`.
///
/// Ownership: as `agor_claim_task`: `*out_claim` receives the claim as JSON, which the caller
/// frees with `agor_string_free`, or NULL (with `AGOR_OK`) when nothing fitted in time.
#[no_mangle]
pub unsafe extern "C" fn agor_claim_wait(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    lease_secs: u32,
    wait_ms: i64,
    out_claim: Option<&mut *mut c_char>,
) -> agor_status {
    // SAFETY: forwarded; the same contract.
    unsafe {
        claim_into(actor, task_id, out_claim, |me, id| {
            let wait = u64::try_from(wait_ms).map_err(|_| agor_core::Error::InvalidInput {
                field: "wait_ms",
                reason: format!("{wait_ms} is negative; give 0 or more milliseconds"),
            })?;
            let wait = std::time::Duration::from_millis(wait);
            Ok(me.claim_task_waiting(id, lease(lease_secs), wait, None)?)
        })
    }
}

/// The one body of the claim functions: `claim` runs as the actor, on the task `task_id`
/// names (NULL: the best next), after the output and the arguments are checked; the claim it
/// makes, if any, goes to `*out_claim`, which stays NULL when there is none.
///
/// # Safety
/// `task_id` is NULL or a NUL-terminated string (header conventions).
unsafe fn claim_into(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    out_claim: Option<&mut *mut c_char>,
    claim: impl FnOnce(&Actor, Option<&str>) -> Result<Option<Claim>, FfiError>,
) -> agor_status {
    call(|| {
        let out = required_out(out_claim, "out_claim")?;
        let me = &handle(actor, "actor")?.actor;
        let id = optional_texts!(task_id);
        if let Some(claim) = claim(me, id)? {
            out.deliver(claim);
        }
        Ok(())
    })
}

/// Extends the actor's live lease on a task to `lease_secs` from now (1 to
/// `AGOR_MAX_LEASE_SECS`, or `AGOR_DEFAULT_LEASE` for 15 min; else `AGOR_INVALID_INPUT`).
/// A wrong token, or a lease that lapsed, fails with `AGOR_LEASE`.
///
/// Ownership: `out_claim` may be NULL; otherwise it receives the claim as JSON (as from
/// `agor_claim_task`), which the caller frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_renew_lease(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    token: *const c_char,
    lease_secs: u32,
    out_claim: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_claim, |me| {
        let (id, token) = texts!(task_id, token);
        Ok(me.renew_lease(id, token, lease(lease_secs))?)
    })
}

/// Gives a claimed task back: it returns to `todo`, unassigned. A wrong token, or a lease that
/// lapsed, fails with `AGOR_LEASE`.
///
/// Ownership: `out_task` may be NULL; otherwise it receives the task as JSON, which the caller
/// frees with `agor_string_free`.
#[no_mangle]
pub unsafe extern "C" fn agor_release_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    token: *const c_char,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        let (id, token) = texts!(task_id, token);
        Ok(me.release_task(id, token)?)
    })
}

/// Completes a claimed task with its completion record and moves it to `done`, or to `review`
/// (posting a notice in the group's review queue) when `review` is true.
///
/// `summary` is one line. `artifacts` points to `n_artifacts` strings such as
/// `"file:src/lib.rs"` (may be NULL when `n_artifacts` is 0; a NULL element is
/// `AGOR_NULL_ARGUMENT`). `result_ref` and `next` may be NULL. A wrong token, or a lease that
/// lapsed, fails with `AGOR_LEASE`; a blank or multi-line summary or artifact, more than 100
/// artifacts, or a field over its cap (summary, each artifact and `result_ref` 1 KiB, `next`
/// 4 KiB) with `AGOR_INVALID_INPUT`.
///
/// Ownership: nothing passed in is kept. `out_task` may be NULL; otherwise it receives the task
/// (with its `completion`) as JSON, which the caller frees with `agor_string_free`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // one argument per field of the completion record
pub unsafe extern "C" fn agor_complete_task(
    actor: Option<&agor_actor>,
    task_id: *const c_char,
    token: *const c_char,
    summary: *const c_char,
    artifacts: *const *const c_char,
    n_artifacts: usize,
    result_ref: *const c_char,
    next: *const c_char,
    review: bool,
    out_task: Option<&mut *mut c_char>,
) -> agor_status {
    update(actor, out_task, |me| {
        // SAFETY: caller passes NULL or NUL-terminated strings, and `artifacts` holds
        // `n_artifacts` of them (header conventions).
        let (id, token, completion) = unsafe {
            (
                text(task_id, "task_id")?,
                text(token, "token")?,
                Completion {
                    summary: text(summary, "summary")?.to_owned(),
                    artifacts: text_array(artifacts, n_artifacts, "artifacts")?
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    result_ref: optional_text(result_ref, "result_ref")?.map(str::to_owned),
                    next: optional_text(next, "next")?.map(str::to_owned),
                },
            )
        };
        Ok(me.complete_task(id, token, &completion, review)?)
    })
}

/// The number of tasks waiting in `review` in `group`, in `*out_count`.
#[no_mangle]
pub unsafe extern "C" fn agor_review_queue_count(
    store: Option<&agor_store>,
    group: *const c_char,
    out_count: Option<&mut i64>,
) -> agor_status {
    query(store, out_count, "out_count", |store| {
        let group = texts!(group);
        Ok(store.review_queue_count(group)?)
    })
}

/// How urgently `group`'s reviewers are needed, in `*out_score`: 10 per task waiting in
/// review, at most 50.
#[no_mangle]
pub unsafe extern "C" fn agor_reviewer_attention(
    store: Option<&agor_store>,
    group: *const c_char,
    out_score: Option<&mut i64>,
) -> agor_status {
    query(store, out_score, "out_score", |store| {
        let group = texts!(group);
        Ok(store.reviewer_attention(group)?)
    })
}

#[cfg(test)]
mod tests {
    use agor_core::ErrorKind;

    use super::*;

    fn kind(result: Result<NewTask, FfiError>) -> ErrorKind {
        match result {
            Err(FfiError::Core(e)) => e.kind(),
            other => panic!("expected a core error, got {other:?}"),
        }
    }

    #[test]
    fn new_task_json_overrides_only_the_keys_given() {
        let new = new_task_from_json(
            r#"{"title": "Parser", "tags": ["core"], "priority": "high", "status": "backlog"}"#,
        )
        .unwrap();
        let mut expected = NewTask::new("Parser");
        expected.tags = vec!["core".to_owned()];
        expected.priority = Priority::High;
        expected.status = TaskStatus::Backlog;
        assert_eq!(new, expected);
        assert_eq!(
            new_task_from_json(r#"{"title": "T"}"#).unwrap(),
            NewTask::new("T")
        );
    }

    #[test]
    fn new_task_json_refuses_bad_shapes() {
        for bad in [
            "",
            "[]",
            r#"{"description": "no title"}"#,
            r#"{"title": "T", "titel": "typo"}"#,
            r#"{"title": "T", "priority": "urgent"}"#,
            r#"{"title": 5}"#,
        ] {
            assert_eq!(
                kind(new_task_from_json(bad)),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn board_serializes_as_an_object_in_board_order() {
        let board = Board(TaskStatus::ALL.into_iter().map(|s| (s, vec![])).collect());
        assert_eq!(
            serde_json::to_string(&board).unwrap(),
            r#"{"backlog":[],"todo":[],"in_progress":[],"review":[],"done":[],"blocked":[],"failed":[],"cancelled":[]}"#
        );
    }

    #[test]
    fn default_lease_is_the_core_default() {
        assert_eq!(lease(AGOR_DEFAULT_LEASE), DEFAULT_LEASE_SECS);
        assert_eq!(lease(60), 60);
        // 0 is no longer "default": the core refuses it like every surface does.
        assert_eq!(lease(0), 0);
        assert_eq!(AGOR_MAX_LEASE_SECS, agor_core::MAX_LEASE_SECS);
        assert_eq!(crate::messages::AGOR_MAX_LIMIT, agor_core::MAX_LIMIT);
    }
}
