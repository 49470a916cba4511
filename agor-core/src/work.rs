//! Agents' work state (SPEC §9): what each agent is doing, for the people and orchestrators
//! watching a team. `idle`, `working` (on a task), `done`, `error`, `stopped`, with validated
//! transitions; claiming a task sets `working` on it, completing or releasing sets `idle`; a
//! coding agent's hooks report the rest (`btmsg state --hook EVENT`). Every change is in the
//! change feed (kind `agent`, event `work_state`).

use crate::actor::Actor;
use crate::changes::{self, Audience};
use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::Member;
use crate::model::changes::ChangeKind;
use crate::model::work::{AgentWork, WorkState};
use crate::storage::sql::{agents as agent_sql, work as sql};
use crate::storage::Tx;

fn current(c: &dyn Tx, agent: &str) -> Result<AgentWork> {
    Ok(sql::load(c, agent)?.unwrap_or(AgentWork {
        agent_id: agent.to_owned(),
        state: WorkState::Idle,
        task_id: None,
        updated_at: String::new(),
    }))
}

fn record_change(c: &dyn Tx, me: &Member) -> Result<()> {
    let to = Audience {
        group: Some(&me.group_id),
        agent: Some(&me.id),
        channel: None,
    };
    changes::record(c, ChangeKind::Agent, "work_state", &me.id, &me.id, to, None)
}

/// Moves the actor from `now` to `state` on `task_id` (the move already judged allowed);
/// stores it and records it in the feed only when something changes.
fn change(
    c: &dyn Tx,
    me: &Member,
    now: AgentWork,
    state: WorkState,
    task_id: Option<String>,
) -> Result<AgentWork> {
    if (now.state, &now.task_id) == (state, &task_id) {
        return Ok(now);
    }
    let next = AgentWork {
        agent_id: me.id.clone(),
        state,
        task_id,
        updated_at: c.now().sql(),
    };
    sql::store(c, &next)?;
    record_change(c, me)?;
    Ok(next)
}

/// Follows a claim (`working` on `task`) or a completion or release (`idle`), where the
/// transition rules allow it; an agent that is stopped stays stopped.
pub(crate) fn follow(c: &dyn Tx, me: &Member, to: WorkState, task: Option<&str>) -> Result<()> {
    let from: &[WorkState] = match to {
        WorkState::Working => &[
            WorkState::Idle,
            WorkState::Working,
            WorkState::Done,
            WorkState::Error,
        ],
        _ => &[WorkState::Working],
    };
    if sql::move_if(c, &me.id, from, to, task, &c.now().sql())? {
        record_change(c, me)?;
    }
    Ok(())
}

/// Agents other than `keep` that were working on `task_id` (a task that left them: handed to
/// another group) become idle, each change in the feed.
pub(crate) fn leave_task(c: &dyn Tx, task_id: &str, keep: &str) -> Result<()> {
    for agent in sql::leave_task(c, task_id, keep, &c.now().sql())? {
        if let Some(member) = agent_sql::principal(c, &agent)? {
            record_change(c, &member)?;
        }
    }
    Ok(())
}

impl Actor {
    /// Sets the actor's work state, `task` (an id or prefix of its group's) only with
    /// `working`. A move the rules do not allow (see [`WorkState::next`]) is `InvalidInput`.
    pub fn set_work_state(&self, state: WorkState, task: Option<&str>) -> Result<AgentWork> {
        if task.is_some() && state != WorkState::Working {
            return Err(Error::invalid(
                "task",
                "only the working state names a task",
            ));
        }
        self.write_tx(|c, me| {
            let now = current(c, &me.id)?;
            if !now.state.next().contains(&state) {
                let allowed: Vec<&str> = now.state.next().iter().map(|s| s.as_str()).collect();
                return Err(Error::invalid(
                    "state",
                    format!(
                        "{} cannot go from {} to {}; from {} it may go to {}",
                        me.id,
                        now.state.as_str(),
                        state.as_str(),
                        now.state.as_str(),
                        allowed.join(", ")
                    ),
                ));
            }
            let task_id = task
                .map(|t| crate::task_steps::resolve(c, me, t).map(|t| t.id))
                .transpose()?;
            change(c, me, now, state, task_id)
        })
    }

    /// Applies a coding agent's hook event (see [`WorkState::for_hook`]). Events that change
    /// nothing, and moves the rules do not allow from the current state (a tool used while
    /// stopped), leave the state as it is: a hook must never fail the agent's session. The
    /// state is read and moved in one transaction, so a concurrent change cannot turn an
    /// allowed move into a refused one.
    pub fn apply_hook(&self, event: &str) -> Result<AgentWork> {
        let Some(state) = WorkState::for_hook(event)? else {
            return self.work_state(None);
        };
        self.write_tx(|c, me| {
            let now = current(c, &me.id)?;
            if !now.state.next().contains(&state) {
                return Ok(now);
            }
            // Working keeps the task it had.
            let task_id = now.task_id.clone().filter(|_| state == WorkState::Working);
            change(c, me, now, state, task_id)
        })
    }

    /// The work state of `agent` (default: the actor), an agent of the actor's group (tier
    /// 0: any); `NotFound` for agents the actor cannot see.
    pub fn work_state(&self, agent: Option<&str>) -> Result<AgentWork> {
        // A lapsed lease ends the work on its task; reopen first so the state says so.
        self.store.reopen_lapsed()?;
        self.read_tx(|c, me| {
            let id = agent.unwrap_or(&me.id);
            let visible = agent_sql::principal(c, id)?
                .is_some_and(|a| me.is_admin() || a.group_id == me.group_id);
            if !visible {
                return Err(Error::not_found(ObjectKind::Agent, id));
            }
            current(c, id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_and_transitions() {
        assert_eq!(
            WorkState::for_hook("SessionStart").unwrap(),
            Some(WorkState::Idle)
        );
        assert_eq!(
            WorkState::for_hook("user_prompt_submit").unwrap(),
            Some(WorkState::Working)
        );
        assert_eq!(WorkState::for_hook("Notification").unwrap(), None);
        assert!(WorkState::for_hook("Lunch").is_err());
        assert!(WorkState::Idle.next().contains(&WorkState::Working));
        assert!(!WorkState::Idle.next().contains(&WorkState::Done));
        assert!(!WorkState::Stopped.next().contains(&WorkState::Working));
        for s in WorkState::ALL {
            assert!(s.next().contains(&WorkState::Stopped) || s == WorkState::Stopped);
            assert!(s.next().contains(&s));
        }
    }
}
