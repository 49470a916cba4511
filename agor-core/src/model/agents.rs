//! Agents as records: who they are, their status, what registering one takes, the contacts
//! ACL's edges, and `Member` (an agent as permission checks see it).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{self, validate_agent_id, validate_label};
use crate::rules::{
    self, Action, AgentIdentity, Principal, Role, Target, TIER_ADMIN, TIER_PROJECT,
};
use crate::text;

/// The default tier of a role: admin 0; manager, architect, tester, reviewer 1; anything else 2.
pub fn default_tier(role: &str) -> i64 {
    Role::parse(role).default_tier()
}

/// Liveness status stored in `agents.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    /// Working normally.
    Active,
    /// Idle; still receives mail.
    Sleeping,
    /// Shut down.
    Stopped,
}

impl AgentStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Active => "active",
            AgentStatus::Sleeping => "sleeping",
            AgentStatus::Stopped => "stopped",
        }
    }
}

impl std::str::FromStr for AgentStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(AgentStatus::Active),
            "sleeping" => Ok(AgentStatus::Sleeping),
            "stopped" => Ok(AgentStatus::Stopped),
            other => Err(Error::invalid(
                "status",
                format!("unknown agent status '{other}' (expected active, sleeping or stopped)"),
            )),
        }
    }
}

/// A registered agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Agent {
    /// 1–64 characters of `[A-Za-z0-9_-]`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role name (`manager`, `project`, a custom one…).
    pub role: String,
    /// Its group: the boundary of what it sees.
    pub group_id: String,
    /// 0 admin, 1 management, 2 project.
    pub tier: i64,
    /// The model it runs on, if recorded.
    pub model: Option<String>,
    /// Its working directory, if recorded.
    pub cwd: Option<String>,
    /// Free text; legacy rows may hold values other than active/sleeping/stopped.
    pub status: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC of its last heartbeat or status change.
    pub last_active_at: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// Unix seconds of the last heartbeat, if the agent ever sent one.
    pub last_heartbeat: Option<i64>,
    /// Unread direct messages addressed to this agent.
    pub unread: i64,
}

impl Agent {
    /// Tier 0: spans groups and bypasses the ACL and the role table.
    pub fn is_admin(&self) -> bool {
        self.tier == TIER_ADMIN
    }

    /// True for tier 0 and for the manager role: the ones who run a group.
    pub fn is_manager(&self) -> bool {
        self.is_admin() || Role::parse(&self.role) == Role::Manager
    }
}

/// An agent as permission checks and delivery see it: one indexed lookup, no counts.
/// Every operation loads its actor (and a recipient) this way, so it must stay cheap.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub identity: AgentIdentity,
    /// Unix seconds of the last heartbeat, if any.
    pub last_heartbeat: Option<i64>,
}

impl std::ops::Deref for Member {
    type Target = AgentIdentity;
    fn deref(&self) -> &AgentIdentity {
        &self.identity
    }
}

impl Member {
    pub fn principal(&self) -> Principal<'_> {
        Principal::Agent(&self.identity)
    }

    /// Asks the one permission function whether this agent may do `action` to `target`.
    pub fn check(&self, action: Action, target: Target<'_>) -> Result<()> {
        rules::decide(self.principal(), action, target)
    }
}

/// What `register_agent` takes. `tier: None` means the role's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewAgent {
    /// 1–64 characters of `[A-Za-z0-9_-]`.
    pub id: String,
    /// Display name (not blank, capped).
    pub name: String,
    /// Role name; unknown names are custom roles with a project agent's rights.
    pub role: String,
    /// Its group.
    pub group: String,
    /// 0, 1 or 2; `None`: the role's default (an existing agent with the same role keeps its tier).
    pub tier: Option<i64>,
    /// The model it runs on.
    pub model: Option<String>,
    /// Its working directory.
    pub cwd: Option<String>,
}

impl NewAgent {
    /// An agent with only the required fields.
    pub fn new(id: &str, name: &str, role: &str, group: &str) -> Self {
        NewAgent {
            id: id.into(),
            name: name.into(),
            role: role.into(),
            group: group.into(),
            ..Default::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate_agent_id(&self.id)?;
        validate_label("name", &self.name, text::MAX_NAME_BYTES)?;
        text::cap_optional("model", self.model.as_deref(), text::MAX_MODEL_BYTES)?;
        text::cap_optional("cwd", self.cwd.as_deref(), text::MAX_CWD_BYTES)?;
        ids::validate_token("role", &self.role)?;
        ids::validate_token("group", &self.group)?;
        if let Some(t) = self.tier {
            if !(TIER_ADMIN..=TIER_PROJECT).contains(&t) {
                return Err(Error::invalid("tier", format!("{t} is not 0, 1 or 2")));
            }
        }
        Ok(())
    }
}

/// A contact edge of the ACL: `agent_id` may message `contact_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Contact {
    /// Who may message.
    pub agent_id: String,
    /// Whom it may message.
    pub contact_id: String,
}

deserialize_from_str!(AgentStatus);
