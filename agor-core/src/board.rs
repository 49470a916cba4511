//! The rest of the board (SPEC §9): archiving finished tasks and the lane view, one agent's
//! tasks in its own order, with a reorder operation.

use crate::actor;
use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::members;
use crate::model::tasks::Task;
use crate::rules::{Action, Principal, Target};
use crate::storage::sql::board as sql;
use crate::task_steps::{group_of, resolve, task_changed};
use crate::Store;

/// The most tasks one reorder may name.
pub const MAX_REORDER: usize = 1000;

impl Store {
    /// One agent's lane (id or unique prefix, any group) as the operator sees it: the open
    /// tasks assigned to it, in its order.
    pub fn lane(&self, agent_id: &str) -> Result<Vec<Task>> {
        self.as_operator().lane(Some(agent_id))
    }
}

impl Actor {
    /// Hides a finished (done or cancelled) task from the board and the task lists; it is
    /// kept, listed by [`Actor::archived_tasks`], and [`Actor::unarchive_task`] brings it back.
    /// Whoever may delete tasks may archive them (managers, tier 0).
    pub fn archive_task(&self, task_id: &str) -> Result<Task> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::DeleteTask, Target::InGroup(group_of(&task)))?;
            if !task.status.is_closed() {
                return Err(Error::invalid(
                    "status",
                    format!(
                        "task {} is {}: only done or cancelled tasks are archived",
                        task.id, task.status
                    ),
                ));
            }
            if !sql::archive(c, &task.id, &me.id, &c.now().sql())? {
                return Err(Error::invalid(
                    "task",
                    format!("task {} is already archived", task.id),
                ));
            }
            audit::record(c, &me.id, "task_archived", &task.id)?;
            task_changed(c, "task_archived", &me.id, &task, None)?;
            Ok(task)
        })
    }

    /// Puts an archived task back on the board.
    pub fn unarchive_task(&self, task_id: &str) -> Result<Task> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::DeleteTask, Target::InGroup(group_of(&task)))?;
            if !sql::unarchive(c, &task.id)? {
                return Err(Error::invalid(
                    "task",
                    format!("task {} is not archived", task.id),
                ));
            }
            audit::record(c, &me.id, "task_unarchived", &task.id)?;
            task_changed(c, "task_unarchived", &me.id, &task, None)?;
            Ok(task)
        })
    }

    /// The archived tasks of the actor's group (tier 0: every group), most recently archived
    /// first.
    pub fn archived_tasks(&self) -> Result<Vec<Task>> {
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            let group = (!me.is_admin()).then_some(me.group_id.as_str());
            sql::archived(c, group)
        })
    }

    /// One agent's lane (default: the actor's; the operator names one, in any group): the
    /// open tasks assigned to it, in its order (sort order, then age).
    pub fn lane(&self, agent_id: Option<&str>) -> Result<Vec<Task>> {
        self.store.reopen_lapsed()?;
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::ListTasks)?;
            let agent = match (agent_id, who) {
                (Some(a), _) => members::resolve_principal(c, a, &members::scope_of(who))?
                    .id
                    .clone(),
                (None, Principal::Agent(me)) => me.id.clone(),
                (None, Principal::Operator) => {
                    return Err(Error::invalid(
                        "agent_id",
                        "the operator has no lane of its own: name an agent (agent_id; \
                         `bttask lane AGENT`), or act as one (BTMSG_AGENT_ID)",
                    ))
                }
            };
            sql::lane(c, &agent, sight.group())
        })
    }

    /// Reorders a lane: the named tasks (ids or prefixes, each in the lane) take its first
    /// places in the order given, the rest follow in their order. An agent orders its own
    /// lane; managers (and tier 0) any lane of their group. Each moved task's version is
    /// bumped. Returns the lane in its new order.
    pub fn reorder_lane(&self, agent_id: Option<&str>, task_ids: &[String]) -> Result<Vec<Task>> {
        if task_ids.is_empty() {
            return Err(Error::invalid(
                "task_ids",
                "name at least one task of the lane",
            ));
        }
        crate::text::cap_count("task_ids", task_ids, MAX_REORDER)?;
        self.task_write(|c, me, _now| {
            let agent = match agent_id {
                None => actor::principal(c, &me.id)?,
                Some(a) => members::resolve_principal(c, a, &me.group_scope())?,
            };
            me.check(
                Action::ReorderLane,
                Target::Agent {
                    id: &agent.id,
                    group: &agent.group_id,
                },
            )?;
            let group = (!me.is_admin()).then_some(me.group_id.as_str());
            let lane = sql::lane(c, &agent.id, group)?;
            let mut first: Vec<Task> = Vec::with_capacity(task_ids.len());
            for input in task_ids {
                let task = resolve(c, me, input)?;
                if !lane.iter().any(|t| t.id == task.id) {
                    return Err(Error::invalid(
                        "task_ids",
                        format!("task {} is not in the lane of {}", task.id, agent.id),
                    ));
                }
                if first.iter().any(|t| t.id == task.id) {
                    return Err(Error::invalid(
                        "task_ids",
                        format!("task {} is named twice", task.id),
                    ));
                }
                first.push(task);
            }
            let rest = lane.iter().filter(|t| !first.iter().any(|f| f.id == t.id));
            let order: Vec<&Task> = first.iter().chain(rest).collect();
            // The lane keeps the board positions it had: the i-th task takes the i-th
            // smallest sort order, so tasks outside the lane keep their place around it.
            let mut slots: Vec<i64> = lane.iter().map(|t| t.sort_order).collect();
            slots.sort_unstable();
            slots.dedup();
            let base = slots.first().copied().unwrap_or(0);
            let now = c.now().sql();
            for (i, task) in order.iter().enumerate() {
                let slot = if slots.len() == lane.len() {
                    slots[i]
                } else {
                    base + i as i64
                };
                if task.sort_order != slot {
                    sql::set_sort_order(c, &task.id, slot, &now)?;
                }
            }
            audit::record(
                c,
                &me.id,
                "lane_reordered",
                &format!("{}: {}", agent.id, order.len()),
            )?;
            if let Some(t) = lane.first() {
                task_changed(c, "lane_reordered", &me.id, t, Some(&agent.id))?;
            }
            sql::lane(c, &agent.id, group)
        })
    }
}

/// Refuses a status change of an archived task: it would come back to the board (or be
/// claimed) while hidden.
pub(crate) fn refuse_if_archived(c: &dyn crate::storage::Tx, task: &Task) -> Result<()> {
    if sql::is_archived(c, &task.id)? {
        return Err(Error::invalid(
            "task",
            format!("task {} is archived; unarchive it first", task.id),
        ));
    }
    Ok(())
}
