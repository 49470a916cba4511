//! Claims under a lease: `claim_task` hands one todo task to one worker with a token, and only
//! the current token may renew, release or complete it (fencing out workers whose lease lapsed).
//! A lapsed lease reopens its task on the next read or write, with no daemon.

use crate::actor::Actor;
use crate::attempts::AfterClaim;
use crate::audit;
use crate::clock;
use crate::dependencies;
use crate::error::{Error, Result};
use crate::model::agents::Member;
use crate::model::attempts::AttemptOutcome;
use crate::model::leases::Claim;
use crate::model::tasks::{Completion, Task, TaskStatus};
use crate::rules::{Action, Target, SYSTEM};
use crate::storage::sql::leases as sql;
use crate::storage::Tx;
use crate::task_steps;
use crate::task_steps::add_comment;
use crate::Store;

/// The lease deadline `secs` seconds after `now_ms`.
fn deadline(now_ms: i64, secs: u32) -> i64 {
    now_ms.saturating_add(i64::from(secs) * 1000)
}

pub(crate) fn validate_lease(secs: u32) -> Result<()> {
    crate::numbers::Count::LeaseSecs.check(secs).map(drop)
}

/// Refuses unless `token` is the live lease on `task`.
fn check_lease(c: &dyn Tx, me: &Member, task: &Task, token: &str, now_ms: i64) -> Result<()> {
    // Renewing, releasing and completing are claiming's action (the catalogue declares it): a
    // holder whose role lost it keeps no say over the claim.
    me.check(Action::ClaimTask, Target::None)?;
    let lease_error = |reason: String| Error::Lease {
        task_id: task.id.clone(),
        reason,
    };
    // Each reason says what most likely happened and what to do: the usual cause is a lease
    // that lapsed while the worker was busy, and the remedy is to claim again.
    if task.status != TaskStatus::InProgress {
        return Err(lease_error(format!(
            "the task is {}, not claimed; if your lease lapsed, the task was reopened: claim it again",
            task.status
        )));
    }
    if task.assigned_to.as_deref() != Some(me.id.as_str()) {
        return Err(lease_error(format!(
            "the task is held by {}, not {}; if your lease lapsed, the task was reopened and claimed again",
            task.assigned_to.as_deref().unwrap_or("nobody"),
            me.id
        )));
    }
    let current = sql::token(c, &task.id)?;
    if current.as_deref() != Some(token) {
        return Err(lease_error(format!(
            "the token is not your current claim; {} claimed the task again since (its lease lapsed \
             or was released): use the token of the latest claim",
            me.id
        )));
    }
    match task.lease_expires_ms {
        Some(at) if at <= now_ms => Err(lease_error(format!(
            "the lease lapsed {} ms ago",
            now_ms - at
        ))),
        _ => Ok(()),
    }
}

fn claim_row(c: &dyn Tx, me: &Member, task: &Task, lease_secs: u32, now_ms: i64) -> Result<Claim> {
    let claim = lease_row(c, me, task, lease_secs, now_ms)?;
    crate::work::follow(c, me, crate::WorkState::Working, Some(&task.id))?;
    Ok(claim)
}

/// A claim of `task` without the claimer's work state: the lease, its token, the status move,
/// the attempt and the audit row. [`claim_row`] adds the work state; a batch sets it once.
fn lease_row(c: &dyn Tx, me: &Member, task: &Task, lease_secs: u32, now_ms: i64) -> Result<Claim> {
    let token = uuid::Uuid::new_v4().to_string();
    let expires_at_ms = deadline(now_ms, lease_secs);
    let expires_at = clock::secs_ceil(expires_at_ms);
    let updated_at = c.now().sql();
    let claimed = sql::Claimed {
        task_id: &task.id,
        holder: &me.id,
        token: &token,
        expires_at,
        expires_at_ms,
        at: &updated_at,
    };
    let changed = sql::claim(c, &claimed)?;
    // The task's row is locked (a row-lock write) or the database is: this cannot happen;
    // the check keeps it true if that changes.
    if changed != 1 {
        return Err(Error::AlreadyClaimed {
            task_id: task.id.clone(),
            by: None,
        });
    }
    task_steps::record_transition(c, &me.id, task, TaskStatus::InProgress)?;
    crate::attempts::started(c, &task.id, &me.id)?;
    audit::record(
        c,
        &me.id,
        "task_claimed",
        &format!("{} lease {lease_secs}s", task.id),
    )?;
    // The row is exactly what the UPDATE made of `task`; reading it back would cost a query
    // per claim for nothing.
    Ok(Claim {
        task: Task {
            status: TaskStatus::InProgress,
            assigned_to: Some(me.id.clone()),
            version: task.version + 1,
            updated_at,
            lease_expires_at: Some(expires_at),
            lease_expires_ms: Some(expires_at_ms),
            ..task.clone()
        },
        token,
        expires_at,
        expires_at_ms,
    })
}

