//! Roles and tiers. The role string stored in `agents.role` is parsed once into [`Role`], so
//! no module compares role strings of its own.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// Tier 0: administrators, who span groups and bypass the ACL and the role table (and
/// people of role `human`, who span groups and reach everyone but keep their row's limits).
pub const TIER_ADMIN: i64 = 0;
/// Tier 1: management roles (manager, architect, tester, reviewer).
pub const TIER_MANAGEMENT: i64 = 1;
/// Tier 2: project agents and any custom role.
pub const TIER_PROJECT: i64 = 2;

/// An agent's role. Roles the SPEC names are variants; anything else is `Custom` and has the
/// rights of a project agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Role {
    /// Tier 0 by default: spans groups.
    Admin,
    /// Runs a group: channels, tasks, agents below it.
    Manager,
    /// Designs; comments, does not move tasks.
    Architect,
    /// Tests; comments, does not move tasks.
    Tester,
    /// Reviews; moves any task of its group.
    Reviewer,
    /// Does the work: claims tasks.
    Project,
    /// A person on the team (tier 0 by default): reads every group, is messaged like anyone
    /// and may read the audit log, but claims and moves no work.
    Human,
    /// Any other name: a project agent's rights.
    Custom(String),
}

impl Role {
    /// The built-in roles, in rank order.
    pub const BUILT_IN: [Role; 7] = [
        Role::Admin,
        Role::Manager,
        Role::Architect,
        Role::Tester,
        Role::Reviewer,
        Role::Project,
        Role::Human,
    ];

    /// Reads a stored role; unknown names (and the empty string of an odd legacy row) are
    /// custom roles, never an error.
    pub fn parse(s: &str) -> Role {
        match s {
            "admin" => Role::Admin,
            "manager" => Role::Manager,
            "architect" => Role::Architect,
            "tester" => Role::Tester,
            "reviewer" => Role::Reviewer,
            "project" => Role::Project,
            "human" => Role::Human,
            other => Role::Custom(other.to_owned()),
        }
    }

    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Architect => "architect",
            Role::Tester => "tester",
            Role::Reviewer => "reviewer",
            Role::Project => "project",
            Role::Human => "human",
            Role::Custom(s) => s,
        }
    }

    /// The tier a role gets when none is given: admin and human 0; manager, architect,
    /// tester, reviewer 1; project and custom roles 2.
    pub fn default_tier(&self) -> i64 {
        match self {
            Role::Admin | Role::Human => TIER_ADMIN,
            Role::Manager | Role::Architect | Role::Tester | Role::Reviewer => TIER_MANAGEMENT,
            Role::Project | Role::Custom(_) => TIER_PROJECT,
        }
    }
}

/// Declares a closed set of words stored as text: serde and JSON Schema as the word, `ALL`,
/// `as_str` and a `FromStr` whose error lists every word.
macro_rules! words {
    ($(#[$meta:meta])* $Name:ident, $field:literal { $($(#[$vmeta:meta])* $Variant:ident = $word:literal,)* }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize,
            schemars::JsonSchema,
        )]
        pub enum $Name {
            $($(#[$vmeta])* #[serde(rename = $word)] $Variant,)*
        }

        impl $Name {
            /// Every value, in the SPEC's order.
            pub const ALL: &'static [$Name] = &[$($Name::$Variant),*];

            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($Name::$Variant => $word,)*
                }
            }
        }

        deserialize_from_str!($Name);

        impl std::str::FromStr for $Name {
            type Err = crate::error::Error;
            fn from_str(s: &str) -> crate::error::Result<Self> {
                $Name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let all: Vec<&str> = $Name::ALL.iter().map(|v| v.as_str()).collect();
                    crate::error::Error::invalid(
                        $field,
                        format!("unknown {} '{s}' (expected one of {})", $field, all.join(", ")),
                    )
                })
            }
        }
    };
}

