//! The one permission function: [`decide`] reads the role table (SPEC §2) and the target's
//! group and rank (SPEC §2.1). Every operation of every surface asks it, so a rule changes here
//! or nowhere.

use super::principal::{AgentIdentity, Principal};
use super::roles::{Capability, Permission, Role, RoleDef};
use crate::error::{Error, Result};

/// Declares [`Action`] from one table, a row an action: its doc, its name in the catalogue and
/// the docs, and the words a refusal uses for it; also `Action::ALL`. A new action is one row.
macro_rules! actions {
    ($($(#[$doc:meta])* $Variant:ident = $name:literal, $refusal:literal;)*) => {
        /// What a principal wants to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $Variant,)*
        }

        impl Action {
            /// Every action, in the table's order.
            pub const ALL: &'static [Action] = &[$(Action::$Variant),*];

            /// The action's name in the catalogue and the docs.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$Variant => $name,)*
                }
            }
        }

        /// What a refusal says the principal may not do.
        fn describe(action: Action) -> &'static str {
            match action {
                $(Action::$Variant => $refusal,)*
            }
        }
    };
}

actions! {
    /// Send or reply to a direct message (the contacts ACL is checked by delivery).
    SendMessage = "send_message", "send messages";
    /// Post to a channel it belongs to.
    PostToChannel = "post_to_channel", "post to the channel";
    /// Read a channel's history.
    ReadChannel = "read_channel", "read the channel";
    /// Create a channel in its group.
    CreateChannel = "create_channel", "create channels";
    /// Add a member to a channel.
    AddChannelMember = "add_channel_member", "add channel members";
    /// Delete a direct message.
    DeleteMessage = "delete_message", "delete messages";
    /// Change an agent's presence status (its own: always).
    SetAgentStatus = "set_agent_status", "change other agents' status";
    /// List the agents (and contacts) of its group.
    ListAgents = "list_agents", "list agents";
    /// Read every message of a group.
    ReadGroupFeed = "read_group_feed", "read the group feed (tier 0 only)";
    /// See and act on the dead letters of the whole group (everyone: those it sent or was sent).
    ManageGroupDeadLetters = "manage_group_dead_letters", "act on the group's dead letters";
    /// List and read the tasks of its group.
    ListTasks = "list_tasks", "list tasks";
    /// Comment on a task.
    CommentOnTask = "comment_on_task", "comment on tasks";
    /// Create a task.
    CreateTask = "create_task", "create tasks";
    /// Delete a task.
    DeleteTask = "delete_task", "delete tasks";
    /// Assign a task.
    AssignTask = "assign_task", "assign tasks";
    /// Add or remove task dependencies.
    ManageDependencies = "manage_dependencies", "change task dependencies";
    /// Move a task between statuses by hand.
    ChangeTaskStatus = "change_task_status", "change task status";
    /// Claim a task under a lease (and renew, release, complete it).
    ClaimTask = "claim_task", "claim tasks";
    /// Register an agent or change an existing one.
    RegisterAgent = "register_agent", "register agents";
    /// Grant contacts between agents.
    GrantContacts = "grant_contacts", "grant contacts";
    /// Soft-delete, restore or purge an agent.
    DeleteAgent = "delete_agent", "remove, restore or purge agents";
    /// Define or redefine a custom role.
    DefineRole = "define_role", "define roles";
    /// Reorder an agent's lane (its own: always).
    ReorderLane = "reorder_lane", "reorder other agents' lanes";
    /// Accept or decline a task proposed to an agent (only that agent).
    AnswerProposal = "answer_proposal", "answer a proposal made to another agent";
    /// See a group's change feed, search its texts and sum its usage (agents: their own
    /// group, tier 0 and the operator: any).
    ViewGroup = "view_group", "see the group's changes, search and usage";
    /// Read the audit log (of its group; tier 0 and the operator: of every group).
    ReadAuditLog = "read_audit_log", "read the audit log";
    /// Approve or reject a task awaiting a person's approval (people of role `human` and the
    /// operator only: not even tier 0 agents).
    ApproveTask = "approve_task", "approve or reject a task awaiting approval";
    /// See what waits on a person: approvals, proposals, messages to people, dead letters
    /// (people and the operator).
    WaitOnPeople = "wait_on_people", "see what waits on a person";
}

