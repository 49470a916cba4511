//! The steps every task operation shares: finding a task (by id or prefix, among those the
//! caller may name; the todo tasks it may claim), recording a transition or a change,
//! comments and tags.

use crate::audit;
use crate::changes::{self, Audience};
use crate::channels;
use crate::error::{Error, ObjectKind, Result};
use crate::ids;
use crate::model::agents::Member;
use crate::model::changes::ChangeKind;
use crate::model::search::Source;
use crate::model::tasks::{Comment, Task, TaskStatus};
use crate::prefixes;
use crate::storage::sql::search as search_sql;
use crate::storage::sql::tasks as sql;
use crate::storage::Tx;
use crate::text;

pub(crate) fn load(c: &dyn Tx, id: &str) -> Result<Task> {
    sql::by_id(c, id)?.ok_or_else(|| Error::not_found(ObjectKind::Task, id))
}
/// A task by id or unique prefix among those `me` may name (its group's; tier 0: all).
pub(crate) fn resolve(c: &dyn Tx, me: &Member, input: &str) -> Result<Task> {
    load(c, &prefixes::resolve(c, TASKS, input, &me.group_scope())?)
}
/// [`resolve`], locking the task's row in a row-lock write (see `storage`): what renew,
/// release and complete act on.
pub(crate) fn resolve_locked(c: &dyn Tx, me: &Member, input: &str) -> Result<Task> {
    let id = prefixes::resolve(c, TASKS, input, &me.group_scope())?;
    sql::by_id_locked(c, &id)?.ok_or_else(|| Error::not_found(ObjectKind::Task, &id))
}
/// The group a task belongs to, for permission targets ("" for a legacy row without one,
/// which only tier 0 may then touch).
pub(crate) fn group_of(task: &Task) -> &str {
    task.group_id.as_deref().unwrap_or_default()
}
pub(crate) const TASKS: prefixes::IdTable = prefixes::IdTable {
    kind: ObjectKind::Task,
    table: "tasks",
};
pub(crate) fn add_comment(
    c: &dyn Tx,
    task_id: &str,
    agent: &str,
    content: &str,
) -> Result<Comment> {
    // Returned as written, not read back: every status change adds a comment.
    let comment = Comment {
        id: uuid::Uuid::new_v4().to_string(),
        task_id: task_id.to_owned(),
        agent_id: agent.to_owned(),
        content: content.to_owned(),
        created_at: c.now().sql(),
    };
    sql::insert_comment(c, &comment)?;
    search_sql::note_new(c, Source::Comment, &comment.id)?;
    Ok(comment)
}
/// Records a change of `task` in the feed: its group's board changed, and its assignee
/// (`agent`) is told too.
pub(crate) fn task_changed(
    c: &dyn Tx,
    event: &str,
    actor: &str,
    task: &Task,
    agent: Option<&str>,
) -> Result<()> {
    task_moved(c, event, actor, task, agent, None)
}

/// [`task_changed`] for a change that moved the task from one status to another (`from`
/// None: its creation), kept in the feed for `task_history`.
pub(crate) fn task_moved(
    c: &dyn Tx,
    event: &str,
    actor: &str,
    task: &Task,
    agent: Option<&str>,
    moved: Option<(Option<TaskStatus>, TaskStatus)>,
) -> Result<()> {
    let to = Audience {
        group: task.group_id.as_deref(),
        agent,
        channel: None,
    };
    changes::record(c, ChangeKind::Task, event, actor, &task.id, to, moved)
}
/// The side effects every status change shares: the `Status: old → new` comment, the audit
/// row, the change feed, and a notice in the group's review queue when the task enters review.
pub(crate) fn record_transition(
    c: &dyn Tx,
    actor: &str,
    task: &Task,
    to: TaskStatus,
) -> Result<()> {
    // A claim makes the claimer the assignee; other moves keep the one the task has.
    let assignee = match to {
        TaskStatus::InProgress => Some(actor),
        _ => task.assigned_to.as_deref(),
    };
    let moved = Some((Some(task.status), to));
    task_moved(c, "task_status", actor, task, assignee, moved)?;
    add_comment(
        c,
        &task.id,
        actor,
        &format!("Status: {} → {}", task.status, to),
    )?;
    audit::record(
        c,
        actor,
        "task_status",
        &format!("{} {} -> {}", task.id, task.status, to),
    )?;
    if to == TaskStatus::Review {
        let group = task.group_id.as_deref().unwrap_or("default");
        let (queue, _) = channels::ensure_review_channels(c, group, actor)?;
        // The notice is the system's (SPEC §4): it is posted in agor's name, which the
        // desktop app's files accept as a hidden principal row (issue 19).
        channels::insert_post(
            c,
            (&queue, Some(group)),
            crate::rules::SYSTEM,
            &format!("Review requested: {} — {} ({})", task.title, task.id, actor),
        )?;
    }
    Ok(())
}
pub(crate) fn validate_tags(tags: &[String]) -> Result<()> {
    text::cap_count("tags", tags, text::MAX_TAGS)?;
    tags.iter().try_for_each(|t| ids::validate_token("tag", t))
}
pub(crate) fn set_tags(c: &dyn Tx, task_id: &str, tags: &[String]) -> Result<()> {
    for tag in tags {
        sql::insert_tag(c, task_id, tag)?;
    }
    Ok(())
}

/// Todo tasks `me` may claim at `now_ms`, in claim order (at most `limit`): one rule for
/// `ready_tasks` and for the "best next" of `claim_task` (`claim_paths::best_next`, which also
/// skips tasks whose files others hold), so the two never disagree. Only tasks that fit `me`
/// (see `fit`) and are not deferred or backing off.
pub(crate) fn claimable(c: &dyn Tx, me: &Member, limit: i64, now_ms: i64) -> Result<Vec<Task>> {
    let group = (!me.is_admin()).then_some(me.group_id.as_str());
    let claimer = sql::Claimer {
        id: &me.id,
        meets: &crate::fit::meets(me),
        takes_unmarked: crate::fit::takes_unmarked(c, me)?,
        now_ms,
    };
    sql::claimable(c, &claimer, group, limit)
}
