//! Work that fits the worker (SPEC §14), on the claim path: which todo tasks a claimer is
//! offered (claim-next, `ready_tasks`) and whether a direct claim is its to make. A task's
//! `requires` names a capability or a role; a task that names none is for roles that
//! implement tasks, unless the `reviewers_claim_work` setting lets reviewers take it too.

use crate::error::{Error, Result};
use crate::model::agents::Member;
use crate::model::fit::{met_requirements, reviews_only, Requirement};
use crate::model::settings::REVIEWERS_CLAIM_WORK;
use crate::model::tasks::Task;
use crate::storage::Tx;

/// Whether tasks that require nothing are `me`'s to claim: the setting is read only for a
/// role that reviews but does not implement (for everyone else the answer is yes).
pub(crate) fn takes_unmarked(c: &dyn Tx, me: &Member) -> Result<bool> {
    if reviews_only(me) {
        crate::settings::flag(c, REVIEWERS_CLAIM_WORK)
    } else {
        Ok(true)
    }
}

/// What the claim-next query needs to know of `me`: the `requires` values it meets.
pub(crate) fn meets(me: &Member) -> Vec<Option<String>> {
    met_requirements(me).into()
}

/// Refuses to put a task that requires something in the lane of an agent whose role lacks
/// it (`assign_task`, `create_task` with an assignee): it could never claim it.
pub(crate) fn check_assignee(agent: &Member, requires: Option<&str>) -> Result<()> {
    match requires.map(Requirement::parse) {
        Some(Ok(req)) if !req.met_by(agent) => Err(Error::invalid(
            "agent_id",
            format!(
                "the task requires {req}, which {}'s role {} lacks: it could not claim it",
                agent.id,
                agent.role.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses a direct claim of a task that does not fit `me` (`PermissionDenied`, naming what
/// is missing), or that is deferred or backing off (`InvalidInput`, saying until when).
pub(crate) fn check_claim(c: &dyn Tx, me: &Member, task: &Task, now_ms: i64) -> Result<()> {
    match task.requires.as_deref().map(Requirement::parse) {
        Some(Ok(req)) if !req.met_by(me) => {
            return Err(Error::denied(
                &me.id,
                format!(
                    "claim task {}: it requires {req}, which role {} lacks",
                    task.id,
                    me.role.as_str()
                ),
            ))
        }
        // A value another tool wrote that is no requirement at all fits no one.
        Some(Err(_)) => {
            return Err(Error::denied(
                &me.id,
                format!(
                    "claim task {}: its requires ({}) is not capability:<word> or role:<name>",
                    task.id,
                    task.requires.as_deref().unwrap_or_default()
                ),
            ))
        }
        None if !takes_unmarked(c, me)? => {
            return Err(Error::denied(
                &me.id,
                format!(
                    "claim task {}: it requires nothing, which means capability:implement_tasks, \
                     and role {} only reviews (the operator's reviewers_claim_work setting \
                     lets reviewers claim such tasks)",
                    task.id,
                    me.role.as_str()
                ),
            ))
        }
        _ => {}
    }
    match task.not_before_ms {
        Some(at) if at > now_ms => Err(Error::invalid(
            "task",
            format!(
                "task {} is not claimable before {} UTC ({} s from now)",
                task.id,
                crate::clock::sql_time(at),
                (at - now_ms + 999) / 1000
            ),
        )),
        _ => Ok(()),
    }
}
