//! The kanban task board's operations: creating, editing under optimistic locking, moving between
//! statuses, comments, assignment and the review queue. The records and their transition rules
//! are in `model/tasks.rs`, the steps every task operation shares in `task_steps.rs`, claims and
//! leases in `leases.rs`, dependencies in `dependencies.rs`.

use crate::actor::Actor;
use crate::audit;
use crate::dependencies::require_dependencies_done;
use crate::error::{Error, ObjectKind, Result};
use crate::ids::{validate_content, validate_label};
use crate::leases::reap_expired_leases;
use crate::members;
use crate::model::agents::Member;
use crate::model::search::Source;
use crate::model::tasks::{
    Comment, NewTask, StatusMove, Task, TaskDetail, TaskFilter, TaskStatus, TaskUpdate,
};
use crate::rules::{Action, Target};

use crate::prefixes;
use crate::sight::Sight;
use crate::storage::sql::changes as changes_sql;
use crate::storage::sql::search as search_sql;
use crate::storage::sql::tasks as sql;
use crate::storage::Tx;
use crate::task_steps::{
    add_comment, claimable, group_of, load, record_transition, resolve, set_tags, task_changed,
    task_moved, validate_tags,
};
use crate::text;
use crate::Store;

/// A task moved to `done` by another route than `complete` (a status change, an import, named
/// by `route`): it still gets a completion record (every route to `done` leaves one; who and
/// when are in the status comment or the audit log), and whoever was working on it is idle.
pub(crate) fn finished_without_complete(
    c: &dyn Tx,
    me: &Member,
    task: &Task,
    route: &str,
) -> Result<()> {
    if task.completion.is_none() {
        let summary = format!(
            "set to done by {} {route} (no completion summary given)",
            me.id
        );
        sql::record_completion(c, &task.id, &summary)?;
    }
    crate::work::leave_task(c, &task.id, "")
}

/// `new` checked as far as it can be without the database (text caps, tags, paths, what it
/// requires, its attempts), normalised as it is stored.
pub(crate) fn checked_new(new: &NewTask) -> Result<NewTask> {
    validate_label("title", &new.title, text::MAX_TITLE_BYTES)?;
    text::cap("description", &new.description, text::MAX_DESCRIPTION_BYTES)?;
    text::cap_optional(
        "definition of done",
        new.definition_of_done.as_deref(),
        text::MAX_DEFINITION_OF_DONE_BYTES,
    )?;
    validate_tags(&new.tags)?;
    let paths = crate::claim_paths::validate(&new.paths)?;
    let fitted = NewTask {
        requires: crate::model::fit::normalise(new.requires.as_deref())?,
        max_attempts: validate_max_attempts(new.max_attempts)?,
        paths,
        ..new.clone()
    };
    if !matches!(fitted.status, TaskStatus::Todo | TaskStatus::Backlog) {
        return Err(Error::invalid(
            "status",
            "a new task starts in todo or backlog",
        ));
    }
    Ok(fitted)
}

