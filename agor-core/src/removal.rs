//! Taking agents off the team (SPEC §9): soft delete (hidden from lists and lookups, mail to
//! it refused as not found, its history kept, its id reserved), restore, purge (only a
//! stopped agent unless forced), and renaming the display name. The operator and managers
//! (over agents below them in their group) do these; tier 0 anywhere.

use crate::actor::Actor;
use crate::agents::agent_changed;
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::ids::validate_label;
use crate::members::{load, resolve_principal, scope_of};
use crate::model::agents::{Agent, Member};
use crate::rules::{self, Action, Principal, Target};
use crate::storage::sql::agents as sql;
use crate::storage::Tx;
use crate::text;
use crate::Store;

/// Asks the permission table whether `who` may do `action` to `target` (as it stands).
fn judge(who: Principal<'_>, action: Action, target: &Member) -> Result<()> {
    rules::decide(
        who,
        action,
        Target::Registration {
            existing: Some(&target.identity),
            proposed: &target.identity,
        },
    )
}

/// A soft-deleted agent `who` may name (exact id: a removed agent has no prefix). A reserved
/// id is never one: a purged agent (whose row a desktop file keeps for its foreign keys) stays
/// purged, and the principals' rows are not agents.
fn removed(c: &dyn Tx, who: Principal<'_>, id: &str) -> Result<Member> {
    if sql::reserved(c, id)?.is_some() {
        return Err(Error::invalid(
            "agent",
            format!("agent {id} is not removed"),
        ));
    }
    let found = sql::removed(c, id)?.filter(|m| match who {
        Principal::Agent(me) => me.is_admin() || me.group_id == m.group_id,
        Principal::Operator => true,
    });
    found.ok_or_else(|| Error::invalid("agent", format!("agent {id} is not removed")))
}

fn record(c: &dyn Tx, who: Principal<'_>, event: &str, target: &Member) -> Result<()> {
    audit::record(c, who.name(), event, &target.id)?;
    agent_changed(c, event, who.name(), &target.id, &target.group_id)
}

fn remove(c: &dyn Tx, who: Principal<'_>, id: &str) -> Result<()> {
    let target = resolve_principal(c, id, &scope_of(who))?;
    judge(who, Action::DeleteAgent, &target)?;
    sql::mark_removed(c, &target.id, who.name(), &c.now().sql())?;
    record(c, who, "agent_removed", &target)
}

fn restore(c: &dyn Tx, who: Principal<'_>, id: &str) -> Result<Agent> {
    let target = removed(c, who, id)?;
    judge(who, Action::DeleteAgent, &target)?;
    sql::unmark_removed(c, &target.id)?;
    record(c, who, "agent_restored", &target)?;
    load(c, &target.id)
}

fn purge(c: &dyn Tx, who: Principal<'_>, id: &str, force: bool) -> Result<()> {
    let target = match resolve_principal(c, id, &scope_of(who)) {
        Ok(m) => m,
        Err(Error::NotFound { .. }) => {
            removed(c, who, id).map_err(|_| Error::not_found(ObjectKind::Agent, id))?
        }
        Err(e) => return Err(e),
    };
    judge(who, Action::DeleteAgent, &target)?;
    if !force && !sql::stopped(c, &target.id)? {
        return Err(Error::invalid(
            "agent",
            format!(
                "agent {} is not stopped: stop it first (status or work state), or force",
                target.id
            ),
        ));
    }
    sql::purge(c, &target, who.name(), &c.now().sql())?;
    record(c, who, "agent_purged", &target)
}

fn rename(c: &dyn Tx, who: Principal<'_>, id: &str, name: &str) -> Result<Agent> {
    let target = resolve_principal(c, id, &scope_of(who))?;
    judge(who, Action::RegisterAgent, &target)?;
    sql::rename(c, &target.id, name)?;
    record(c, who, "agent_renamed", &target)?;
    load(c, &target.id)
}

fn check_name(name: &str) -> Result<()> {
    validate_label("name", name, text::MAX_NAME_BYTES)
}

impl Store {
    /// Soft-deletes an agent as the operator: hidden from every list and lookup, mail to it
    /// refused as not found, its messages, tasks and audit rows kept, its id reserved.
    pub fn remove_agent(&self, id: &str) -> Result<()> {
        self.as_operator().remove_agent(id)
    }

    /// Brings a soft-deleted agent back (by exact id), as the operator.
    pub fn restore_agent(&self, id: &str) -> Result<Agent> {
        self.as_operator().restore_agent(id)
    }

    /// Deletes an agent for good, as the operator: only a stopped one (presence status or
    /// work state `stopped`) unless `force`. Its messages and audit rows stay as history, and
    /// its id stays reserved (a tombstone): nobody, the operator included, registers it again.
    pub fn purge_agent(&self, id: &str, force: bool) -> Result<()> {
        self.as_operator().purge_agent(id, force)
    }

    /// Changes an agent's display name, as the operator.
    pub fn rename_agent(&self, id: &str, name: &str) -> Result<Agent> {
        self.as_operator().rename_agent(id, name)
    }
}

impl Actor {
    /// Soft-deletes an agent: the operator any, managers one below their tier in their group,
    /// tier 0 anyone.
    pub fn remove_agent(&self, id: &str) -> Result<()> {
        self.write_as(|c, who| remove(c, who, id))
    }

    /// Restores a soft-deleted agent (same rights as removing it).
    pub fn restore_agent(&self, id: &str) -> Result<Agent> {
        self.write_as(|c, who| restore(c, who, id))
    }

    /// Purges an agent (same rights as removing it): only a stopped one unless `force`.
    pub fn purge_agent(&self, id: &str, force: bool) -> Result<()> {
        self.write_as(|c, who| purge(c, who, id, force))
    }

    /// Renames an agent: the operator any, an agent itself, or (managers) one below it in its
    /// group.
    pub fn rename_agent(&self, id: &str, name: &str) -> Result<Agent> {
        check_name(name)?;
        self.write_as(|c, who| rename(c, who, id, name))
    }
}
