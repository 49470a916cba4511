//! Cross-owner assignment (SPEC §4, §9): a manager proposes one of its group's tasks to an
//! agent it may reach (its group or a contact of another group); the task stays where it is
//! until that agent accepts (the task then moves to the agent's group, assigned to it) or
//! declines. The proposed agent is told through the change feed.

use crate::actor;
use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::members;
use crate::model::agents::Member;
use crate::model::proposals::{Proposal, ProposalStatus};
use crate::model::tasks::{Task, TaskStatus};
use crate::prefixes;
use crate::rules::{Action, Target};
use crate::storage::sql::ids::Scope;
use crate::storage::sql::proposals as sql;
use crate::task_steps;
use crate::task_steps::{group_of, resolve, task_changed};
use crate::text;

const PROPOSALS: prefixes::IdTable = prefixes::IdTable {
    kind: ObjectKind::Proposal,
    table: "agor_proposals",
};

/// Proposals an agent may name: those offered to it or made from its group (tier 0: all).
fn scope(me: &Member) -> Scope {
    if me.is_admin() {
        Scope::all()
    } else {
        Scope::proposals(&me.group_id, &me.id)
    }
}

impl Actor {
    /// Offers a task of the actor's group to an agent it may reach (its group, or a contact in
    /// another group); the task is unchanged until the agent accepts. One pending proposal per
    /// task. Whoever may assign tasks may propose them (managers, tier 0).
    pub fn propose_task(&self, task_id: &str, agent_id: &str) -> Result<Proposal> {
        self.task_write(|c, me, _now| {
            let task = resolve(c, me, task_id)?;
            me.check(Action::AssignTask, Target::InGroup(group_of(&task)))?;
            let agent = members::resolve_principal(c, agent_id, &me.reachable_scope())?;
            if task.status.is_closed() || task.status == TaskStatus::InProgress {
                return Err(Error::invalid(
                    "task",
                    format!(
                        "task {} is {}: only open tasks nobody works on are proposed",
                        task.id, task.status
                    ),
                ));
            }
            if task.assigned_to.as_deref() == Some(agent.id.as_str()) {
                return Err(Error::invalid(
                    "agent_id",
                    format!("task {} is already assigned to {}", task.id, agent.id),
                ));
            }
            if let Some(open) = sql::pending_for_task(c, &task.id)? {
                return Err(Error::invalid(
                    "task",
                    format!(
                        "task {} is already proposed to {} (proposal {})",
                        task.id, open.agent_id, open.id
                    ),
                ));
            }
            let p = Proposal {
                id: uuid::Uuid::new_v4().to_string(),
                task_id: task.id.clone(),
                task_title: task.title.clone(),
                from_group: group_of(&task).to_owned(),
                proposed_by: me.id.clone(),
                agent_id: agent.id.clone(),
                status: ProposalStatus::Pending,
                reason: None,
                created_at: c.now().sql(),
                decided_at: None,
            };
            sql::insert(c, &p)?;
            audit::record(
                c,
                &me.id,
                "task_proposed",
                &format!("{} -> {} ({})", task.id, agent.id, p.id),
            )?;
            // The proposing group's board and the proposed agent hear of it.
            task_changed(c, "task_proposed", &me.id, &task, Some(&agent.id))?;
            Ok(p)
        })
    }

    /// Proposals the actor is part of, pending ones unless `all`: offered to it or made from
    /// its group (tier 0: every proposal), newest first.
    pub fn proposals(&self, all: bool) -> Result<Vec<Proposal>> {
        self.read_tx(|c, me| {
            let scope = scope(me);
            sql::list(c, &scope, all)
        })
    }

    /// Accepts a proposal made to the actor: the task moves to the actor's group, assigned to
    /// it. When that crosses groups, its parent link and its dependencies on (and of) the old
    /// group's tasks are dropped (a group is a boundary: neither side could see or finish the
    /// other's task), and whoever was still working on it is idle again. Only the proposed
    /// agent (or tier 0) answers.
    pub fn accept_proposal(&self, proposal_id: &str) -> Result<Task> {
        self.answer(proposal_id, ProposalStatus::Accepted, None)
            .map(|(_, task)| task)
    }

    /// Declines a proposal made to the actor, with an optional reason; the task stays.
    pub fn decline_proposal(&self, proposal_id: &str, reason: Option<&str>) -> Result<Proposal> {
        if let Some(r) = reason {
            text::cap("reason", r, text::MAX_SUMMARY_BYTES)?;
        }
        self.answer(proposal_id, ProposalStatus::Declined, reason)
            .map(|(p, _)| p)
    }

    fn answer(
        &self,
        proposal_id: &str,
        to: ProposalStatus,
        reason: Option<&str>,
    ) -> Result<(Proposal, Task)> {
        self.task_write(|c, me, _now| {
            let id = prefixes::resolve(c, PROPOSALS, proposal_id, &scope(me))?;
            let mut p =
                sql::by_id(c, &id)?.ok_or_else(|| Error::not_found(ObjectKind::Proposal, &id))?;
            let agent = actor::principal(c, &p.agent_id)?;
            me.check(
                Action::AnswerProposal,
                Target::Agent {
                    id: &agent.id,
                    group: &agent.group_id,
                },
            )?;
            if p.status != ProposalStatus::Pending {
                return Err(Error::invalid(
                    "proposal",
                    format!("proposal {} is already {}", p.id, p.status.as_str()),
                ));
            }
            let task = task_steps::load(c, &p.task_id)?;
            let now = c.now().sql();
            let event = match to {
                ProposalStatus::Accepted => {
                    if task.status == TaskStatus::InProgress
                        && task.assigned_to.as_deref() != Some(agent.id.as_str())
                    {
                        return Err(Error::AlreadyClaimed {
                            task_id: task.id,
                            by: task.assigned_to,
                        });
                    }
                    sql::hand_over(c, &task, &agent.id, &agent.group_id, &now)?;
                    // What tied the task to the group it left goes: dependencies on (or of)
                    // that group's tasks, and anyone's work state still naming it.
                    let dropped =
                        crate::dependencies::drop_outside_group(c, &task.id, &agent.group_id)?;
                    if !dropped.is_empty() {
                        audit::record(
                            c,
                            &me.id,
                            "task_dependencies_dropped",
                            &format!("{} changed group: {}", task.id, dropped.join(", ")),
                        )?;
                    }
                    crate::work::leave_task(c, &task.id, &agent.id)?;
                    "proposal_accepted"
                }
                _ => "proposal_declined",
            };
            sql::decide(c, &p.id, to, reason, &now)?;
            p.status = to;
            p.reason = reason.map(str::to_owned);
            p.decided_at = Some(now);
            audit::record(c, &me.id, event, &format!("{} {}", p.id, p.task_id))?;
            // The proposer's group hears the answer; on acceptance the new group's board too.
            task_changed(c, event, &me.id, &task, Some(&agent.id))?;
            let task = task_steps::load(c, &p.task_id)?;
            if to == ProposalStatus::Accepted {
                task_changed(c, "task_assigned", &me.id, &task, Some(&agent.id))?;
            }
            Ok((p, task))
        })
    }
}