/// One `claim_task` (the given task, or the best next) inside the caller's write transaction,
/// lapsed leases already reaped at `now`.
fn claim_in(
    c: &dyn Tx,
    me: &Member,
    task_id: Option<&str>,
    lease_secs: u32,
    now: i64,
) -> Result<Option<Claim>> {
    me.check(Action::ClaimTask, Target::None)?;
    let task = match task_id {
        None => match crate::claim_paths::best_next(c, me, now)? {
            Some(t) => t,
            None => return Ok(None),
        },
        Some(id) => {
            let task = task_steps::resolve_locked(c, me, id)?;
            // Whether its files are free depends on every other claim.
            if c.row_locks() && !task.paths.is_empty() {
                return Err(c.escalate());
            }
            let held_by_other = task.assigned_to.as_deref().is_some_and(|a| a != me.id);
            if task.status == TaskStatus::InProgress && !held_by_other {
                return Err(held_already(&task, me, now));
            }
            if task.status == TaskStatus::InProgress
                || (task.status == TaskStatus::Todo && held_by_other)
            {
                return Err(Error::AlreadyClaimed {
                    task_id: task.id,
                    by: task.assigned_to,
                });
            }
            if task.status == TaskStatus::Todo {
                dependencies::require_dependencies_done(c, &task, TaskStatus::InProgress)?;
            }
            if task.status != TaskStatus::Todo {
                return Err(Error::invalid(
                    "task",
                    format!(
                        "task {} is {}; only todo tasks can be claimed",
                        task.id, task.status
                    ),
                ));
            }
            // What the worker may do first, then whether its files are free.
            crate::fit::check_claim(c, me, &task, now)?;
            crate::claim_paths::check_claim(c, me, &task, now)?;
            task
        }
    };
    claim_row(c, me, &task, lease_secs, now).map(Some)
}

/// Up to `count` claims of the best next tasks, each as [`claim_in`] would choose and make it
/// (same selection: fit, paths, deferral, dependencies, board order), inside the caller's write
/// transaction; the claimer's work state says `working` on the first. The first candidates
/// come from one read of the board-order index; only when files held by others rule some out
/// is the rest found one claim-next at a time.
pub(crate) fn claim_many(
    c: &dyn Tx,
    me: &Member,
    count: u32,
    lease_secs: u32,
    now_ms: i64,
) -> Result<Vec<Claim>> {
    me.check(Action::ClaimTask, Target::None)?;
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    let first = task_steps::claimable(c, me, i64::from(count), now_ms)?;
    let first = crate::claim_paths::unblocked(c, me, now_ms, first)?;
    let mut claims = Vec::with_capacity(first.len());
    for task in &first {
        claims.push(lease_row(c, me, task, lease_secs, now_ms)?);
    }
    while claims.len() < wanted {
        match crate::claim_paths::best_next(c, me, now_ms)? {
            Some(task) => claims.push(lease_row(c, me, &task, lease_secs, now_ms)?),
            None => break,
        }
    }
    // One work state for the batch, as for one claim: working, on the first (best) task.
    if let Some(first) = claims.first() {
        crate::work::follow(c, me, crate::WorkState::Working, Some(&first.task.id))?;
    }
    Ok(claims)
}

