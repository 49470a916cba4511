//! Who acts: a principal by name ([`PrincipalId`]), the same with its identity loaded as the
//! permission function reads it ([`Principal`], [`AgentIdentity`]), and the names the audit log
//! gives the operator and the system. Below the permission table, which judges them.

use super::roles::{Role, RoleDef, TIER_ADMIN};
use crate::error::{Error, Result};

/// Who acts, by name: the operator, or an agent by its id. The acting handle
/// ([`Actor`](crate::Actor)) carries one (`store.acting_as(&who)`), and a secret of the MCP
/// server's HTTP transport acts as one (its holder). [`Principal`] is the same party with the
/// agent's identity loaded, as the permission function reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalId {
    /// The operator, who sets the team up (no agent identity).
    Operator,
    /// The agent of this id.
    Agent(String),
}

impl PrincipalId {
    /// The principal a request names: an agent id, or `operator: true`; exactly one.
    pub fn from_request(agent_id: Option<String>, operator: bool) -> Result<PrincipalId> {
        match (agent_id, operator) {
            (Some(id), false) => Ok(PrincipalId::Agent(id)),
            (None, true) => Ok(PrincipalId::Operator),
            (Some(_), true) => Err(Error::invalid(
                "agent_id",
                "give an agent or `operator`, not both",
            )),
            (None, false) => Err(Error::invalid(
                "agent_id",
                "is missing: name the agent (or set `operator` for the operator's own secret)",
            )),
        }
    }

    /// The name messages and the audit log give the principal: the agent's id, or `operator`.
    pub fn name(&self) -> &str {
        match self {
            PrincipalId::Operator => OPERATOR,
            PrincipalId::Agent(id) => id,
        }
    }
}

/// Who is acting, as the permission function judges it: an agent with its identity loaded,
/// or the operator who set the team up (see [`PrincipalId`] for the party by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    /// Whoever can write the file without an agent identity: registers agents and grants
    /// contacts. Recorded as `operator` in the audit log.
    Operator,
    /// An agent acting through agor.
    Agent(&'a AgentIdentity),
}

impl<'a> Principal<'a> {
    /// The name the audit log records for this principal.
    pub fn name(&self) -> &'a str {
        match self {
            Principal::Operator => OPERATOR,
            Principal::Agent(a) => &a.id,
        }
    }

    /// The one group this principal is confined to: a non-admin agent's own; `None` for the
    /// operator and tier 0 (every group).
    pub fn home_group(&self) -> Option<&'a str> {
        match self {
            Principal::Agent(a) if !a.is_admin() => Some(&a.group_id),
            _ => None,
        }
    }
}

/// The part of an agent that permission checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentIdentity {
    /// The agent's id.
    pub id: String,
    /// Its role.
    pub role: Role,
    /// Its group.
    pub group_id: String,
    /// Its tier (0 admin, 1 management, 2 project).
    pub tier: i64,
    /// Its role's row of the roles table: what the role may do (a built-in row is borrowed).
    pub rights: std::borrow::Cow<'static, RoleDef>,
}

impl AgentIdentity {
    /// Tier 0 spans groups and bypasses the role table.
    pub fn is_admin(&self) -> bool {
        self.tier == TIER_ADMIN
    }
}

/// The audit-log name of the operator.
pub const OPERATOR: &str = "operator";
/// The audit-log and `created_by` name of the system itself (lease reaping, review channels).
pub const SYSTEM: &str = "agor";