/// Writes the task `new` ([`checked_new`]) in `me`'s group, with its permission checked, its
/// tags, paths and approval, its audit row and its change: one `create_task`, inside a write
/// transaction the caller holds (a batch runs it once per item).
pub(crate) fn insert_task(c: &dyn Tx, me: &Member, new: &NewTask) -> Result<Task> {
    me.check(Action::CreateTask, Target::None)?;
    let scope = me.group_scope();
    let assignee = new
        .assign_to
        .as_deref()
        .map(|a| members::resolve_principal(c, a, &scope))
        .transpose()?;
    if let Some(a) = &assignee {
        crate::fit::check_assignee(a, new.requires.as_deref())?;
    }
    let parent = new
        .parent
        .as_deref()
        .map(|p| resolve(c, me, p))
        .transpose()?;
    let id = uuid::Uuid::new_v4().to_string();
    // Race-free: the write transaction excludes every other writer (storage contract).
    let sort_order = sql::next_sort_order(c, &me.group_id)?;
    let now = c.now().sql();
    let created = sql::Created {
        id: &id,
        new,
        assignee: assignee.as_ref().map(|a| a.id.as_str()),
        creator: &me.id,
        group: &me.group_id,
        parent: parent.as_ref().map(|p| p.id.as_str()),
        sort_order,
        at: &now,
    };
    sql::insert(c, &created)?;
    crate::approvals::require(c, &id, new.approval.then_some(true))?;
    search_sql::note_new(c, Source::Task, &id)?;
    set_tags(c, &id, &new.tags)?;
    crate::storage::sql::reservations::set_task_paths(c, &id, &new.paths)?;
    audit::record(c, &me.id, "task_created", &format!("{id} {}", new.title))?;
    // Built from what was just written rather than read back: one query fewer per
    // enqueue. Tags come back as `load` would give them: sorted, without repeats.
    let mut tags = new.tags.clone();
    tags.sort();
    tags.dedup();
    let task = Task {
        id,
        title: new.title.clone(),
        description: new.description.clone(),
        status: new.status,
        priority: new.priority,
        assigned_to: assignee.map(|a| a.id.clone()),
        created_by: Some(me.id.clone()),
        group_id: Some(me.group_id.clone()),
        parent_task_id: parent.map(|p| p.id),
        sort_order,
        tags,
        definition_of_done: new.definition_of_done.clone(),
        version: 1,
        created_at: now.clone(),
        updated_at: now,
        lease_expires_at: None,
        lease_expires_ms: None,
        completion: None,
        // A new task has no dependencies yet (`depend` adds them).
        waits_for: Vec::new(),
        paths: new.paths.clone(),
        approval: new.approval,
        requires: new.requires.clone(),
        max_attempts: new.max_attempts,
        failed_attempts: 0,
        not_before_ms: None,
    };
    let assignee = task.assigned_to.as_deref();
    let moved = Some((None, task.status));
    task_moved(c, "task_created", &me.id, &task, assignee, moved)?;
    Ok(task)
}

impl Store {
    /// Tasks in `review` in a group.
    pub fn review_queue_count(&self, group: &str) -> Result<i64> {
        self.read(|c| sql::review_count(c, group))
    }

    /// Reviewer attention score: 10 per task waiting in review, capped at 50.
    pub fn reviewer_attention(&self, group: &str) -> Result<i64> {
        Ok((self.review_queue_count(group)? * 10).min(50))
    }
}

impl Actor {
    /// A task write as this actor. Lapsed leases are reopened first, in the same transaction
    /// and at the time the lock was taken, so no write ever honours a lease that has run out.
    pub(crate) fn task_write<T>(
        &self,
        f: impl FnOnce(&dyn Tx, &Member, i64) -> Result<T>,
    ) -> Result<T> {
        let store = &self.store;
        self.write_tx(|c, me| {
            let now = store.now_ms();
            reap_expired_leases(c, now)?;
            f(c, me, now)
        })
    }

    /// [`Actor::task_write`] as a row-lock write, for the operations on one claimed task:
    /// lapsed leases are reopened by an ordinary write (reaping touches any task), so a
    /// row-lock write escalates when one has lapsed. `f` may run twice.
    pub(crate) fn claim_write<T>(
        &self,
        f: impl Fn(&dyn Tx, &Member, i64) -> Result<T>,
    ) -> Result<T> {
        let store = &self.store;
        self.rows_tx(|c, me| {
            let now = store.now_ms();
            if c.row_locks() {
                if crate::storage::sql::leases::any_lapsed(c, now)? {
                    return Err(c.escalate());
                }
            } else {
                reap_expired_leases(c, now)?;
            }
            f(c, me, now)
        })
    }

    /// Creates a task in the actor's group. Managers and tier 0 only.
    pub fn create_task(&self, new: &NewTask) -> Result<Task> {
        let new = checked_new(new)?;
        self.write_tx(|c, me| insert_task(c, me, &new))
    }

