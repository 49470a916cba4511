//! The rules of agor as pure functions: who may do what (one permission table over
//! principal × action × target), and what counts as a principal's rank. Nothing here touches
//! storage, so each rule is tested from a table.

mod permissions;
mod roles;

pub use permissions::{decide, Action, RoleHolder, Target};
pub use roles::{
    Capability, Permission, Role, RoleDef, ANY_LOWER_ROLE, TIER_ADMIN, TIER_MANAGEMENT,
    TIER_PROJECT,
};

/// Who is acting: an agent through `store.as_agent(id)`, or the operator who set the team up
/// (Store-level calls; the CLI without `BTMSG_AGENT_ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    /// Whoever can write the file without an agent identity: registers agents and grants
    /// contacts. Recorded as `operator` in the audit log.
    Operator,
    /// An agent acting through agor.
    Agent(&'a AgentIdentity),
}

impl Principal<'_> {
    /// The name the audit log records for this principal.
    pub fn name(&self) -> &str {
        match self {
            Principal::Operator => OPERATOR,
            Principal::Agent(a) => &a.id,
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
