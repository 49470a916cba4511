//! Statements of `crate::board`: archived tasks and lanes.

use crate::error::Result;
use crate::model::tasks::Task;
use crate::storage::sql::tasks::query;
use crate::storage::{args, Tx};

/// Marks a task archived; false when it already was.
pub(crate) fn archive(tx: &dyn Tx, task_id: &str, by: &str, at: &str) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO agor_task_archive (task_id, archived_by, archived_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (task_id) DO NOTHING",
        args![task_id, by, at],
    )?;
    Ok(n == 1)
}

/// Takes a task out of the archive; false when it was not there.
pub(crate) fn unarchive(tx: &dyn Tx, task_id: &str) -> Result<bool> {
    Ok(tx.execute(
        "DELETE FROM agor_task_archive WHERE task_id = ?1",
        args![task_id],
    )? == 1)
}

pub(crate) fn is_archived(tx: &dyn Tx, task_id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM agor_task_archive WHERE task_id = ?1",
            args![task_id],
            |r| r.get::<i64>(0),
        )?
        .is_some())
}

/// Archived tasks of `group` (None: every group), most recently archived first.
pub(crate) fn archived(tx: &dyn Tx, group: Option<&str>) -> Result<Vec<Task>> {
    let tail = "JOIN agor_task_archive a ON a.task_id = t.id";
    match group {
        None => query(
            tx,
            &format!("{tail} ORDER BY a.archived_at DESC, t.id"),
            args![],
        ),
        Some(g) => query(
            tx,
            &format!("{tail} WHERE t.group_id = ?1 ORDER BY a.archived_at DESC, t.id"),
            args![g],
        ),
    }
}

/// The lane SQL: `?1` the agent, `?2` the group (absent for tier 0).
pub(crate) fn lane_sql(admin: bool) -> String {
    let group = if admin { "" } else { "AND t.group_id = ?2" };
    format!(
        "WHERE t.assigned_to = ?1 {group} AND t.status NOT IN ('done', 'cancelled')
         ORDER BY t.sort_order, t.created_at, t.id"
    )
}

/// One agent's open tasks (of `group`, or every group), in lane order.
pub(crate) fn lane(tx: &dyn Tx, agent: &str, group: Option<&str>) -> Result<Vec<Task>> {
    match group {
        None => query(tx, &lane_sql(true), args![agent]),
        Some(g) => query(tx, &lane_sql(false), args![agent, g]),
    }
}

pub(crate) fn set_sort_order(tx: &dyn Tx, task_id: &str, order: i64, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET sort_order = ?1, version = version + 1, updated_at = ?2 WHERE id = ?3",
        args![order, at, task_id],
    )?;
    Ok(())
}