/// One `complete_task` of a validated `completion` toward `to` (done or review) inside the
/// caller's write transaction, lapsed leases already reaped at `now`: the lease and token
/// checked, the attempt ended, the move recorded.
pub(crate) fn complete_in(
    c: &dyn Tx,
    me: &Member,
    task_id: &str,
    token: &str,
    completion: &Completion,
    to: TaskStatus,
    now: i64,
) -> Result<Task> {
    let task = task_steps::resolve_locked(c, me, task_id)?;
    check_lease(c, me, &task, token, now)?;
    let to = crate::approvals::completes_to(&task, to);
    // Review posts in the group's review channel, which it may have to create.
    if c.row_locks() && to == TaskStatus::Review {
        return Err(c.escalate());
    }
    dependencies::require_dependencies_done(c, &task, to)?;
    crate::attempts::end_claim(c, &task, AttemptOutcome::Completed, None, now)?;
    let updated_at = c.now().sql();
    sql::complete(c, &task.id, to.stored(), completion, &updated_at)?;
    task_steps::record_transition(c, &me.id, &task, to)?;
    crate::work::follow(c, me, crate::WorkState::Idle, None)?;
    // As written (artifacts are validated non-empty single lines, so they read back
    // the same); no read-after-write on the hot path.
    Ok(Task {
        status: to,
        version: task.version + 1,
        updated_at,
        lease_expires_at: None,
        lease_expires_ms: None,
        completion: Some(completion.clone()),
        ..task
    })
}

/// A claim of a task the actor already holds: not `already claimed by <itself>`, but what it
/// holds and how to get going again (a worker that claims twice has usually lost its token).
fn held_already(task: &Task, me: &Member, now_ms: i64) -> Error {
    let left = task
        .lease_expires_ms
        .map(|at| format!(" in {} s", ((at - now_ms).max(0) + 999) / 1000))
        .unwrap_or_default();
    Error::Lease {
        task_id: task.id.clone(),
        reason: format!(
            "{} already holds this claim; renew, release and complete take the token that claim \
             returned; if it is lost, the lease lapses{left} and the task can be claimed again",
            me.id
        ),
    }
}

impl Actor {
    /// Claims a todo task: the given one, or the best next one of the actor's group (highest
    /// priority, then sort order) that is unassigned or assigned to the actor.
    ///
    /// Returns `None` when there is nothing to claim. Claiming a task someone else holds is
    /// `AlreadyClaimed`. Lapsed leases are reopened first, so their tasks can be claimed again
    /// (a lapse is a failed attempt: see `attempts`). Only tasks that fit the actor are
    /// offered (`fit`): a direct claim of one it does not fit is `PermissionDenied`, of one
    /// deferred or backing off `InvalidInput`. Each claim begins an attempt.
    pub fn claim_task(&self, task_id: Option<&str>, lease_secs: u32) -> Result<Option<Claim>> {
        validate_lease(lease_secs)?;
        self.claim_write(|c, me, now| claim_in(c, me, task_id, lease_secs, now))
    }

    /// Extends a live lease to `lease_secs` from now.
    pub fn renew_lease(&self, task_id: &str, token: &str, lease_secs: u32) -> Result<Claim> {
        validate_lease(lease_secs)?;
        self.claim_write(|c, me, now| {
            let task = task_steps::resolve_locked(c, me, task_id)?;
            check_lease(c, me, &task, token, now)?;
            let expires_at_ms = deadline(now, lease_secs);
            let expires_at = clock::secs_ceil(expires_at_ms);
            sql::renew(c, &task.id, expires_at, expires_at_ms, &c.now().sql())?;
            audit::record(
                c,
                &me.id,
                "lease_renewed",
                &format!("{} +{lease_secs}s", task.id),
            )?;
            Ok(Claim {
                task: task_steps::load(c, &task.id)?,
                token: token.to_owned(),
                expires_at,
                expires_at_ms,
            })
        })
    }

    /// Gives a claimed task back: it returns to `todo`, unassigned.
    pub fn release_task(&self, task_id: &str, token: &str) -> Result<Task> {
        self.release_task_with(task_id, token, None)
    }