/// What the action is done to, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing beyond the action itself (listing, creating in one's own group).
    None,
    /// An object that belongs to a group: channels, tasks, messages, dead letters.
    InGroup(&'a str),
    /// A channel, with whether the principal is a member.
    Channel {
        /// The channel's group.
        group: &'a str,
        /// Whether the principal belongs to it.
        member: bool,
    },
    /// An agent, for status changes.
    Agent {
        /// The agent's id.
        id: &'a str,
        /// Its group.
        group: &'a str,
    },
    /// A task, for status changes: its group and assignee.
    Task {
        /// The task's group.
        group: &'a str,
        /// Its assignee.
        assigned_to: Option<&'a str>,
    },
    /// A registration: the agent as it is now (if it exists) and as it would become.
    Registration {
        /// The agent as stored, if it exists.
        existing: Option<&'a AgentIdentity>,
        /// The agent as the call would make it.
        proposed: &'a AgentIdentity,
    },
    /// A role definition: the role as stored (if it exists), as it would become, and who
    /// holds it (roles are global rows, so a definition changes the rights of every holder).
    RoleDefinition {
        /// The role as defined now, if it is.
        existing: Option<&'a RoleDef>,
        /// The role as the call would define it.
        proposed: &'a RoleDef,
        /// The agents that hold the role (removed ones too: they may come back), by group and
        /// tier; one entry per distinct pair is enough.
        holders: &'a [RoleHolder],
    },
    /// A contact edge between two agents.
    Contact {
        /// Who may message.
        from: &'a AgentIdentity,
        /// Whom.
        to: &'a AgentIdentity,
    },
}

/// An agent holding a role, as far as the rule on defining that role cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolder {
    /// Its group.
    pub group_id: String,
    /// Its tier.
    pub tier: i64,
}

/// What an action needs from the actor's role (its row of the roles table, SPEC §9).
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// Every role may.
    Nothing,
    /// No role may: tier 0 only (or the actor acting on itself, see `decide`).
    TierZero,
    /// This permission.
    Permission(Permission),
    /// Any of these capabilities.
    Capability(&'static [Capability]),
    /// Being a person: role `human` (or the operator), whatever the tier.
    Person,
}

/// Claiming and moving tasks: whoever implements, reviews or assigns work.
const WORKS_ON_TASKS: &[Capability] = &[
    Capability::AssignWork,
    Capability::ReviewWork,
    Capability::ImplementTasks,
];

/// The one table from actions to the right they need. With the built-in rows of
/// `RoleDef::built_in` it reproduces SPEC §2 (the tests below check it against the table).
fn needs(action: Action) -> Needs {
    use Needs::{Nothing, TierZero};
    match action {
        Action::SendMessage | Action::PostToChannel => {
            Needs::Permission(Permission::CanSendMessages)
        }
        Action::ReadChannel | Action::ListAgents | Action::ListTasks | Action::CommentOnTask => {
            Nothing
        }
        Action::CreateChannel | Action::AddChannelMember => {
            Needs::Permission(Permission::CanCreateChannels)
        }
        // Deleting a message moderates the conversation, as deleting a channel would.
        Action::DeleteMessage => Needs::Permission(Permission::CanDeleteChannels),
        Action::SetAgentStatus => Needs::Permission(Permission::CanStopAgents),
        Action::ManageGroupDeadLetters => Needs::Permission(Permission::CanViewLogs),
        Action::RegisterAgent => Needs::Permission(Permission::CanCreateAgents),
        // Contacts are the team's configuration.
        Action::GrantContacts => Needs::Permission(Permission::CanModifyConfig),
        Action::DeleteAgent => Needs::Permission(Permission::CanDeleteAgents),
        Action::DefineRole => Needs::Permission(Permission::CanModifyRoles),
        Action::CreateTask
        | Action::DeleteTask
        | Action::AssignTask
        | Action::ManageDependencies
        | Action::ReorderLane => Needs::Capability(&[Capability::AssignWork]),
        // Project agents: only tasks assigned to them (see `decide`).
        Action::ChangeTaskStatus | Action::ClaimTask => Needs::Capability(WORKS_ON_TASKS),
        Action::ReadGroupFeed | Action::AnswerProposal => TierZero,
        Action::ViewGroup => Nothing,
        // The log names every principal's acts: whoever reads the logs of its group.
        Action::ReadAuditLog => Needs::Permission(Permission::CanViewLogs),
        Action::ApproveTask | Action::WaitOnPeople => Needs::Person,
    }
}

fn role_may(rights: &RoleDef, action: Action) -> bool {
    match needs(action) {
        Needs::Nothing => true,
        Needs::TierZero => false,
        Needs::Permission(p) => rights.check_permission(p),
        Needs::Capability(any) => any.iter().any(|c| rights.has_capability(*c)),
        Needs::Person => rights.name == Role::Human.as_str(),
    }
}

