//! Statements of `crate::dependencies`: which task waits for which.

use crate::error::Result;
use crate::storage::{args, Tx};

/// True for a task (alias `t`) none of whose dependencies is unfinished. A dependency on a
/// task that was deleted no longer blocks.
pub(crate) const UNBLOCKED_SQL: &str = "NOT EXISTS (SELECT 1 FROM task_dependencies d
    JOIN tasks dep ON dep.id = d.depends_on WHERE d.task_id = t.id AND dep.status != 'done')";

/// Ids of the tasks `task_id` waits for that are not done yet.
pub(crate) fn unfinished(tx: &dyn Tx, task_id: &str) -> Result<Vec<String>> {
    tx.query_map(
        "SELECT d.depends_on FROM task_dependencies d JOIN tasks dep ON dep.id = d.depends_on
             WHERE d.task_id = ?1 AND dep.status != 'done' ORDER BY d.depends_on",
        args![task_id],
        |r| r.get(0),
    )
}

/// Ids of the tasks `task_id` waits for, whatever their status.
pub(crate) fn all_of(tx: &dyn Tx, task_id: &str) -> Result<Vec<String>> {
    tx.query_map(
        "SELECT depends_on FROM task_dependencies WHERE task_id = ?1 ORDER BY depends_on",
        args![task_id],
        |r| r.get(0),
    )
}

/// Whether `to` is reachable from `from` through dependencies (`from` waits for `to`,
/// directly or through others).
pub(crate) fn reaches(tx: &dyn Tx, from: &str, to: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "WITH RECURSIVE reach(id) AS (
                 SELECT depends_on FROM task_dependencies WHERE task_id = ?1
                 UNION SELECT d.depends_on FROM task_dependencies d JOIN reach r ON d.task_id = r.id)
             SELECT 1 FROM reach WHERE id = ?2",
            args![from, to],
            |_| Ok(()),
        )?
        .is_some())
}

/// Makes `task_id` wait for `depends_on`; an existing dependency stays as it is.
pub(crate) fn insert(tx: &dyn Tx, task_id: &str, depends_on: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO task_dependencies (task_id, depends_on) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        args![task_id, depends_on],
    )?;
    Ok(())
}

/// Removes one dependency, if it exists.
pub(crate) fn delete(tx: &dyn Tx, task_id: &str, depends_on: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM task_dependencies WHERE task_id = ?1 AND depends_on = ?2",
        args![task_id, depends_on],
    )?;
    Ok(())
}

/// Removes the dependencies between `task_id` and tasks outside `group` (both ways); returns
/// them as (waiting task, task waited for).
pub(crate) fn drop_outside_group(
    tx: &dyn Tx,
    task_id: &str,
    group: &str,
) -> Result<Vec<(String, String)>> {
    tx.query_map(
        "DELETE FROM task_dependencies
         WHERE (task_id = ?1 AND depends_on IN
                    (SELECT id FROM tasks WHERE group_id IS DISTINCT FROM ?2))
            OR (depends_on = ?1 AND task_id IN
                    (SELECT id FROM tasks WHERE group_id IS DISTINCT FROM ?2))
         RETURNING task_id, depends_on",
        args![task_id, group],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}
