//! Agents as operations find them inside a transaction: by id or unique prefix, their group,
//! who may message whom. Shared by every operation that names an agent.

use crate::actor::principal;
use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::{Agent, Member};
use crate::prefixes::{self, Scope, AGENTS};
use crate::rules::{AgentIdentity, Principal};
use crate::storage::sql::agents as sql;
use crate::storage::Tx;

// The scopes need the storage's `Scope`, so they are written here rather than beside `Member`.
impl Member {
    /// Rows of group-owned tables (tasks, channels) this agent may name: its group's,
    /// every group's for tier 0.
    pub fn group_scope(&self) -> Scope {
        group_scope(&self.identity)
    }

    /// Agents this agent may name as a recipient: its group and its contacts (tier 0: all).
    pub fn reachable_scope(&self) -> Scope {
        if self.is_admin() {
            Scope::all()
        } else {
            Scope::reachable_agents(&self.group_id, &self.id)
        }
    }
}
/// Rows of group-owned tables an agent may name: its group's, every group's for tier 0.
pub(crate) fn group_scope(agent: &AgentIdentity) -> Scope {
    if agent.is_admin() {
        Scope::all()
    } else {
        Scope::group(&agent.group_id)
    }
}
/// Rows of group-owned tables `who` may name: the operator's and tier 0's every group's, an
/// agent's its own group's.
pub(crate) fn scope_of(who: Principal<'_>) -> Scope {
    who.home_group().map_or_else(Scope::all, Scope::group)
}
/// Loads an agent's identity by id or unique prefix, among the agents `scope` lets one name.
pub(crate) fn resolve_principal(conn: &dyn Tx, input: &str, scope: &Scope) -> Result<Member> {
    principal(conn, &prefixes::resolve(conn, AGENTS, input, scope)?)
}
/// Loads one agent by exact id.
pub(crate) fn load(conn: &dyn Tx, id: &str) -> Result<Agent> {
    sql::load(conn, id)?.ok_or_else(|| Error::not_found(ObjectKind::Agent, id))
}
/// Loads an agent by id or unique prefix.
pub(crate) fn resolve(conn: &dyn Tx, input: &str) -> Result<Agent> {
    let id = prefixes::resolve(conn, AGENTS, input, &Scope::all())?;
    load(conn, &id)
}
/// True when `from` may send to `to` under the contacts ACL (tier 0 bypasses it).
pub(crate) fn may_message(conn: &dyn Tx, from: &Member, to: &str) -> Result<bool> {
    if from.is_admin() {
        return Ok(true);
    }
    sql::is_contact(conn, &from.id, to)
}
/// The agents of `group`.
pub(crate) fn group_members(c: &dyn Tx, group: &str) -> Result<Vec<Agent>> {
    sql::list(c, Some(group))
}