/// Whether the role moves any task of its group (not only those assigned to it).
fn moves_any_task(rights: &RoleDef) -> bool {
    rights.has_capability(Capability::AssignWork) || rights.has_capability(Capability::ReviewWork)
}

/// What the operator may do: set the team up, and read what a person needs to see it
/// (agents, boards and lanes, channels, the change feed, search, usage, the audit log).
fn operator_may(action: Action) -> bool {
    matches!(
        action,
        Action::RegisterAgent
            | Action::GrantContacts
            | Action::DeleteAgent
            | Action::DefineRole
            | Action::ListAgents
            | Action::ListTasks
            | Action::ReadChannel
            | Action::ReadGroupFeed
            | Action::ViewGroup
            | Action::ReadAuditLog
            | Action::ApproveTask
            | Action::WaitOnPeople
    )
}

/// Decides whether `who` may do `action` to `target`. The error says why not, in words an
/// agent can act on.
pub fn decide(who: Principal<'_>, action: Action, target: Target<'_>) -> Result<()> {
    let me = match who {
        // The operator sets the team up and looks at it (every group, or one it names); it
        // has no agent identity to act with otherwise.
        Principal::Operator => {
            return if operator_may(action) {
                Ok(())
            } else {
                Err(Error::denied(
                    super::OPERATOR,
                    format!(
                        "{} without an agent identity (set BTMSG_AGENT_ID=<agent id>, or \
                         use as_agent(id))",
                        describe(action)
                    ),
                ))
            };
        }
        Principal::Agent(me) => me,
    };
    // A person's approval is a person's, whatever an agent's tier (an admin agent is not one).
    if matches!(needs(action), Needs::Person) && me.role != Role::Human {
        return Err(Error::denied(
            &me.id,
            format!(
                "{} (only a person: an agent of role human, or the operator)",
                describe(action)
            ),
        ));
    }
    if me.is_admin() {
        // Tier 0 spans groups and bypasses the ACL. An admin's row holds every right; a
        // person's (role human) holds few: its tier gives it reach, its row still limits
        // what it does (it claims no work). It does steer the board: SPEC §13's page lets
        // the person signed in drag a card to another status.
        return if me.role != Role::Human
            || role_may(&me.rights, action)
            || matches!(needs(action), Needs::TierZero)
            || action == Action::ChangeTaskStatus
        {
            Ok(())
        } else {
            Err(Error::denied(
                &me.id,
                format!("{} (role {} may not)", describe(action), me.role),
            ))
        };
    }
    let deny = |why: String| Err(Error::denied(&me.id, why));
    // Acting on oneself needs no role right for these: its own status, lane and proposals,
    // and re-registering itself unchanged.
    match target {
        Target::Agent { id, .. }
            if id == me.id
                && matches!(
                    action,
                    Action::SetAgentStatus | Action::ReorderLane | Action::AnswerProposal
                ) =>
        {
            return Ok(())
        }
        Target::Registration {
            existing: Some(old),
            proposed,
        } if old.id == me.id && action == Action::RegisterAgent => {
            return if old.role == proposed.role
                && old.tier == proposed.tier
                && old.group_id == proposed.group_id
            {
                Ok(())
            } else {
                deny(format!(
                    "change its own role, tier or group (it is {} tier {} in {})",
                    old.role, old.tier, old.group_id
                ))
            };
        }
        _ => {}
    }
    if !role_may(&me.rights, action) {
        return deny(format!("{} (role {} may not)", describe(action), me.role));
    }
    let outside = |group: &str| group != me.group_id;
    match target {
        Target::None => Ok(()),
        Target::InGroup(g) | Target::Agent { group: g, .. } if outside(g) => {
            deny(format!("{} in group {g} (not its group)", describe(action)))
        }
        Target::InGroup(_) | Target::Agent { .. } => Ok(()),
        Target::Channel { group, .. } if outside(group) => deny(format!(
            "{} in group {group} (not its group)",
            describe(action)
        )),
        Target::Channel { member, .. } => {
            // Managers read every channel of their group; posting needs membership.
            let manager_reads = action == Action::ReadChannel
                && me.rights.check_permission(Permission::CanCreateChannels);
            let needs_membership =
                matches!(action, Action::PostToChannel | Action::ReadChannel) && !manager_reads;
            if needs_membership && !member {
                deny(format!("{} (not a member)", describe(action)))
            } else {
                Ok(())
            }
        }
        Target::Task { group, .. } if outside(group) => deny(format!(
            "{} in group {group} (not its group)",
            describe(action)
        )),
        Target::Task { assigned_to, .. } => {
            let any_task = moves_any_task(&me.rights);
            if action == Action::ChangeTaskStatus && !any_task && assigned_to != Some(&me.id) {
                deny("change the status of a task not assigned to it (claim it first)".into())
            } else {
                Ok(())
            }
        }
        Target::Registration { existing, proposed } => {
            if outside(&proposed.group_id) || existing.is_some_and(|o| outside(&o.group_id)) {
                return deny("register or change agents outside its group".into());
            }
            if let Some(old) = existing.filter(|o| o.tier <= me.tier) {
                return deny(format!(
                    "change agent {} (tier {}, not below its own tier {})",
                    old.id, old.tier, me.tier
                ));
            }
            let rank = proposed.tier.min(proposed.rights.tier);
            if existing.is_none_or(|o| o.role != proposed.role)
                && !me.rights.can_create_role(proposed.role.as_str())
            {
                return deny(format!(
                    "give agent {} role {} (role {} may create: {})",
                    proposed.id,
                    proposed.role,
                    me.role,
                    me.rights.creates.join(", ")
                ));
            }
            if rank <= me.tier {
                return deny(format!(
                    "give agent {} role {} tier {} (only roles and tiers below its own tier {})",
                    proposed.id, proposed.role, proposed.tier, me.tier
                ));
            }
            Ok(())
        }
        Target::RoleDefinition {
            existing,
            proposed,
            holders,
        } => {
            let above = |tier: i64| tier <= me.tier;
            if above(proposed.tier) || existing.is_some_and(|o| above(o.tier)) {
                return deny(format!(
                    "define role {} at tier {} (only roles below its own tier {})",
                    proposed.name, proposed.tier, me.tier
                ));
            }
            // Roles are global: defining one changes the rights of every agent holding it. Below
            // the operator and tier 0, only roles it may give new agents and that no agent of
            // another group, no peer and no agent above it holds (issue 19 item 8).
            if !me.rights.can_create_role(&proposed.name) {
                return deny(format!(
                    "define role {} (role {} may create: {})",
                    proposed.name,
                    me.role,
                    me.rights.creates.join(", ")
                ));
            }
            if holders.iter().any(|h| outside(&h.group_id)) {
                return deny(format!(
                    "define role {}: agents of other groups hold it",
                    proposed.name
                ));
            }
            if holders.iter().any(|h| above(h.tier)) {
                return deny(format!(
                    "define role {}: agents at or above its own tier {} hold it",
                    proposed.name, me.tier
                ));
            }
            let extra_cap = proposed
                .capabilities
                .difference(&me.rights.capabilities)
                .next();
            let extra_perm = proposed
                .permissions
                .difference(&me.rights.permissions)
                .next();
            let extra_role = proposed
                .creates
                .iter()
                .find(|r| !me.rights.can_create_role(r));
            match (extra_cap, extra_perm, extra_role) {
                (None, None, None) => Ok(()),
                (Some(c), _, _) => deny(format!("grant capability {} it lacks", c.as_str())),
                (_, Some(p), _) => deny(format!("grant permission {} it lacks", p.as_str())),
                (_, _, Some(r)) => deny(format!("let a role create {r}, which it may not")),
            }
        }
        Target::Contact { from, to } => {
            if from.id == me.id || to.id == me.id {
                deny("grant contacts to itself".into())
            } else if outside(&from.group_id) || outside(&to.group_id) {
                deny(
                    "grant contacts outside its group (only tier 0 or the operator bridge groups)"
                        .into(),
                )
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{TIER_ADMIN, TIER_MANAGEMENT, TIER_PROJECT};

    fn agent(id: &str, role: &str, group: &str) -> AgentIdentity {
        let role = Role::parse(role);
        AgentIdentity {
            id: id.into(),
            tier: role.default_tier(),
            rights: RoleDef::of(&role),
            role,
            group_id: group.into(),
        }
    }

    fn may(who: &AgentIdentity, action: Action, target: Target<'_>) -> bool {
        decide(Principal::Agent(who), action, target).is_ok()
    }

    /// The SPEC §2 table, written out independently of `TABLE`: (action, manager, architect,
    /// tester, reviewer, project), each judged on a target in the agent's own group.
    #[test]
    fn the_role_table_of_the_spec() {
        use Action::*;
        let spec: &[(Action, [bool; 5])] = &[
            (SendMessage, [true, true, true, true, true]),
            (CreateChannel, [true, false, false, false, false]),
            (DeleteMessage, [true, false, false, false, false]),
            (SetAgentStatus, [true, false, false, false, false]),
            (ListAgents, [true, true, true, true, true]),
            (ListTasks, [true, true, true, true, true]),
            (CommentOnTask, [true, true, true, true, true]),
            (CreateTask, [true, false, false, false, false]),
            (DeleteTask, [true, false, false, false, false]),
            (AssignTask, [true, false, false, false, false]),
            (ReadGroupFeed, [false, false, false, false, false]),
        ];
        let roles = ["manager", "architect", "tester", "reviewer", "project"];
        for (action, row) in spec {
            for (role, expected) in roles.iter().zip(row) {
                let me = agent("me", role, "g1");
                let target = match action {
                    SetAgentStatus => Target::Agent {
                        id: "other",
                        group: "g1",
                    },
                    _ => Target::InGroup("g1"),
                };
                assert_eq!(may(&me, *action, target), *expected, "{role} {action:?}");
                let admin = agent("root", "admin", "g9");
                assert!(may(&admin, *action, target), "admin {action:?}");
            }
        }
        assert!(may(&agent("x", "scribe", "g1"), SendMessage, Target::None));
        assert!(!may(&agent("x", "scribe", "g1"), CreateTask, Target::None));
    }

    /// SPEC §2's table as agor enforced it before roles were data (manager, architect, tester,
    /// reviewer, project), with the person's column added by issue 21 (human: messages and
    /// logs, no work): every action, one row each. The match is exhaustive, so a new action
    /// cannot be added without saying who may do it here.
    fn spec_row(action: Action) -> [bool; 6] {
        use Action::*;
        const ALL: [bool; 6] = [true; 6];
        const MANAGER: [bool; 6] = [true, false, false, false, false, false];
        const NOBODY: [bool; 6] = [false; 6];
        match action {
            SendMessage | PostToChannel | ReadChannel | ListAgents | ListTasks | CommentOnTask
            | ViewGroup => ALL,
            CreateChannel | AddChannelMember | DeleteMessage | SetAgentStatus | CreateTask
            | DeleteTask | AssignTask | ManageDependencies | RegisterAgent | GrantContacts
            | DeleteAgent | ReorderLane => MANAGER,
            // Reading the logs: managers and people.
            ManageGroupDeadLetters | ReadAuditLog => [true, false, false, false, false, true],
            ChangeTaskStatus | ClaimTask => [true, false, false, true, true, false],
            ReadGroupFeed | AnswerProposal | DefineRole => NOBODY,
            // Only people (issue 22 item 6).
            ApproveTask | WaitOnPeople => [false, false, false, false, false, true],
        }
    }

    /// The built-in rows of the roles table decide exactly as SPEC §2's table did: every
    /// action for every built-in role below tier 0, by the rows alone and through `decide`.
    #[test]
    fn built_in_rows_reproduce_the_permission_table() {
        let every = Action::ALL.iter().copied();
        let roles = [
            "manager",
            "architect",
            "tester",
            "reviewer",
            "project",
            "human",
        ];
        for action in every {
            for (role, expected) in roles.iter().zip(spec_row(action)) {
                let rights = RoleDef::built_in(&Role::parse(role)).unwrap();
                assert_eq!(role_may(rights, action), expected, "{role} {action:?}");
            }
            // An undefined custom role has a project agent's rights.
            assert_eq!(
                role_may(&RoleDef::of(&Role::parse("scribe")), action),
                spec_row(action)[4],
                "scribe {action:?}"
            );
        }
        // Who moves any task (not only its own) is unchanged too.
        for (role, any) in [("manager", true), ("reviewer", true), ("project", false)] {
            assert_eq!(
                moves_any_task(&RoleDef::of(&Role::parse(role))),
                any,
                "{role}"
            );
        }
    }

    #[test]
    fn custom_roles_are_judged_by_their_row() {
        let mut lead = agent("l", "lead", "g1");
        lead.tier = TIER_MANAGEMENT;
        lead.rights.to_mut().tier = TIER_MANAGEMENT;
        assert!(!may(&lead, Action::CreateTask, Target::InGroup("g1")));
        lead.rights
            .to_mut()
            .capabilities
            .insert(Capability::AssignWork);
        assert!(may(&lead, Action::CreateTask, Target::InGroup("g1")));
        assert!(!may(&lead, Action::CreateTask, Target::InGroup("g2")));
        // Creating agents needs the permission and the role in `creates`.
        let dev = agent("d", "project", "g1");
        let register = |who: &AgentIdentity| {
            may(
                who,
                Action::RegisterAgent,
                Target::Registration {
                    existing: None,
                    proposed: &dev,
                },
            )
        };
        assert!(!register(&lead));
        lead.rights
            .to_mut()
            .permissions
            .insert(Permission::CanCreateAgents);
        assert!(!register(&lead), "project is not in its creates list");
        lead.rights.to_mut().creates.push("project".into());
        assert!(register(&lead));
    }

    #[test]
    fn role_definitions_never_exceed_the_definer() {
        let mut keeper = agent("k", "manager", "g1");
        keeper
            .rights
            .to_mut()
            .permissions
            .insert(Permission::CanModifyRoles);
        let define = |who: &AgentIdentity, proposed: &RoleDef| {
            may(
                who,
                Action::DefineRole,
                Target::RoleDefinition {
                    existing: None,
                    proposed,
                    holders: &[],
                },
            )
        };
        let mut scribe = RoleDef::undefined("scribe");
        assert!(define(&keeper, &scribe));
        assert!(
            !define(&agent("m", "manager", "g1"), &scribe),
            "needs can_modify_roles"
        );
        scribe.tier = TIER_MANAGEMENT;
        assert!(!define(&keeper, &scribe), "not at its own tier");
        scribe.tier = TIER_PROJECT;
        scribe.permissions.insert(Permission::CanModifyRoles);
        assert!(define(&keeper, &scribe), "it holds can_modify_roles itself");
        keeper
            .rights
            .to_mut()
            .permissions
            .remove(&Permission::CanDeleteChannels);
        scribe.permissions.insert(Permission::CanDeleteChannels);
        assert!(!define(&keeper, &scribe), "a permission it lacks");
        assert!(decide(Principal::Operator, Action::DefineRole, Target::None).is_ok());
    }

    /// Issue 19 item 8: roles are global rows, so below the operator and tier 0 a definition
    /// may only touch a role the definer may create and that only agents below it in its own
    /// group hold (or none).
    #[test]
    fn roles_held_by_other_groups_peers_or_superiors_are_not_redefined() {
        let mut keeper = agent("k", "manager", "g1");
        let rights = keeper.rights.to_mut();
        rights.permissions.insert(Permission::CanModifyRoles);
        let scribe = RoleDef::undefined("scribe");
        let held = |group: &str, tier: i64| RoleHolder {
            group_id: group.into(),
            tier,
        };
        let define = |who: &AgentIdentity, holders: &[RoleHolder]| {
            decide(
                Principal::Agent(who),
                Action::DefineRole,
                Target::RoleDefinition {
                    existing: Some(&scribe),
                    proposed: &scribe,
                    holders,
                },
            )
        };
        // Allowed: nobody holds it, or only agents below it in its group.
        assert!(define(&keeper, &[]).is_ok());
        assert!(define(&keeper, &[held("g1", TIER_PROJECT)]).is_ok());
        // Denied: another group's agents hold it (even alongside its own).
        let err = define(
            &keeper,
            &[held("g1", TIER_PROJECT), held("g2", TIER_PROJECT)],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("other groups"), "{err}");
        // Denied: a peer (same tier) or a superior holds it.
        let err = define(&keeper, &[held("g1", TIER_MANAGEMENT)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("at or above"), "{err}");
        assert!(define(&keeper, &[held("g1", TIER_ADMIN)]).is_err());
        // Denied: a role it may not create.
        let mut lead = keeper.clone();
        lead.rights.to_mut().creates = vec!["project".into()];
        assert!(define(&lead, &[]).is_err());
        lead.rights.to_mut().creates.push("scribe".into());
        assert!(define(&lead, &[]).is_ok());
        // From another group: g2's keeper may not touch a role g1's agents hold.
        let mut far = agent("k2", "manager", "g2");
        far.rights
            .to_mut()
            .permissions
            .insert(Permission::CanModifyRoles);
        assert!(define(&far, &[held("g1", TIER_PROJECT)]).is_err());
        // The operator and tier 0 redefine any role.
        let holders = [held("g1", TIER_MANAGEMENT), held("g2", TIER_PROJECT)];
        let target = Target::RoleDefinition {
            existing: Some(&scribe),
            proposed: &scribe,
            holders: &holders,
        };
        assert!(decide(Principal::Operator, Action::DefineRole, target).is_ok());
        assert!(may(
            &agent("root", "admin", "g9"),
            Action::DefineRole,
            target
        ));
    }

    #[test]
    fn task_status_rights_depend_on_role_and_assignee() {
        let cases = [
            ("manager", None, true),
            ("reviewer", None, true),
            ("project", None, false),
            ("project", Some("me"), true),
            ("project", Some("other"), false),
            ("architect", Some("me"), false),
            ("tester", Some("me"), false),
        ];
        for (role, assigned_to, expected) in cases {
            let me = agent("me", role, "g1");
            let target = Target::Task {
                group: "g1",
                assigned_to,
            };
            assert_eq!(
                may(&me, Action::ChangeTaskStatus, target),
                expected,
                "{role} {assigned_to:?}"
            );
        }
    }

    #[test]
    fn groups_are_a_boundary_for_everyone_but_tier_0() {
        let mgr = agent("m2", "manager", "g2");
        let other_group = [
            (Action::DeleteMessage, Target::InGroup("g1")),
            (Action::CreateTask, Target::InGroup("g1")),
            (Action::ManageGroupDeadLetters, Target::InGroup("g1")),
            (
                Action::SetAgentStatus,
                Target::Agent {
                    id: "dev",
                    group: "g1",
                },
            ),
            (
                Action::PostToChannel,
                Target::Channel {
                    group: "g1",
                    member: true,
                },
            ),
            (
                Action::ChangeTaskStatus,
                Target::Task {
                    group: "g1",
                    assigned_to: Some("m2"),
                },
            ),
        ];
        let admin = agent("root", "admin", "g9");
        for (action, target) in other_group {
            assert!(!may(&mgr, action, target), "{action:?} {target:?}");
            assert!(may(&admin, action, target), "admin {action:?}");
        }
    }

    #[test]
    fn channel_membership() {
        let dev = agent("d", "project", "g1");
        let mgr = agent("m", "manager", "g1");
        let ch = |member| Target::Channel {
            group: "g1",
            member,
        };
        assert!(!may(&dev, Action::PostToChannel, ch(false)));
        assert!(may(&dev, Action::PostToChannel, ch(true)));
        assert!(!may(&dev, Action::ReadChannel, ch(false)));
        assert!(may(&mgr, Action::ReadChannel, ch(false)));
        assert!(!may(&mgr, Action::PostToChannel, ch(false)));
    }

    #[test]
    fn no_agent_raises_a_rank_to_its_own_or_above() {
        let mgr = agent("m", "manager", "g1");
        let register =
            |who: &AgentIdentity, existing: Option<&AgentIdentity>, proposed: &AgentIdentity| {
                may(
                    who,
                    Action::RegisterAgent,
                    Target::Registration { existing, proposed },
                )
            };
        // A manager creates roles below it, in its group.
        assert!(register(&mgr, None, &agent("d", "project", "g1")));
        assert!(register(&mgr, None, &agent("d", "scribe", "g1")));
        assert!(!register(&mgr, None, &agent("d", "project", "g2")));
        for above in ["admin", "manager", "reviewer", "architect", "tester"] {
            assert!(!register(&mgr, None, &agent("d", above, "g1")), "{above}");
        }
        // A project role with a raised tier is still a raise.
        let mut raised = agent("d", "project", "g1");
        raised.tier = TIER_MANAGEMENT;
        assert!(!register(&mgr, None, &raised));
        // It may not re-register a peer (demoting another manager) nor promote itself.
        let peer = agent("m2", "manager", "g1");
        assert!(!register(&mgr, Some(&peer), &agent("m2", "project", "g1")));
        let mut me_admin = mgr.clone();
        me_admin.tier = TIER_ADMIN;
        assert!(!register(&mgr, Some(&mgr), &me_admin));
        // Anyone may re-register itself unchanged (name, model, cwd are not rights).
        let dev = agent("d", "project", "g1");
        assert!(register(&dev, Some(&dev), &dev));
        let mut dev_admin = dev.clone();
        dev_admin.role = Role::Admin;
        dev_admin.tier = TIER_ADMIN;
        assert!(!register(&dev, Some(&dev), &dev_admin));
        // Project agents register nobody else.
        assert!(!register(&dev, None, &agent("e", "project", "g1")));
        // The operator and tier 0 register anything.
        let admin_id = agent("root", "admin", "g9");
        let op = Principal::Operator;
        let target = Target::Registration {
            existing: None,
            proposed: &admin_id,
        };
        assert!(decide(op, Action::RegisterAgent, target).is_ok());
        assert!(may(&admin_id, Action::RegisterAgent, target));
        assert_eq!(dev.tier, TIER_PROJECT);
    }

    #[test]
    fn contacts_are_granted_by_managers_inside_their_group_never_to_themselves() {
        let mgr = agent("m", "manager", "g1");
        let a = agent("a", "project", "g1");
        let b = agent("b", "project", "g1");
        let far = agent("f", "project", "g2");
        let grant = |who: &AgentIdentity, from: &AgentIdentity, to: &AgentIdentity| {
            may(who, Action::GrantContacts, Target::Contact { from, to })
        };
        assert!(grant(&mgr, &a, &b));
        assert!(!grant(&mgr, &mgr, &b));
        assert!(!grant(&mgr, &a, &mgr));
        assert!(!grant(&mgr, &a, &far));
        assert!(!grant(&a, &a, &b));
        assert!(!grant(&a, &b, &mgr));
        assert!(grant(&agent("root", "admin", "g9"), &a, &far));
    }

    #[test]
    fn the_operator_only_sets_the_team_up() {
        let op = Principal::Operator;
        assert!(decide(op, Action::GrantContacts, Target::None).is_ok());
        assert!(decide(op, Action::SendMessage, Target::None).is_err());
        assert!(decide(op, Action::CreateTask, Target::None).is_err());
    }

    /// Issue 21 item 1: the operator looks at the team (every group, or one) without an agent
    /// identity, and is told what to set when an action needs one.
    #[test]
    fn the_operator_reads_every_group_but_acts_as_nobody() {
        let op = Principal::Operator;
        for action in [
            Action::ListAgents,
            Action::ListTasks,
            Action::ReadChannel,
            Action::ViewGroup,
            Action::ReadAuditLog,
        ] {
            assert!(decide(op, action, Target::None).is_ok(), "{action:?}");
            assert!(
                decide(op, action, Target::InGroup("g1")).is_ok(),
                "{action:?}"
            );
        }
        for action in [
            Action::ClaimTask,
            Action::SendMessage,
            Action::PostToChannel,
        ] {
            let err = decide(op, action, Target::None).unwrap_err().to_string();
            assert!(err.contains("BTMSG_AGENT_ID"), "{action:?}: {err}");
        }
    }

    /// Issue 22 item 6: approving is a person's act: a human (in any group, being tier 0) and
    /// the operator may, no agent else, not even an admin of tier 0 or a manager.
    #[test]
    fn only_people_approve() {
        let human = agent("lead", "human", "g1");
        for action in [Action::ApproveTask, Action::WaitOnPeople] {
            assert!(may(&human, action, Target::InGroup("g2")), "{action:?}");
            assert!(decide(Principal::Operator, action, Target::InGroup("g2")).is_ok());
            for role in ["admin", "manager", "reviewer", "project"] {
                let who = agent("x", role, "g1");
                let err = decide(Principal::Agent(&who), action, Target::InGroup("g1"))
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("only a person"), "{role} {action:?}: {err}");
            }
        }
    }

    /// Issue 21 item 1: a person (role human) is tier 0: it reads and messages across groups
    /// and reads the audit log, but its row gives it no work: it claims and creates
    /// nothing, and sets nobody up.
    #[test]
    fn the_human_role_reaches_everyone_and_claims_no_work() {
        let human = agent("lead", "human", "g1");
        assert_eq!(human.tier, TIER_ADMIN);
        let allowed = [
            (Action::SendMessage, Target::InGroup("g2")),
            (Action::ListTasks, Target::InGroup("g2")),
            (Action::ListAgents, Target::InGroup("g2")),
            (Action::ViewGroup, Target::InGroup("g2")),
            (Action::ReadAuditLog, Target::InGroup("g2")),
            (Action::ReadGroupFeed, Target::InGroup("g2")),
            (Action::CommentOnTask, Target::InGroup("g2")),
            (
                Action::ReadChannel,
                Target::Channel {
                    group: "g2",
                    member: false,
                },
            ),
        ];
        for (action, target) in allowed {
            assert!(may(&human, action, target), "{action:?}");
        }
        // It moves cards on the board (the page's drag), in any group, without claiming.
        let elsewhere = Target::Task {
            group: "g2",
            assigned_to: Some("dev"),
        };
        assert!(may(&human, Action::ChangeTaskStatus, elsewhere));
        let task = Target::Task {
            group: "g1",
            assigned_to: Some("lead"),
        };
        for (action, target) in [
            (Action::ClaimTask, task),
            (Action::CreateTask, Target::InGroup("g1")),
            (Action::AssignTask, Target::InGroup("g1")),
            (Action::CreateChannel, Target::InGroup("g1")),
            (Action::DefineRole, Target::None),
        ] {
            let err = decide(Principal::Agent(&human), action, target).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::PermissionDenied, "{action:?}");
            assert!(err.to_string().contains("role human"), "{err}");
        }
        // Its row: no kind of work; messages and logs only.
        let row = RoleDef::of(&Role::Human);
        assert!(row.capabilities.is_empty());
        assert!(row.check_permission(Permission::CanViewLogs));
        assert!(!row.check_permission(Permission::CanCreateAgents));
        // Another tier-0 role keeps tier 0's full bypass.
        assert!(may(&agent("root", "admin", "g9"), Action::ClaimTask, task));
    }
}