    /// Tasks of the actor's group (the operator and tier 0: all groups, or one with
    /// [`Actor::within`]), open ones unless `filter.all`, ordered by priority then sort order.
    pub fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        self.store.reopen_lapsed()?;
        self.read_as(|c, who| list_in(c, &self.sight(who, Action::ListTasks)?, filter))
    }

    /// One task (by id or unique prefix) with its comments and subtasks.
    pub fn get_task(&self, task_id: &str) -> Result<TaskDetail> {
        self.store.reopen_lapsed()?;
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            let task = resolve(c, me, task_id)?;
            let comments = sql::comments(c, &task.id)?;
            let subtasks = sql::subtasks(c, &task.id)?;
            Ok(TaskDetail {
                task,
                comments,
                subtasks,
            })
        })
    }

    /// The status moves of a task the actor may see (the operator: any task), oldest first:
    /// the newest `limit` of them, from the change feed (a lapsed lease shows once a read or
    /// claim notices it).
    pub fn task_history(&self, task_id: &str, limit: u32) -> Result<Vec<StatusMove>> {
        self.store.reopen_lapsed()?;
        self.read_as(|c, who| {
            self.sight(who, Action::ListTasks)?;
            let scope = members::scope_of(who);
            let id = prefixes::resolve(c, crate::task_steps::TASKS, task_id, &scope)?;
            changes_sql::task_moves(c, &id, i64::from(limit))
        })
    }

    /// Assigns a task. Managers and tier 0 only.
    /// A task under a live claim cannot be handed to someone else (`AlreadyClaimed`): the
    /// claimer must release it, or its lease lapse, first.
    pub fn assign_task(&self, task_id: &str, agent_id: &str) -> Result<Task> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::AssignTask, Target::InGroup(group_of(&task)))?;
            let agent = members::resolve_principal(c, agent_id, &me.group_scope())?;
            crate::fit::check_assignee(&agent, task.requires.as_deref())?;
            let holder = task
                .assigned_to
                .as_deref()
                .filter(|_| task.status == TaskStatus::InProgress);
            if holder.is_some_and(|h| h != agent.id) {
                return Err(Error::AlreadyClaimed {
                    task_id: task.id,
                    by: task.assigned_to,
                });
            }
            sql::assign(c, &task.id, &agent.id, &c.now().sql())?;
            audit::record(
                c,
                &me.id,
                "task_assigned",
                &format!("{} -> {}", task.id, agent.id),
            )?;
            task_changed(c, "task_assigned", &me.id, &task, Some(&agent.id))?;
            load(c, &task.id)
        })
    }

    /// Edits a task's title, description, priority, definition of done and tags (each only
    /// when given) if it is still at `expected_version` (optimistic locking: a stale version
    /// is a `Conflict` carrying the current one). Whoever may create tasks may edit those of
    /// its group; the edit is in the audit log and the change feed.
    pub fn update_task(
        &self,
        task_id: &str,
        expected_version: i64,
        change: &TaskUpdate,
    ) -> Result<Task> {
        if let Some(t) = &change.title {
            validate_label("title", t, text::MAX_TITLE_BYTES)?;
        }
        if let Some(d) = &change.description {
            text::cap("description", d, text::MAX_DESCRIPTION_BYTES)?;
        }
        if let Some(d) = &change.definition_of_done {
            text::cap("definition of done", d, text::MAX_DEFINITION_OF_DONE_BYTES)?;
        }
        if let Some(tags) = &change.tags {
            validate_tags(tags)?;
        }
        let paths = change
            .paths
            .as_deref()
            .map(crate::claim_paths::validate)
            .transpose()?;
        let requires = change
            .requires
            .as_deref()
            .map(|r| crate::model::fit::normalise(Some(r)))
            .transpose()?;
        let max_attempts = match change.max_attempts {
            Some(0) => Some(None),
            other => other.map(|n| validate_max_attempts(Some(n))).transpose()?,
        };
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::CreateTask, Target::InGroup(group_of(&task)))?;
            let conflict = |current: i64| Error::Conflict {
                kind: ObjectKind::Task,
                id: task.id.clone(),
                expected: expected_version,
                current_version: current,
            };
            if task.version != expected_version {
                return Err(conflict(task.version));
            }
            if paths.is_some() {
                crate::claim_paths::refuse_change_while_claimed(&task)?;
            }
            let edited = Task {
                title: change.title.clone().unwrap_or_else(|| task.title.clone()),
                description: change
                    .description
                    .clone()
                    .unwrap_or_else(|| task.description.clone()),
                priority: change.priority.unwrap_or(task.priority),
                definition_of_done: match &change.definition_of_done {
                    Some(d) if d.is_empty() => None,
                    Some(d) => Some(d.clone()),
                    None => task.definition_of_done.clone(),
                },
                requires: requires.clone().unwrap_or_else(|| task.requires.clone()),
                max_attempts: max_attempts.unwrap_or(task.max_attempts),
                ..task.clone()
            };
            if sql::edit(c, &task.id, &edited, expected_version, &c.now().sql())? == 0 {
                return Err(conflict(task.version));
            }
            if let Some(tags) = &change.tags {
                sql::clear_tags(c, &task.id)?;
                set_tags(c, &task.id, tags)?;
            }
            if let Some(paths) = &paths {
                crate::storage::sql::reservations::set_task_paths(c, &task.id, paths)?;
            }
            crate::approvals::require(c, &task.id, change.approval)?;
            audit::record(c, &me.id, "task_updated", &task.id)?;
            task_changed(
                c,
                "task_updated",
                &me.id,
                &task,
                task.assigned_to.as_deref(),
            )?;
            load(c, &task.id)
        })
    }

    /// Moves a task to `status` if it is still at `expected_version` (optimistic locking).
    ///
    /// Managers, reviewers and tier 0 may move any task of their group; project agents only
    /// tasks assigned to them (otherwise they go through `claim_task`); architects and testers
    /// none. A stale version is a `Conflict` carrying the current version; an invalid move, or
    /// a move into `in_progress`/`review`/`done` while a dependency is unfinished, is
    /// `InvalidInput`.
    pub fn set_task_status(
        &self,
        task_id: &str,
        status: TaskStatus,
        expected_version: i64,
    ) -> Result<Task> {
        self.change_status(task_id, status, Some(expected_version))
    }

    /// Moves a task to `status` at whatever version is current, in one transaction (for
    /// callers that have no version to hold, such as `bttask status` without `--version`).
    /// The same rules as [`Actor::set_task_status`] apply.
    pub fn move_task(&self, task_id: &str, status: TaskStatus) -> Result<Task> {
        self.change_status(task_id, status, None)
    }

    fn change_status(
        &self,
        task_id: &str,
        status: TaskStatus,
        expected: Option<i64>,
    ) -> Result<Task> {
        self.task_write(|c, me, now| {
            let task = resolve(c, me, task_id)?;
            me.check(
                Action::ChangeTaskStatus,
                Target::Task {
                    group: group_of(&task),
                    assigned_to: task.assigned_to.as_deref(),
                },
            )?;
            let expected_version = expected.unwrap_or(task.version);
            // A stale version is reported as such before anything else is judged.
            if task.version != expected_version {
                return Err(Error::Conflict {
                    kind: ObjectKind::Task,
                    id: task.id,
                    expected: expected_version,
                    current_version: task.version,
                });
            }
            if !task.status.can_become(status) {
                return Err(Error::invalid(
                    "status",
                    format!(
                        "task {} cannot move from {} to {status}",
                        task.id, task.status
                    ),
                ));
            }
            require_dependencies_done(c, &task, status)?;
            crate::board::refuse_if_archived(c, &task)?;
            crate::approvals::refuse_unapproved(&me.id, &task, status)?;
            if task.status == TaskStatus::InProgress && status != TaskStatus::InProgress {
                let outcome = crate::attempts::outcome_of_move(&task, &me.id, status);
                crate::attempts::end_claim(c, &task, outcome, None, now)?;
            }
            let changed = sql::set_status(
                c,
                &task.id,
                status.stored(),
                expected_version,
                &c.now().sql(),
            )?;
            if changed == 0 {
                return Err(Error::Conflict {
                    kind: ObjectKind::Task,
                    id: task.id,
                    expected: expected_version,
                    current_version: task.version,
                });
            }
            record_transition(c, &me.id, &task, status)?;
            if status == TaskStatus::Done {
                finished_without_complete(c, me, &task, "with a status change")?;
            }
            load(c, &task.id)
        })
    }

    /// Comments on a task. Every role may comment.
    pub fn comment(&self, task_id: &str, content: &str) -> Result<Comment> {
        validate_content(content)?;
        self.write_tx(|c, me| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::CommentOnTask, Target::InGroup(group_of(&task)))?;
            let comment = add_comment(c, &task.id, &me.id, content)?;
            audit::record(c, &me.id, "task_comment", &task.id)?;
            task_changed(
                c,
                "task_comment",
                &me.id,
                &task,
                task.assigned_to.as_deref(),
            )?;
            Ok(comment)
        })
    }

    /// Deletes a task with its comments and tags; its subtasks lose their parent.
    /// Managers and tier 0 only.
    pub fn delete_task(&self, task_id: &str) -> Result<()> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::DeleteTask, Target::InGroup(group_of(&task)))?;
            sql::delete(c, &task.id)?;
            search_sql::rewind(c, Source::Task)?;
            search_sql::rewind(c, Source::Comment)?;
            task_changed(
                c,
                "task_deleted",
                &me.id,
                &task,
                task.assigned_to.as_deref(),
            )?;
            audit::record(
                c,
                &me.id,
                "task_deleted",
                &format!("{} {}", task.id, task.title),
            )
        })
    }

    /// Todo tasks the actor could claim now: unassigned or its own, every dependency done,
    /// in claim order (the first is what `claim_task(None, …)` would take).
    pub fn ready_tasks(&self) -> Result<Vec<Task>> {
        self.store.reopen_lapsed()?;
        let now = self.store.now_ms();
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            crate::claim_paths::unblocked(c, me, now, claimable(c, me, i64::MAX, now)?)
        })
    }

    /// The board of the actor's group (the operator: every group's): every status column with its tasks, in board order.
    pub fn board(&self) -> Result<Vec<(TaskStatus, Vec<Task>)>> {
        Ok(columns(self.list_tasks(&TaskFilter {
            all: true,
            ..Default::default()
        })?))
    }
}

