//! Statements of `crate::attempts`: each claim as an attempt, its end, and the task's failure
//! count, backoff and quarantine.

use crate::error::Result;
use crate::model::attempts::{Attempt, AttemptOutcome};
use crate::storage::{args, lenient, Tx};

/// A claim begins an attempt.
pub(crate) fn start(tx: &dyn Tx, task_id: &str, agent: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_task_attempts (task_id, agent_id, started_at) VALUES (?1, ?2, ?3)",
        args![task_id, agent, at],
    )?;
    Ok(())
}

/// Ends the task's live attempt (there is at most one) with `outcome`; 0 rows when the claim
/// was made before attempts were kept.
pub(crate) fn end(
    tx: &dyn Tx,
    task_id: &str,
    outcome: AttemptOutcome,
    error: Option<&str>,
    at: &str,
) -> Result<usize> {
    tx.execute(
        "UPDATE agor_task_attempts SET outcome = ?2, error = ?3, ended_at = ?4
         WHERE task_id = ?1 AND outcome IS NULL",
        args![task_id, outcome.as_str(), error, at],
    )
}

/// Counts one more failed attempt; returns the count and the task's own limit.
pub(crate) fn count_failure(tx: &dyn Tx, task_id: &str) -> Result<(i64, Option<i64>)> {
    tx.execute(
        "UPDATE tasks SET failed_attempts = coalesce(failed_attempts, 0) + 1 WHERE id = ?1",
        args![task_id],
    )?;
    tx.query_row(
        "SELECT failed_attempts, max_attempts FROM tasks WHERE id = ?1",
        args![task_id],
        |r| {
            Ok((
                lenient::opt_int(r, 0)?.unwrap_or(0),
                lenient::opt_int(r, 1)?,
            ))
        },
    )
}

/// Holds a task back until `not_before_ms` (None: ready at once). Not a version bump on its
/// own: the move that calls it (a release, a lapse) already counted.
pub(crate) fn set_not_before(tx: &dyn Tx, task_id: &str, not_before_ms: Option<i64>) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET not_before_ms = ?2 WHERE id = ?1",
        args![task_id, not_before_ms],
    )?;
    Ok(())
}

/// A manager defers a task: a change of its own, so the version moves.
pub(crate) fn defer(
    tx: &dyn Tx,
    task_id: &str,
    not_before_ms: Option<i64>,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET not_before_ms = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
        args![task_id, not_before_ms, at],
    )?;
    Ok(())
}

/// Quarantine: the task, back from its claim, goes to `failed`, unassigned.
pub(crate) fn fail(tx: &dyn Tx, task_id: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET status = 'failed', assigned_to = NULL, lease_token = NULL,
           lease_expires_at = NULL, lease_expires_ms = NULL, not_before_ms = NULL,
           version = version + 1, updated_at = ?2
         WHERE id = ?1",
        args![task_id, at],
    )?;
    Ok(())
}

/// A retry: the failed task back to `todo` with its failure count and backoff cleared.
pub(crate) fn retry(tx: &dyn Tx, task_id: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET status = 'todo', failed_attempts = 0, not_before_ms = NULL,
           version = version + 1, updated_at = ?2
         WHERE id = ?1",
        args![task_id, at],
    )?;
    Ok(())
}

/// A task's attempts, oldest first.
pub(crate) fn of_task(tx: &dyn Tx, task_id: &str) -> Result<Vec<Attempt>> {
    tx.query_map(
        "SELECT id, task_id, agent_id, started_at, ended_at, outcome, error
         FROM agor_task_attempts WHERE task_id = ?1 ORDER BY id",
        args![task_id],
        |r| {
            Ok(Attempt {
                id: r.get(0)?,
                task_id: lenient::text(r, 1)?,
                agent_id: lenient::text(r, 2)?,
                started_at: lenient::timestamp(r, 3)?,
                ended_at: lenient::opt_text(r, 4)?,
                outcome: lenient::opt_text(r, 5)?.and_then(|o| AttemptOutcome::parse(&o)),
                error: lenient::opt_text(r, 6)?,
            })
        },
    )
}
