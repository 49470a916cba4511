//! Dependencies between tasks: a task waits for others to be done, cycles are refused, and
//! no route into work (claim, status change, completion) may skip an unfinished dependency.

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::model::tasks::{Task, TaskStatus};
use crate::rules::{Action, Target};
use crate::storage::sql::dependencies as sql;
use crate::storage::Tx;
use crate::task_steps::{group_of, resolve};

/// Refuses a move into `to` while one of the task's dependencies is unfinished: dependencies
/// are a rule of the board, whatever route the move takes (claim, status change, completion).
pub(crate) fn require_dependencies_done(c: &dyn Tx, task: &Task, to: TaskStatus) -> Result<()> {
    if !to.needs_dependencies_done() {
        return Ok(());
    }
    let waiting = unfinished_dependencies(c, &task.id)?;
    if waiting.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        "task",
        format!(
            "task {} cannot be {to}: it waits for {} to be done",
            task.id,
            waiting.join(", ")
        ),
    ))
}

/// Ids of the tasks `task_id` waits for that are not done yet.
pub(crate) fn unfinished_dependencies(c: &dyn Tx, task_id: &str) -> Result<Vec<String>> {
    sql::unfinished(c, task_id)
}

/// Drops the dependencies between a task that moved to `group` and tasks outside it, both
/// ways, and says which: a group is a boundary, so neither side could see, finish or remove
/// what it would be waiting for. Returns them as `waiting -> waited for`.
pub(crate) fn drop_outside_group(c: &dyn Tx, task_id: &str, group: &str) -> Result<Vec<String>> {
    Ok(sql::drop_outside_group(c, task_id, group)?
        .into_iter()
        .map(|(waiting, on)| format!("{waiting} -> {on}"))
        .collect())
}

impl Actor {
    /// Makes `task_id` wait for `depends_on` (both by id or prefix): it cannot be claimed
    /// until that task is done. Refuses a dependency on itself or one that closes a cycle.
    /// Managers and tier 0 only; adding an existing dependency is harmless.
    pub fn add_dependency(&self, task_id: &str, depends_on: &str) -> Result<()> {
        self.write_tx(|c, me| {
            let task = resolve(c, me, task_id)?;
            let dep = resolve(c, me, depends_on)?;
            me.check(Action::ManageDependencies, Target::InGroup(group_of(&task)))?;
            if task.id == dep.id {
                return Err(Error::invalid("dependency", format!("task {} cannot depend on itself", task.id)));
            }
            // A cycle exists if `task` is already reachable from `dep`.
            // Race-free: the write transaction excludes every other writer (storage contract).
            if sql::reaches(c, &dep.id, &task.id)? {
                return Err(Error::invalid(
                    "dependency",
                    format!("{} already depends on {}, directly or through others: that would be a cycle", dep.id, task.id),
                ));
            }
            sql::insert(c, &task.id, &dep.id)?;
            audit::record(c, &me.id, "task_dependency_added", &format!("{} waits for {}", task.id, dep.id))
        })
    }

    /// Removes a dependency. Managers and tier 0 only; removing a missing one is harmless.
    pub fn remove_dependency(&self, task_id: &str, depends_on: &str) -> Result<()> {
        self.write_tx(|c, me| {
            let task = resolve(c, me, task_id)?;
            let dep = resolve(c, me, depends_on)?;
            me.check(Action::ManageDependencies, Target::InGroup(group_of(&task)))?;
            sql::delete(c, &task.id, &dep.id)?;
            audit::record(
                c,
                &me.id,
                "task_dependency_removed",
                &format!("{} no longer waits for {}", task.id, dep.id),
            )
        })
    }

    /// Ids of the tasks `task_id` waits for, whatever their status.
    pub fn dependencies(&self, task_id: &str) -> Result<Vec<String>> {
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            let task = resolve(c, me, task_id)?;
            sql::all_of(c, &task.id)
        })
    }
}