words! {
    /// What kind of work a role does (SPEC §9); the board's rights follow from these.
    Capability, "capability" {
        /// Starts agents (informational for orchestrators).
        CreateAgents = "create_agents",
        /// Creates, assigns and deletes tasks, and moves any task of its group.
        AssignWork = "assign_work",
        /// Plans epics (informational).
        CreateEpics = "create_epics",
        /// Claims tasks and moves those assigned to it.
        ImplementTasks = "implement_tasks",
        /// Claims tasks and moves any task of its group.
        ReviewWork = "review_work",
        /// Tests (informational).
        TestWork = "test_work",
    }
}

words! {
    /// What a role may do to agents, channels and configuration (SPEC §9).
    Permission, "permission" {
        /// Registers agents of the roles it may create, below its tier.
        CanCreateAgents = "can_create_agents",
        /// Changes other agents' presence status.
        CanStopAgents = "can_stop_agents",
        /// Removes, restores and purges agents below its tier.
        CanDeleteAgents = "can_delete_agents",
        /// Restarts agents (informational for orchestrators).
        CanRestartAgents = "can_restart_agents",
        /// Sends commands to agents (informational for orchestrators).
        CanSendCommands = "can_send_commands",
        /// Acts on the group's dead letters.
        CanViewLogs = "can_view_logs",
        /// Grants contacts inside its group.
        CanModifyConfig = "can_modify_config",
        /// Defines custom roles below its tier, with no right it lacks.
        CanModifyRoles = "can_modify_roles",
        /// Creates channels, adds members, reads every channel of its group.
        CanCreateChannels = "can_create_channels",
        /// Deletes messages.
        CanDeleteChannels = "can_delete_channels",
        /// Sends direct messages and posts to its channels.
        CanSendMessages = "can_send_messages",
    }
}

/// `creates` entry meaning every role of a lower tier.
pub const ANY_LOWER_ROLE: &str = "*";

/// A role as data (SPEC §9): its tier, capabilities, permissions and the roles its holders may
/// create. The built-in rows are fixed in code and reproduce SPEC §2's table; custom roles are
/// rows of the `agor_roles` table; a custom role nobody defined has a project agent's rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoleDef {
    /// The role's name, as `agents.role` stores it.
    pub name: String,
    /// The tier its agents get by default (0 admin, 1 management, 2 project).
    pub tier: i64,
    /// What kind of work it does.
    pub capabilities: BTreeSet<Capability>,
    /// What it may do to agents, channels and configuration.
    pub permissions: BTreeSet<Permission>,
    /// Roles its holders may give new agents (`*`: any role of a lower tier).
    pub creates: Vec<String>,
    /// A built-in role (fixed), or one defined as data.
    pub built_in: bool,
}

impl RoleDef {
    /// Whether the role does this kind of work.
    pub fn has_capability(&self, c: Capability) -> bool {
        self.capabilities.contains(&c)
    }

