//! Claims with their files (SPEC §14): a task may name the path globs it touches, and the
//! claim that holds it holds them as exclusive reservations. This module decides which tasks
//! other agents' files hold back (a direct claim is refused, claim-next and `ready_tasks` skip
//! them, `claim_blockers` says why).
//!
//! The reservation *is* the claim: `storage::sql::reservations::claimed` reads a task's paths
//! while its lease lives, so they are taken in the claim's own transaction (all or none: the
//! claim is one row) and end with it by every route — completion, release, a lapse (noticed
//! lazily, SPEC §4: a lapsed lease stops counting the moment it runs out, reopened or not), a
//! manager's move out of `in_progress`, a takeover (the paths follow the new holder) or a
//! quarantine. No route has to remember to release them, so none can leak.

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::model::agents::Member;
use crate::model::reservations::{BlockedTask, PathGlob, Reservation};
use crate::model::tasks::{Task, TaskStatus};
use crate::reservations::{check_patterns, held, reserved_error};
use crate::rules::{Action, Target};
use crate::storage::Tx;
use crate::task_steps::{claimable, group_of, resolve};

/// A task's paths as given to `create_task`/`update_task`: each a checked path or glob,
/// repeats dropped (first one kept), none at all allowed.
pub(crate) fn validate(paths: &[String]) -> Result<Vec<String>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    check_patterns(paths)?;
    let mut out: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// A claimed task's paths are the claim's: changing them under it would move a reservation
/// nobody checked.
pub(crate) fn refuse_change_while_claimed(task: &Task) -> Result<()> {
    if task.status == TaskStatus::InProgress {
        return Err(Error::invalid(
            "paths",
            format!(
                "task {} is claimed; its paths change once the claim ends",
                task.id
            ),
        ));
    }
    Ok(())
}

/// Live reservations (claims' paths included) that hold `me` back: every other agent's in
/// `me`'s sight (its group; tier 0: every group).
fn others(c: &dyn Tx, me: &Member, now_ms: i64) -> Result<Vec<Reservation>> {
    let group = (!me.is_admin()).then_some(me.group_id.as_str());
    let mut all = held(c, group, now_ms)?;
    all.retain(|h| h.agent_id != me.id);
    Ok(all)
}

/// The first of `held` in `task`'s group that overlaps one of its paths, with that path. A
/// claim reserves exclusively, so a shared reservation blocks it too.
fn blocker<'t, 'h>(task: &'t Task, held: &'h [Reservation]) -> Option<(&'t str, &'h Reservation)> {
    if task.paths.is_empty() {
        return None;
    }
    let wanted: Vec<PathGlob<'_>> = task.paths.iter().map(|p| PathGlob::new(p)).collect();
    let group = group_of(task);
    held.iter()
        .filter(|h| h.group_id == group && h.task_id.as_deref() != Some(task.id.as_str()))
        .find_map(|h| {
            let theirs = PathGlob::new(&h.pattern);
            wanted
                .iter()
                .find(|w| theirs.overlaps(w))
                .map(|w| (w.text, h))
        })
}

/// Refuses claiming `task` while another agent holds one of its paths (`Reserved`, naming
/// the holder, its pattern and, for a claim, its task). Called in the claim's transaction.
pub(crate) fn check_claim(c: &dyn Tx, me: &Member, task: &Task, now_ms: i64) -> Result<()> {
    if task.paths.is_empty() {
        return Ok(());
    }
    let held = others(c, me, now_ms)?;
    match blocker(task, &held) {
        Some((path, h)) => Err(reserved_error(path, h)),
        None => Ok(()),
    }
}

/// Claim-next: the first claimable task in claim order whose paths nobody else holds. The
/// common cases cost what they did before: the first candidate without paths, or nothing held
/// by others, is taken from one probe of the board-order index; otherwise that index is walked
/// in growing batches, so a board with many held tasks is not read one query per task.
pub(crate) fn best_next(c: &dyn Tx, me: &Member, now_ms: i64) -> Result<Option<Task>> {
    // In a row-lock write the probe below locks the task it finds (passing over those other
    // claims hold). Whether a task's files are free depends on every other claim: that one
    // is judged under the database's write lock.
    let mut first = claimable(c, me, 1, now_ms)?;
    if c.row_locks() && first.first().is_some_and(|t| !t.paths.is_empty()) {
        return Err(c.escalate());
    }
    match first.first() {
        None => return Ok(None),
        Some(t) if t.paths.is_empty() => return Ok(first.pop()),
        Some(_) => {}
    }
    let held = others(c, me, now_ms)?;
    if held.is_empty() {
        return Ok(first.pop());
    }
    let mut limit: i64 = 8;
    loop {
        let batch = claimable(c, me, limit, now_ms)?;
        let exhausted = i64::try_from(batch.len()).unwrap_or(i64::MAX) < limit;
        if let Some(t) = batch.into_iter().find(|t| blocker(t, &held).is_none()) {
            return Ok(Some(t));
        }
        if exhausted {
            return Ok(None);
        }
        limit = limit.saturating_mul(8);
    }
}

/// `tasks` (claimable, in claim order) without those other agents' files hold back.
pub(crate) fn unblocked(
    c: &dyn Tx,
    me: &Member,
    now_ms: i64,
    mut tasks: Vec<Task>,
) -> Result<Vec<Task>> {
    if tasks.iter().all(|t| t.paths.is_empty()) {
        return Ok(tasks);
    }
    let held = others(c, me, now_ms)?;
    tasks.retain(|t| blocker(t, &held).is_none());
    Ok(tasks)
}

impl Actor {
    /// The todo tasks the actor could claim but for files another agent holds (claim-next and
    /// `ready_tasks` skip them), each with one blocker: the other agent's reservation, or the
    /// task it claimed. `task_id` (id or prefix) asks about one task.
    pub fn claim_blockers(&self, task_id: Option<&str>) -> Result<Vec<BlockedTask>> {
        self.store.reopen_lapsed()?;
        let now = self.store.now_ms();
        self.read_tx(|c, me| {
            me.check(Action::ListTasks, Target::None)?;
            let only = task_id.map(|t| resolve(c, me, t)).transpose()?;
            let mut tasks = claimable(c, me, i64::MAX, now)?;
            tasks.retain(|t| !t.paths.is_empty() && only.as_ref().is_none_or(|o| o.id == t.id));
            if tasks.is_empty() {
                return Ok(Vec::new());
            }
            let held = others(c, me, now)?;
            Ok(tasks
                .iter()
                .filter_map(|t| {
                    blocker(t, &held).map(|(path, h)| BlockedTask {
                        task_id: t.id.clone(),
                        title: t.title.clone(),
                        path: path.to_owned(),
                        blocked_by: h.clone(),
                    })
                })
                .collect())
        })
    }
}
