//! Roles as data (SPEC §9): the built-in rows (fixed in code, reproducing SPEC §2's table)
//! and custom roles defined by the operator or by holders of `can_modify_roles`, who may only
//! define roles below their tier with rights they hold themselves, and only roles that no agent
//! of another group, no peer and no superior holds (roles are global rows). The permission function
//! reads an agent's row with its identity ([`crate::rules::decide`]).

use std::borrow::Cow;

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::ids;
use crate::members::{resolve_principal, scope_of};
use crate::rules::{
    self, Action, Capability, Permission, Principal, Role, RoleDef, Target, ANY_LOWER_ROLE,
    TIER_ADMIN, TIER_PROJECT,
};
use crate::storage::sql::ids::Scope;
use crate::storage::sql::roles as sql;
use crate::storage::Tx;
use crate::Store;

/// The row of `role`: built in, stored, or (an undefined custom role) a project agent's.
pub(crate) fn rights_of(c: &dyn Tx, role: &Role) -> Result<Cow<'static, RoleDef>> {
    if let Some(def) = RoleDef::built_in(role) {
        return Ok(Cow::Borrowed(def));
    }
    let stored = sql::get(c, role.as_str())?;
    Ok(Cow::Owned(
        stored.unwrap_or_else(|| RoleDef::undefined(role.as_str())),
    ))
}

/// A role that exists: built in or defined.
fn known(c: &dyn Tx, name: &str) -> Result<RoleDef> {
    let role = Role::parse(name);
    match RoleDef::built_in(&role) {
        Some(def) => Ok(def.clone()),
        None => sql::get(c, name)?.ok_or_else(|| Error::not_found(ObjectKind::Role, name)),
    }
}

fn all(c: &dyn Tx) -> Result<Vec<RoleDef>> {
    let mut out = RoleDef::built_ins();
    out.extend(sql::custom(c)?);
    Ok(out)
}

fn validate(def: &RoleDef) -> Result<()> {
    ids::validate_token("role", &def.name)?;
    if !(TIER_ADMIN..=TIER_PROJECT).contains(&def.tier) {
        return Err(Error::invalid(
            "tier",
            format!("{} is not 0, 1 or 2", def.tier),
        ));
    }
    if RoleDef::built_in(&Role::parse(&def.name)).is_some() {
        return Err(Error::invalid(
            "role",
            format!("{} is a built-in role; its row is fixed", def.name),
        ));
    }
    Ok(())
}

fn define(c: &dyn Tx, who: Principal<'_>, def: &RoleDef) -> Result<RoleDef> {
    for r in def
        .creates
        .iter()
        .filter(|r| *r != ANY_LOWER_ROLE && **r != def.name)
    {
        known(c, r).map_err(|_| Error::invalid("creates", format!("unknown role '{r}'")))?;
    }
    let existing = sql::get(c, &def.name)?;
    let def = RoleDef {
        built_in: false,
        ..def.clone()
    };
    let holders = sql::holders(c, &def.name)?;
    rules::decide(
        who,
        Action::DefineRole,
        Target::RoleDefinition {
            existing: existing.as_ref(),
            proposed: &def,
            holders: &holders,
        },
    )?;
    sql::store(c, &def, who.name(), &c.now().sql())?;
    let event = if existing.is_some() {
        "role_redefined"
    } else {
        "role_defined"
    };
    audit::record(
        c,
        who.name(),
        event,
        &format!("{} tier={}", def.name, def.tier),
    )?;
    Ok(def)
}

/// The rights of an agent `who` may name.
fn rights_of_agent(c: &dyn Tx, scope: &Scope, agent: &str) -> Result<Cow<'static, RoleDef>> {
    Ok(resolve_principal(c, agent, scope)?.identity.rights)
}

/// Whether holders of `creator` may give a new agent `role`: `role` in its `creates` list and
/// below its tier.
fn may_create(c: &dyn Tx, creator: &str, role: &str) -> Result<bool> {
    let creator = known(c, creator)?;
    let target = known(c, role)?;
    Ok(creator.check_permission(Permission::CanCreateAgents)
        && creator.can_create_role(role)
        && target.tier > creator.tier)
}

