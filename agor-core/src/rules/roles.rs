//! Roles and tiers. The role string stored in `agents.role` is parsed once into [`Role`], so
//! no module compares role strings of its own.

use serde::{Deserialize, Serialize};

/// Tier 0: administrators, who span groups and bypass the ACL and the role table.
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
    /// Any other name: a project agent's rights.
    Custom(String),
}

impl Role {
    /// The built-in roles, in rank order.
    pub const BUILT_IN: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Architect,
        Role::Tester,
        Role::Reviewer,
        Role::Project,
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
            Role::Custom(s) => s,
        }
    }

    /// The tier a role gets when none is given: admin 0; manager, architect, tester,
    /// reviewer 1; project and custom roles 2.
    pub fn default_tier(&self) -> i64 {
        match self {
            Role::Admin => TIER_ADMIN,
            Role::Manager | Role::Architect | Role::Tester | Role::Reviewer => TIER_MANAGEMENT,
            Role::Project | Role::Custom(_) => TIER_PROJECT,
        }
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
            ("scribe", 2),
        ];
        for (name, tier) in expected {
            assert_eq!(Role::parse(name).default_tier(), tier, "{name}");
        }
    }
}
