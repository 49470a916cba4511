//! Attempts, backoff, quarantine and deferred work (SPEC §14). Each claim is an attempt; the
//! one place a claim ends is [`end_claim`], called by every end (complete, release, a status
//! change out of `in_progress`, an import, a lapse), which records the outcome and, for a
//! failed attempt (a lapse, a release with an error), counts it: past the task's
//! `max_attempts` the task goes to `failed` ([`quarantine`]), otherwise it waits a backoff
//! before it can be claimed again. Managers `retry_task` a failed task and `defer_task` work
//! to a later time. Lapses are noticed when someone next reads or claims (SPEC §4): a lapsed
//! attempt is counted then, not at the lapse itself.

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, Result};
use crate::members;
use crate::model::attempts::{backoff_ms, Attempt, AttemptOutcome};
use crate::model::settings::{BACKOFF_BASE_SECS, BACKOFF_CAP_SECS, MAX_ATTEMPTS};
use crate::model::tasks::{Task, TaskStatus};
use crate::rules::{Action, Target};
use crate::settings;
use crate::storage::sql::attempts as sql;
use crate::storage::Tx;
use crate::task_steps::{self, group_of, load, record_transition, resolve, task_changed};

/// What ending a claim leaves to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterClaim {
    /// Move the task on as the caller meant to (reopen it, complete it, …).
    Continue,
    /// The attempt failed once too often: call [`quarantine`] instead of reopening it.
    Quarantine,
}

/// A claim begins an attempt.
pub(crate) fn started(c: &dyn Tx, task_id: &str, agent: &str) -> Result<()> {
    sql::start(c, task_id, agent, &c.now().sql())
}

/// Ends the live attempt on `task` with `outcome`; a failed one is counted, and either the
/// task waits its backoff (from `now_ms`) or it must be quarantined.
pub(crate) fn end_claim(
    c: &dyn Tx,
    task: &Task,
    outcome: AttemptOutcome,
    error: Option<&str>,
    now_ms: i64,
) -> Result<AfterClaim> {
    sql::end(c, &task.id, outcome, error, &c.now().sql())?;
    if !outcome.failed() {
        return Ok(AfterClaim::Continue);
    }
    let (failures, own_limit) = sql::count_failure(c, &task.id)?;
    let limit = match own_limit {
        Some(n) if n > 0 => n,
        _ => settings::count(c, MAX_ATTEMPTS)?,
    };
    if failures >= limit {
        return Ok(AfterClaim::Quarantine);
    }
    let wait = backoff_ms(
        failures,
        settings::count(c, BACKOFF_BASE_SECS)?,
        settings::count(c, BACKOFF_CAP_SECS)?,
    );
    sql::set_not_before(c, &task.id, (wait > 0).then(|| now_ms.saturating_add(wait)))?;
    Ok(AfterClaim::Continue)
}

/// Moves a claimed task whose attempts ran out to `failed`, unassigned: the move is in the
/// group's feed (event `task_failed`, addressed to the last holder too) and a comment says why.
pub(crate) fn quarantine(c: &dyn Tx, actor: &str, task: &Task) -> Result<()> {
    sql::fail(c, &task.id, &c.now().sql())?;
    let holder = task.assigned_to.as_deref();
    let moved = Some((Some(task.status), TaskStatus::Failed));
    task_steps::task_moved(c, "task_failed", actor, task, holder, moved)?;
    task_steps::add_comment(
        c,
        &task.id,
        crate::rules::SYSTEM,
        &format!(
            "Status: {} → failed (attempts used up; a manager may retry it)",
            task.status
        ),
    )?;
    audit::record(c, actor, "task_failed", &task.id)?;
    crate::work::leave_task(c, &task.id, "")
}

/// The outcome of a move of a claimed task out of `in_progress` by `actor` to `to`: the
/// holder's own move is a completion (to review or done) or a release, anyone else's a
/// takeover.
pub(crate) fn outcome_of_move(task: &Task, actor: &str, to: TaskStatus) -> AttemptOutcome {
    match (task.assigned_to.as_deref() == Some(actor), to) {
        (true, TaskStatus::Done | TaskStatus::Review) => AttemptOutcome::Completed,
        (true, _) => AttemptOutcome::Released,
        (false, _) => AttemptOutcome::TakenOver,
    }
}