impl Store {
    /// Tasks of every group (or of `group`) as the operator sees them (no agent identity),
    /// open ones unless `filter.all`, by priority then sort order.
    pub fn list_tasks(&self, filter: &TaskFilter, group: Option<&str>) -> Result<Vec<Task>> {
        self.as_operator().narrowed(group).list_tasks(filter)
    }

    /// The board of every group (or of `group`) as the operator sees it: each status with
    /// its tasks, in board order.
    pub fn board(&self, group: Option<&str>) -> Result<Vec<(TaskStatus, Vec<Task>)>> {
        self.as_operator().narrowed(group).board()
    }
}

/// A task's own attempt limit: absent, or 1..=1000 (the `max_attempts` setting's range).
pub(crate) fn validate_max_attempts(n: Option<i64>) -> Result<Option<i64>> {
    match n {
        Some(n) if !(1..=1000).contains(&n) => Err(Error::invalid(
            "max_attempts",
            format!("{n} is not from 1 to 1000"),
        )),
        other => Ok(other),
    }
}

/// The tasks a sight covers.
fn list_in(c: &dyn Tx, sight: &Sight, filter: &TaskFilter) -> Result<Vec<Task>> {
    let group = sight.group();
    sql::list(c, group.is_none(), group.unwrap_or_default(), filter)
}

/// Tasks in board columns: every status, in the SPEC's order, with its tasks.
fn columns(tasks: Vec<Task>) -> Vec<(TaskStatus, Vec<Task>)> {
    TaskStatus::ALL
        .into_iter()
        .map(|st| {
            (
                st,
                tasks.iter().filter(|t| t.status == st).cloned().collect(),
            )
        })
        .collect()
}