    /// [`Actor::release_task`], saying what went wrong when `error` is given: a failed
    /// attempt, which counts toward the task's `max_attempts` (past it the task goes to
    /// `failed`) and holds the task back for a backoff before it can be claimed again.
    pub fn release_task_with(
        &self,
        task_id: &str,
        token: &str,
        error: Option<&str>,
    ) -> Result<Task> {
        let error = error.map(str::trim).filter(|e| !e.is_empty());
        crate::text::cap_optional("error", error, crate::text::MAX_DESCRIPTION_BYTES)?;
        self.claim_write(|c, me, now| {
            let task = task_steps::resolve_locked(c, me, task_id)?;
            check_lease(c, me, &task, token, now)?;
            let outcome = match error {
                Some(_) => AttemptOutcome::ReleasedWithError,
                None => AttemptOutcome::Released,
            };
            if let Some(e) = error {
                add_comment(c, &task.id, &me.id, &format!("Released with an error: {e}"))?;
            }
            if crate::attempts::end_claim(c, &task, outcome, error, now)? == AfterClaim::Quarantine
            {
                // A quarantine idles whoever works on the task: more than this claim's rows.
                if c.row_locks() {
                    return Err(c.escalate());
                }
                crate::attempts::quarantine(c, &me.id, &task)?;
                crate::work::follow(c, me, crate::WorkState::Idle, None)?;
                return task_steps::load(c, &task.id);
            }
            sql::reopen(c, &task.id, &c.now().sql())?;
            task_steps::record_transition(c, &me.id, &task, TaskStatus::Todo)?;
            crate::work::follow(c, me, crate::WorkState::Idle, None)?;
            task_steps::load(c, &task.id)
        })
    }

    /// Completes a claimed task with its completion record: to `done`, or to `review` (which
    /// posts a notice in the group's review queue) when `review` is set.
    pub fn complete_task(
        &self,
        task_id: &str,
        token: &str,
        completion: &Completion,
        review: bool,
    ) -> Result<Task> {
        completion.validate()?;
        let to = if review {
            TaskStatus::Review
        } else {
            TaskStatus::Done
        };
        self.claim_write(|c, me, now| complete_in(c, me, task_id, token, completion, to, now))
    }
}

/// Moves tasks whose lease lapsed back to `todo`. Runs in a write transaction.
pub(crate) fn reap_expired_leases(c: &dyn Tx, now_ms: i64) -> Result<usize> {
    let expired = sql::lapsed(c, now_ms)?;
    for task in &expired {
        let holder = task.assigned_to.as_deref().unwrap_or("nobody");
        let after = crate::attempts::end_claim(c, task, AttemptOutcome::Lapsed, None, now_ms)?;
        if after == AfterClaim::Quarantine {
            audit::record(
                c,
                SYSTEM,
                "lease_expired",
                &format!("{} held by {holder}", task.id),
            )?;
            crate::attempts::quarantine(c, SYSTEM, task)?;
            continue;
        }
        sql::reopen(c, &task.id, &c.now().sql())?;
        // The board itself reopens the task; the lapsed worker did not act.
        let note = format!("Status: in_progress → todo (lease of {holder} expired)");
        add_comment(c, &task.id, SYSTEM, &note)?;
        audit::record(
            c,
            SYSTEM,
            "lease_expired",
            &format!("{} held by {holder}", task.id),
        )?;
        // Claimable again: the group's waiters hear of it, and the change is addressed to the
        // lapsed holder, so it learns its lease is gone.
        let moved = Some((Some(TaskStatus::InProgress), TaskStatus::Todo));
        let to = task.assigned_to.as_deref();
        task_steps::task_moved(c, "lease_expired", SYSTEM, task, to, moved)?;
        // The holder no longer works on it: its work state follows the lapse (idle, in the
        // feed), or it would say `working on` a task that is back on the board.
        crate::work::leave_task(c, &task.id, "")?;
    }
    Ok(expired.len())
}

impl Store {
    /// Reopens tasks whose lease lapsed. Called before task reads, so no daemon is needed;
    /// the check is one indexed read, and the write only happens when something lapsed.
    /// Reads never wait on the write lock: when another process holds it (or the file cannot
    /// be written) the reopening is left to the next write, which always reaps first.
    pub(crate) fn reopen_lapsed(&self) -> Result<()> {
        let now = self.now_ms();
        if !self.read(|c| sql::any_lapsed(c, now))? {
            return Ok(());
        }
        self.write_if_free(|c| reap_expired_leases(c, now))
            .map(drop)
    }
}
