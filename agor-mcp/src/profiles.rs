//! Tool profiles (`agor mcp --profile`): a coding agent pays for every tool definition in its
//! context, so each client is offered a named set of operations for its kind of work, and
//! only those of them its principal may call at all (no operator tool for an agent, no agent
//! tool for the operator). A tool outside a client's profile does not exist for it: it is not
//! listed, and a call of it is refused.

use agor_core::ops::CallerKind;
use agor_core::{Capability, Store};

use crate::auth::Principal;

/// A named set of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Does the work: waits, claims, completes, talks and searches.
    Worker,
    /// A worker's tools, and moving tasks through review.
    Reviewer,
    /// Runs a group: the board, the team, channels and dead letters as well.
    Manager,
    /// A person (role `human`): reads everything, talks, moves and approves work, claims none.
    Person,
    /// Every operation the operator may call.
    Operator,
    /// Every operation the principal may call.
    All,
}

/// What every agent's profile has: who it is, waiting, and talking.
const EVERYONE: &[&str] = &[
    "whoami",
    "wait",
    // The cursor a wait starts from so that nothing committed before it is missed.
    "latest_change",
    "inbox",
    "read",
    "read_unread",
    "reply",
    "send",
    "list_channels",
    "channel_history",
    "post",
];

/// The tools of a worker besides [`EVERYONE`]'s. `claim_task` also takes the best next task
/// (no `task_id`).
const WORKER: &[&str] = &[
    "list_tasks",
    "get_task",
    "claim_task",
    "renew_lease",
    "release_task",
    "complete_task",
    "comment",
    "reserve",
    "renew_reservations",
    "release_reservations",
    "set_work_state",
    "search",
];

/// What a reviewer needs besides a worker's tools.
const REVIEWER: &[&str] = &["set_task_status", "board", "dependencies", "history"];

/// What a manager needs besides a reviewer's tools.
const MANAGER: &[&str] = &[
    "create_task",
    // Batches serve programs draining a queue more than a coding agent at one task at a time:
    // a worker's list stays within its budget without them (`--profile all` offers them).
    "create_tasks",
    "claim_tasks",
    "complete_tasks",
    "update_task",
    "assign_task",
    "delete_task",
    "add_dependency",
    "remove_dependency",
    "lane",
    "reorder_lane",
    "archive_task",
    "propose_task",
    "import_tasks",
    "list_agents",
    "register_agent",
    "remove_agent",
    "set_status",
    "allow",
    "create_channel",
    "add_member",
    "send_to_role",
    "broadcast",
    "feed",
    "dead_letters",
    "redeliver_dead_letters",
    "changes",
    "work_state",
    "reservations",
    // The tasks other agents' files hold back, and who holds them (the worker's budget has no
    // room; `reservations` shows the same holders).
    "claim_blockers",
    "usage_summary",
    "usage_series",
];

/// The tools of a person (role `human`) besides [`EVERYONE`]'s: what waits on people and the
/// answers to it, the board and the team to read, and moving tasks; no claim, no lease, no
/// reservation.
const PERSON: &[&str] = &[
    "waiting_on_people",
    "approve_task",
    "reject_task",
    "board",
    "list_tasks",
    "get_task",
    "task_history",
    "task_attempts",
    "set_task_status",
    "comment",
    "list_agents",
    "work_state",
    "feed",
    "changes",
    "dead_letters",
    "search",
    "usage_summary",
    "usage_series",
];

impl Profile {
    /// Every profile, in the order `--help` names them.
    pub const ALL: [Profile; 6] = [
        Profile::Worker,
        Profile::Reviewer,
        Profile::Manager,
        Profile::Person,
        Profile::Operator,
        Profile::All,
    ];

    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Worker => "worker",
            Profile::Reviewer => "reviewer",
            Profile::Manager => "manager",
            Profile::Person => "person",
            Profile::Operator => "operator",
            Profile::All => "all",
        }
    }

    /// The profile named `name`; the error lists the names.
    pub fn parse(name: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Profile::ALL.iter().map(|p| p.as_str()).collect();
                format!("unknown profile '{name}' (one of {})", names.join(", "))
            })
    }

    /// The profile of a principal that did not ask for one: the operator's for the operator;
    /// for an agent, from its role's rights (blocking: it reads the agent and its role).
    pub(crate) fn default_for(store: &Store, who: &Principal) -> agor_core::Result<Profile> {
        let id = match who {
            Principal::Operator => return Ok(Profile::Operator),
            Principal::Agent(id) => id,
        };
        // Every call asks this: two reads (the agent's tier, its role row), not one per question.
        let agent = store.get_agent(id)?;
        if agent.role == "human" {
            return Ok(Profile::Person);
        }
        let admin = agent.is_admin();
        let rights = store.agent_rights(id)?;
        let has = |c| rights.has_capability(c);
        Ok(if admin || has(Capability::AssignWork) {
            Profile::Manager
        } else if has(Capability::ReviewWork) && !has(Capability::ImplementTasks) {
            Profile::Reviewer
        } else {
            Profile::Worker
        })
    }

    /// Whether the profile lists the operation `name`, called by `caller`, for `who`.
    pub(crate) fn offers(self, name: &str, caller: CallerKind, who: &Principal) -> bool {
        let callable = match (who, caller) {
            (_, CallerKind::Either) => true,
            (Principal::Operator, kind) => kind == CallerKind::Operator,
            (Principal::Agent(_), kind) => kind == CallerKind::Agent,
        };
        callable && self.names().is_none_or(|names| names.contains(&name))
    }

    /// The operations of the profile; `None`: every one.
    fn names(self) -> Option<Vec<&'static str>> {
        let sets: &[&[&str]] = match self {
            Profile::Worker => &[EVERYONE, WORKER],
            Profile::Reviewer => &[EVERYONE, WORKER, REVIEWER],
            Profile::Manager => &[EVERYONE, WORKER, REVIEWER, MANAGER],
            Profile::Person => &[EVERYONE, PERSON],
            Profile::Operator | Profile::All => return None,
        };
        Some(sets.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_an_operation_and_profiles_grow_by_rank() {
        let names = agor_core::ops::names();
        for p in [
            Profile::Worker,
            Profile::Reviewer,
            Profile::Manager,
            Profile::Person,
        ] {
            let set = p.names().unwrap();
            for n in &set {
                assert!(names.contains(n), "{p:?}: {n} is not an operation");
            }
            let mut sorted = set.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), set.len(), "{p:?} names an operation twice");
        }
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()), Ok(p));
        }
        assert!(Profile::parse("boss")
            .unwrap_err()
            .contains("worker, reviewer"));
    }

    #[test]
    fn operator_tools_are_never_an_agents_nor_agent_tools_the_operators() {
        let agent = Principal::Agent("a".into());
        for op in agor_core::ops::catalogue() {
            for p in Profile::ALL {
                if op.caller == CallerKind::Operator {
                    assert!(!p.offers(op.name, op.caller, &agent), "{}", op.name);
                }
                if op.caller == CallerKind::Agent {
                    let offered = p.offers(op.name, op.caller, &Principal::Operator);
                    assert!(!offered, "{}", op.name);
                }
            }
        }
    }
}