    /// Whether the role holds this permission.
    pub fn check_permission(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Whether holders of this role may give a new agent `role` (the tier rule, below its
    /// own, is judged with the agent's tier by the permission function).
    pub fn can_create_role(&self, role: &str) -> bool {
        self.creates
            .iter()
            .any(|r| r == ANY_LOWER_ROLE || r == role)
    }

    /// The built-in row of a built-in role; `None` for custom roles. The rows are built once:
    /// every operation loads its actor's row, so this must not allocate.
    pub fn built_in(role: &Role) -> Option<&'static RoleDef> {
        static ROWS: LazyLock<Vec<RoleDef>> = LazyLock::new(|| {
            Role::BUILT_IN
                .iter()
                .filter_map(RoleDef::build_built_in)
                .collect()
        });
        if matches!(role, Role::Custom(_)) {
            return None;
        }
        ROWS.iter().find(|r| r.name == role.as_str())
    }

    fn build_built_in(role: &Role) -> Option<RoleDef> {
        use Capability as C;
        use Permission as P;
        let (caps, perms, creates): (&[C], &[P], &[&str]) = match role {
            Role::Custom(_) => return None,
            Role::Admin => (C::ALL, P::ALL, &[ANY_LOWER_ROLE]),
            // A manager does every kind of work (claims and reviews included), so it can
            // define any project-like role once it holds can_modify_roles.
            Role::Manager => (
                C::ALL,
                &[
                    P::CanCreateAgents,
                    P::CanStopAgents,
                    P::CanDeleteAgents,
                    P::CanRestartAgents,
                    P::CanSendCommands,
                    P::CanViewLogs,
                    P::CanModifyConfig,
                    P::CanCreateChannels,
                    P::CanDeleteChannels,
                    P::CanSendMessages,
                ],
                &[ANY_LOWER_ROLE],
            ),
            Role::Architect => (&[C::CreateEpics], &[P::CanSendMessages], &[]),
            Role::Tester => (&[C::TestWork], &[P::CanSendMessages], &[]),
            Role::Reviewer => (&[C::ReviewWork], &[P::CanSendMessages], &[]),
            Role::Project => (&[C::ImplementTasks], &[P::CanSendMessages], &[]),
            // A person: messages anyone and reads the logs; no kind of work, so it claims and
            // moves no task (its tier 0 gives it reach, not rights: see `rules::decide`).
            Role::Human => (&[], &[P::CanSendMessages, P::CanViewLogs], &[]),
        };
        Some(RoleDef {
            name: role.as_str().to_owned(),
            tier: role.default_tier(),
            capabilities: caps.iter().copied().collect(),
            permissions: perms.iter().copied().collect(),
            creates: creates.iter().map(|r| (*r).to_owned()).collect(),
            built_in: true,
        })
    }

    /// A custom role's definition from words, as the Python and C surfaces receive it; the
    /// first unknown capability or permission is the error, naming it.
    pub fn from_words<S: AsRef<str>>(
        name: &str,
        tier: i64,
        capabilities: &[S],
        permissions: &[S],
        creates: &[S],
    ) -> crate::error::Result<RoleDef> {
        fn words<T: std::str::FromStr<Err = crate::error::Error> + Ord, S: AsRef<str>>(
            words: &[S],
        ) -> crate::error::Result<BTreeSet<T>> {
            words.iter().map(|w| w.as_ref().parse()).collect()
        }
        Ok(RoleDef {
            name: name.to_owned(),
            tier,
            capabilities: words(capabilities)?,
            permissions: words(permissions)?,
            creates: creates.iter().map(|r| r.as_ref().to_owned()).collect(),
            built_in: false,
        })
    }

    /// The rights of a custom role nobody defined: a project agent's, under its own name.
    pub fn undefined(name: &str) -> RoleDef {
        RoleDef {
            name: name.to_owned(),
            built_in: false,
            ..RoleDef::built_in(&Role::Project)
                .expect("project is built in")
                .clone()
        }
    }

    /// The row of `role` when nothing but its name is known: the built-in row (borrowed), or
    /// a project agent's rights for a custom role.
    pub fn of(role: &Role) -> Cow<'static, RoleDef> {
        match RoleDef::built_in(role) {
            Some(row) => Cow::Borrowed(row),
            None => Cow::Owned(RoleDef::undefined(role.as_str())),
        }
    }

    /// Every built-in row, in rank order.
    pub fn built_ins() -> Vec<RoleDef> {
        Role::BUILT_IN
            .iter()
            .filter_map(RoleDef::built_in)
            .cloned()
            .collect()
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Role {
    fn from(s: String) -> Role {
        Role::parse(&s)
    }
}

impl From<Role> for String {
    fn from(r: Role) -> String {
        r.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_custom() {
        for role in Role::BUILT_IN {
            assert_eq!(Role::parse(role.as_str()), role);
        }
        assert_eq!(Role::parse("scribe"), Role::Custom("scribe".into()));
        assert_eq!(Role::parse("Manager"), Role::Custom("Manager".into()));
    }

    #[test]
    fn default_tiers_follow_the_spec() {
        let expected = [
            ("admin", 0),
            ("manager", 1),
            ("architect", 1),
            ("tester", 1),
            ("reviewer", 1),
            ("project", 2),
            ("human", 0),
            ("scribe", 2),
        ];
        for (name, tier) in expected {
            assert_eq!(Role::parse(name).default_tier(), tier, "{name}");
        }
    }
}