impl Store {
    /// Every role: the built-in rows, then the custom ones by name.
    pub fn roles(&self) -> Result<Vec<RoleDef>> {
        self.as_operator().roles()
    }

    /// One role (built in or defined); an undefined name is `NotFound`.
    pub fn role(&self, name: &str) -> Result<RoleDef> {
        self.as_operator().role(name)
    }

    /// Defines or redefines a custom role, as the operator. Built-in roles are fixed.
    pub fn define_role(&self, def: &RoleDef) -> Result<RoleDef> {
        self.as_operator().define_role(def)
    }

    /// Whether an agent's role has a capability.
    pub fn has_capability(&self, agent_id: &str, capability: Capability) -> Result<bool> {
        self.as_operator().has_capability(agent_id, capability)
    }

    /// Whether an agent's role holds a permission.
    pub fn check_permission(&self, agent_id: &str, permission: Permission) -> Result<bool> {
        self.as_operator().check_permission(agent_id, permission)
    }

    /// The role row the permission function reads for an agent (an undefined custom role reads
    /// as a project agent's), in one read: for callers that ask several questions of it.
    pub fn agent_rights(&self, agent_id: &str) -> Result<RoleDef> {
        self.read(|c| Ok(rights_of_agent(c, &Scope::all(), agent_id)?.into_owned()))
    }

    /// Whether agents of role `creator` may create agents of role `role` (it holds
    /// `can_create_agents`, lists the role, and the role is of a lower tier).
    pub fn can_create_role(&self, creator: &str, role: &str) -> Result<bool> {
        self.as_operator().can_create_role(creator, role)
    }
}

impl Actor {
    /// Runs a read of the team's roles: whoever may list agents may read them.
    fn read_roles<T>(&self, f: impl FnOnce(&dyn Tx, Principal<'_>) -> Result<T>) -> Result<T> {
        self.read_as(|c, who| {
            rules::decide(who, Action::ListAgents, Target::None)?;
            f(c, who)
        })
    }

    /// Every role (built in, then custom).
    pub fn roles(&self) -> Result<Vec<RoleDef>> {
        self.read_roles(|c, _| all(c))
    }

    /// One role; an undefined name is `NotFound`.
    pub fn role(&self, name: &str) -> Result<RoleDef> {
        self.read_roles(|c, _| known(c, name))
    }

    /// Defines or redefines a custom role. The operator defines any; an agent needs
    /// `can_modify_roles`, and the role must sit below its tier with no capability,
    /// permission or creatable role it lacks, be one it may create, and be held by no agent of
    /// another group, no peer and no agent above it (a role is one row for every group:
    /// redefining it changes all its holders).
    pub fn define_role(&self, def: &RoleDef) -> Result<RoleDef> {
        validate(def)?;
        self.write_as(|c, who| define(c, who, def))
    }

    /// Whether an agent (of this group; the operator and tier 0: any) has a capability.
    pub fn has_capability(&self, agent_id: &str, capability: Capability) -> Result<bool> {
        self.read_roles(|c, who| {
            Ok(rights_of_agent(c, &scope_of(who), agent_id)?.has_capability(capability))
        })
    }

    /// Whether an agent (of this group; the operator and tier 0: any) holds a permission.
    pub fn check_permission(&self, agent_id: &str, permission: Permission) -> Result<bool> {
        self.read_roles(|c, who| {
            Ok(rights_of_agent(c, &scope_of(who), agent_id)?.check_permission(permission))
        })
    }

    /// Whether agents of role `creator` may create agents of role `role`.
    pub fn can_create_role(&self, creator: &str, role: &str) -> Result<bool> {
        self.read_roles(|c, _| may_create(c, creator, role))
    }
}

/// Whether agents of `role` review work (their role has `review_work`): they belong to their
/// group's review channels.
pub(crate) fn reviews_work(c: &dyn Tx, role: &str) -> Result<bool> {
    let rights = rights_of(c, &Role::parse(role))?;
    Ok(rights.has_capability(Capability::ReviewWork))
}
