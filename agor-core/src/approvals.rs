//! A person in the loop (SPEC §14): a task may need a person's approval before it is `done`.
//! Completing such a task moves it to `review`, and only a person — an agent of role `human`
//! or the operator — approves it (to `done`) or rejects it with a reason (back to `todo`, for
//! the same agent); `waiting_on_people` lists everything that waits on a person.

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::ids::validate_label;
use crate::members;
use crate::model::approvals::Waiting;
use crate::model::tasks::{Task, TaskStatus};
use crate::prefixes;
use crate::rules::{self, Action, Principal, Target};
use crate::storage::sql::approvals as sql;
use crate::storage::sql::tasks as tasks_sql;
use crate::storage::Tx;
use crate::task_steps::{self, add_comment, group_of, task_moved, TASKS};
use crate::text;

/// Where completing `task` takes it when its worker asks for `to`: a task that needs a
/// person's approval goes to `review` instead of `done`.
pub(crate) fn completes_to(task: &Task, to: TaskStatus) -> TaskStatus {
    if task.approval && to == TaskStatus::Done {
        TaskStatus::Review
    } else {
        to
    }
}

/// Refuses to move a task that needs a person's approval into `done` by any route but
/// [`Actor::approve_task`].
pub(crate) fn refuse_unapproved(actor: &str, task: &Task, to: TaskStatus) -> Result<()> {
    if task.approval && to == TaskStatus::Done && task.status != TaskStatus::Done {
        return Err(Error::denied(
            actor,
            format!(
                "move task {} to done: it needs a person's approval (a human agent or the \
                 operator runs approve_task)",
                task.id
            ),
        ));
    }
    Ok(())
}

/// Sets whether a task needs approval (creation, update, import), when the caller says.
pub(crate) fn require(c: &dyn Tx, task_id: &str, approval: Option<bool>) -> Result<()> {
    match approval {
        Some(a) => sql::set_required(c, task_id, a),
        None => Ok(()),
    }
}

/// How a person answers a task awaiting approval.
enum Answer<'a> {
    Approve,
    Reject { reason: &'a str },
}

impl Actor {
    /// Approves a task awaiting a person's approval (in `review`, with `approval`): it moves
    /// to `done`. Only an agent of role `human` or the operator; its worker hears of it.
    pub fn approve_task(&self, task_id: &str) -> Result<Task> {
        self.answer_approval(task_id, Answer::Approve)
    }

    /// Rejects a task awaiting a person's approval, with a reason: it returns to `todo`,
    /// still assigned to the agent that completed it (so only that agent claims it again),
    /// and that agent hears of it with the reason (a change addressed to it, and a comment).
    pub fn reject_task(&self, task_id: &str, reason: &str) -> Result<Task> {
        validate_label("reason", reason, text::MAX_SUMMARY_BYTES)?;
        self.answer_approval(task_id, Answer::Reject { reason })
    }

    /// Says whether a task of the actor's group needs a person's approval before it is done
    /// (whoever may create tasks: managers). The task's version moves on; a task already in
    /// review without approval is not held back by setting it now, nor released by clearing it
    /// (a person still answers it, or its reviewer moves it).
    pub fn require_approval(&self, task_id: &str, approval: bool) -> Result<Task> {
        self.task_write(|c, me, _now| {
            let task = task_steps::resolve(c, me, task_id)?;
            me.check(Action::CreateTask, Target::InGroup(group_of(&task)))?;
            if task.approval != approval {
                sql::change_required(c, &task.id, approval, &c.now().sql())?;
                let what = if approval { "required" } else { "not required" };
                audit::record(c, &me.id, "task_approval", &format!("{} {what}", task.id))?;
                let assignee = task.assigned_to.as_deref();
                task_steps::task_changed(c, "task_updated", &me.id, &task, assignee)?;
            }
            task_steps::load(c, &task.id)
        })
    }

    /// What waits on a person, in the actor's sight (a person's or the operator's: every
    /// group, or the one named with [`Actor::within`]): tasks awaiting approval, pending
    /// proposals, unanswered messages to people, and dead letters, in that order, each
    /// oldest first, at most `limit` of each kind.
    pub fn waiting_on_people(&self, limit: u32) -> Result<Vec<Waiting>> {
        crate::numbers::check_limit(limit)?;
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::WaitOnPeople)?;
            sql::waiting(c, sight.group(), i64::from(limit))
        })
    }

    fn answer_approval(&self, task_id: &str, answer: Answer<'_>) -> Result<Task> {
        self.write_as(|c, who| {
            let scope = members::scope_of(who);
            let task = task_steps::load(c, &prefixes::resolve(c, TASKS, task_id, &scope)?)?;
            rules::decide(who, Action::ApproveTask, Target::InGroup(group_of(&task)))?;
            if task.status != TaskStatus::Review || !task.approval {
                return Err(Error::invalid(
                    "task",
                    format!(
                        "task {} is not awaiting approval (it is {}{})",
                        task.id,
                        task.status,
                        if task.approval { "" } else { " and needs none" }
                    ),
                ));
            }
            answer_task(c, who, &task, &answer)?;
            task_steps::load(c, &task.id)
        })
    }
}

/// Moves the task as `answer` says, with the comment, audit row and change that say who
/// answered and why; the change is addressed to the task's worker.
fn answer_task(c: &dyn Tx, who: Principal<'_>, task: &Task, answer: &Answer<'_>) -> Result<()> {
    let by = who.name();
    let (to, event, note) = match answer {
        Answer::Approve => (
            TaskStatus::Done,
            "task_approved",
            format!("approved by {by}"),
        ),
        Answer::Reject { reason } => (
            TaskStatus::Todo,
            "task_rejected",
            format!("rejected by {by}: {reason}"),
        ),
    };
    let now = c.now().sql();
    if tasks_sql::set_status(c, &task.id, to.stored(), task.version, &now)? == 0 {
        return Err(Error::Conflict {
            kind: crate::ObjectKind::Task,
            id: task.id.clone(),
            expected: task.version,
            current_version: task_steps::load(c, &task.id)?.version,
        });
    }
    let worker = task.assigned_to.as_deref();
    let moved = Some((Some(task.status), to));
    task_moved(c, event, by, task, worker, moved)?;
    let comment = format!("Status: {} → {to} ({note})", task.status);
    add_comment(c, &task.id, by, &comment)?;
    audit::record(c, by, event, &format!("{} {note}", task.id))
}
