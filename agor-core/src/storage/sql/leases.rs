//! Statements of `crate::leases`: claims under a lease, renewals, completion, reopening.

use crate::error::Result;
use crate::model::tasks::Task;
use crate::storage::sql::tasks::{query, IN_PROGRESS_SQL};
use crate::storage::{args, Tx};

/// Claimed tasks whose lease ran out by `?1` (ms). The deadline column is indexed; the
/// status test keeps a task that left `in_progress` by another route out.
pub(crate) const LAPSED_SQL: &str = "t.lease_expires_ms IS NOT NULL AND t.lease_expires_ms <= ?1";

/// The `WHERE` of the tasks whose lease lapsed by `?1`, for `tasks::query`.
pub(crate) fn lapsed_tail() -> String {
    format!("WHERE {LAPSED_SQL} AND t.status IN {IN_PROGRESS_SQL}")
}

/// Whether any lease lapsed by `now_ms`: one indexed probe.
pub(crate) fn any_lapsed(tx: &dyn Tx, now_ms: i64) -> Result<bool> {
    Ok(tx
        .query_opt(
            &format!("SELECT 1 FROM tasks t {} LIMIT 1", lapsed_tail()),
            args![now_ms],
            |_| Ok(()),
        )?
        .is_some())
}

/// The live lease token of a task, if any.
pub(crate) fn token(tx: &dyn Tx, task_id: &str) -> Result<Option<String>> {
    Ok(tx
        .query_opt(
            "SELECT lease_token FROM tasks WHERE id = ?1",
            args![task_id],
            |r| crate::storage::lenient::opt_text(r, 0),
        )?
        .flatten())
}

/// A claim written: the task moves from `todo` to in progress (stored as the legacy
/// `progress`) under `holder`'s lease. Returns the rows changed: 0 when it was not `todo`.
pub(crate) struct Claimed<'a> {
    pub task_id: &'a str,
    pub holder: &'a str,
    pub token: &'a str,
    pub expires_at: i64,
    pub expires_at_ms: i64,
    pub at: &'a str,
}

pub(crate) fn claim(tx: &dyn Tx, c: &Claimed<'_>) -> Result<usize> {
    tx.execute(
        "UPDATE tasks SET status = 'progress', assigned_to = ?1, lease_token = ?2, lease_expires_at = ?3,
           lease_expires_ms = ?4, version = version + 1, updated_at = ?6
         WHERE id = ?5 AND status = 'todo'",
        args![c.holder, c.token, c.expires_at, c.expires_at_ms, c.task_id, c.at],
    )
}

/// Moves a lease's end.
pub(crate) fn renew(
    tx: &dyn Tx,
    task_id: &str,
    expires_at: i64,
    expires_at_ms: i64,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET lease_expires_at = ?1, lease_expires_ms = ?2, updated_at = ?3 WHERE id = ?4",
        args![expires_at, expires_at_ms, at, task_id],
    )?;
    Ok(())
}

/// A completion written: the status (`done` or `review`, as stored), the record, the lease
/// ended.
pub(crate) fn complete(
    tx: &dyn Tx,
    task_id: &str,
    stored_status: &str,
    completion: &crate::Completion,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET status = ?1, lease_token = NULL, lease_expires_at = NULL, lease_expires_ms = NULL, summary = ?2,
           artifacts = ?3, result_ref = ?4, next_step = ?5, version = version + 1, updated_at = ?7
         WHERE id = ?6",
        args![
            stored_status,
            &completion.summary,
            completion.artifacts.join("\n"),
            &completion.result_ref,
            &completion.next,
            task_id,
            at,
        ],
    )?;
    Ok(())
}

/// Puts a claimed task back in `todo`, unassigned and without a lease.
pub(crate) fn reopen(tx: &dyn Tx, task_id: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET status = 'todo', assigned_to = NULL, lease_token = NULL, lease_expires_at = NULL,
           lease_expires_ms = NULL, version = version + 1, updated_at = ?1 WHERE id = ?2",
        args![at, task_id],
    )?;
    Ok(())
}

/// Claimed tasks whose lease lapsed by `now_ms`.
pub(crate) fn lapsed(tx: &dyn Tx, now_ms: i64) -> Result<Vec<Task>> {
    query(tx, &lapsed_tail(), args![now_ms])
}