/// `until` for `defer_task`: an RFC 3339 time, or a duration from now (`90s`, `30m`, `2h`,
/// `1d`, optionally `+`-prefixed); `None`, blank or `now` clear the deferral. Unix ms.
pub(crate) fn parse_until(until: Option<&str>, now_ms: i64) -> Result<Option<i64>> {
    let s = match until.map(str::trim) {
        None | Some("") | Some("now") => return Ok(None),
        Some(s) => s,
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.timestamp_millis()));
    }
    let bad = || {
        Error::invalid(
            "until",
            format!(
                "'{s}' is neither an RFC 3339 time (2026-12-24T09:00:00Z) nor a duration \
                 (90s, 30m, 2h, 1d)"
            ),
        )
    };
    let rel = s.strip_prefix('+').unwrap_or(s);
    let split = rel.find(|ch: char| !ch.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = rel.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let unit_ms: i64 = match unit {
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    // A year is far enough to defer anything; a bigger number is a typo.
    let ms = n.checked_mul(unit_ms).filter(|ms| *ms <= 366 * 86_400_000);
    Ok(Some(now_ms + ms.ok_or_else(bad)?))
}

impl Actor {
    /// Puts a `failed` task back in `todo` with its failure count and backoff cleared, so it is
    /// claimable again (managers, tier 0).
    pub fn retry_task(&self, task_id: &str) -> Result<Task> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::AssignTask, Target::InGroup(group_of(&task)))?;
            if task.status != TaskStatus::Failed {
                return Err(Error::invalid(
                    "status",
                    format!(
                        "task {} is {}; only failed tasks are retried",
                        task.id, task.status
                    ),
                ));
            }
            sql::retry(c, &task.id, &c.now().sql())?;
            record_transition(c, &me.id, &task, TaskStatus::Todo)?;
            load(c, &task.id)
        })
    }

    /// Defers a task: not ready and not claimable before `until` (see `parse_until`; `None`
    /// clears it). Managers and tier 0; not for done or cancelled tasks.
    pub fn defer_task(&self, task_id: &str, until: Option<&str>) -> Result<Task> {
        self.task_write(|c, me, now| {
            let at = parse_until(until, now)?;
            let task = resolve(c, me, task_id)?;
            me.check(Action::AssignTask, Target::InGroup(group_of(&task)))?;
            if task.status.is_closed() {
                return Err(Error::invalid(
                    "status",
                    format!(
                        "task {} is {}; there is nothing to defer",
                        task.id, task.status
                    ),
                ));
            }
            sql::defer(c, &task.id, at, &c.now().sql())?;
            let detail = match at {
                Some(ms) => format!("{} until {}", task.id, crate::clock::sql_time(ms)),
                None => format!("{} now", task.id),
            };
            audit::record(c, &me.id, "task_deferred", &detail)?;
            task_changed(
                c,
                "task_deferred",
                &me.id,
                &task,
                task.assigned_to.as_deref(),
            )?;
            load(c, &task.id)
        })
    }

    /// The attempts at a task the actor may see (the operator: any task), oldest first: who
    /// claimed it, when, and how each claim ended (a live one has no outcome yet; a lapse shows
    /// once a read or claim has noticed it).
    pub fn task_attempts(&self, task_id: &str) -> Result<Vec<Attempt>> {
        self.store.reopen_lapsed()?;
        self.read_as(|c, who| {
            self.sight(who, Action::ListTasks)?;
            let scope = members::scope_of(who);
            let id = crate::prefixes::resolve(c, task_steps::TASKS, task_id, &scope)?;
            sql::of_task(c, &id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_until;

    #[test]
    fn until_reads_rfc3339_and_durations() {
        assert_eq!(parse_until(None, 5).unwrap(), None);
        assert_eq!(parse_until(Some("now"), 5).unwrap(), None);
        assert_eq!(parse_until(Some("2h"), 0).unwrap(), Some(7_200_000));
        assert_eq!(parse_until(Some("+90s"), 10).unwrap(), Some(90_010));
        assert_eq!(
            parse_until(Some("1970-01-01T00:01:00Z"), 0).unwrap(),
            Some(60_000)
        );
        assert!(parse_until(Some("soon"), 0).is_err());
        assert!(parse_until(Some("2w"), 0).is_err());
        assert!(parse_until(Some("99999d"), 0).is_err());
    }
}
