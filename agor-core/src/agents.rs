//! Agents, their roles and tiers, the contacts ACL and the role permission table of the SPEC.
//! `Actor` is the view through which everything done on an agent's behalf is checked and audited.

use crate::audit;
use crate::changes::{self, Audience};
use crate::clock;
use crate::error::{Error, ObjectKind, Result};
use crate::ids::validate_agent_id;
use crate::model::agents::{Agent, AgentStatus, Contact, Member, NewAgent};
use crate::model::changes::ChangeKind;
use crate::prefixes::{self, Scope, AGENTS};
use crate::rules::{self, Action, AgentIdentity, Capability, Principal, Role, Target};
pub use crate::rules::{TIER_ADMIN, TIER_MANAGEMENT, TIER_PROJECT};
use crate::storage::sql::agents::{self as sql, contact_edges};
use crate::storage::Tx;
use crate::Store;

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
fn group_scope(agent: &AgentIdentity) -> Scope {
    if agent.is_admin() {
        Scope::all()
    } else {
        Scope::group(&agent.group_id)
    }
}

/// Loads an agent's identity by exact id.
pub(crate) fn principal(conn: &dyn Tx, id: &str) -> Result<Member> {
    sql::principal(conn, id)?.ok_or_else(|| Error::not_found(ObjectKind::Agent, id))
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

/// Registers or updates an agent on behalf of `who`, after the permission table has judged the
/// change (no agent raises a rank to its own or above; managers act inside their group).
/// `tier: None` keeps an existing agent's tier when its role is unchanged, else takes the
/// role's default.
fn register(c: &dyn Tx, who: Principal<'_>, new: &NewAgent) -> Result<Agent> {
    let existing = available(c, who, &new.id)?;
    let role = Role::parse(&new.role);
    let rights = crate::roles::rights_of(c, &role)?;
    let tier = match (new.tier, &existing) {
        (Some(t), _) => t,
        (None, Some(old)) if old.role == role => old.tier,
        (None, _) => rights.tier,
    };
    let proposed = AgentIdentity {
        id: new.id.clone(),
        role,
        group_id: new.group.clone(),
        tier,
        rights,
    };
    let target = Target::Registration {
        existing: existing.as_ref().map(|m| &m.identity),
        proposed: &proposed,
    };
    rules::decide(who, Action::RegisterAgent, target)?;
    sql::upsert(c, new, tier, &clock::sql_now())?;
    if proposed.rights.has_capability(Capability::ReviewWork) {
        crate::channels::join_review_channels(c, &new.id, &new.group)?;
    }
    let event = if existing.is_some() {
        "agent_updated"
    } else {
        "agent_registered"
    };
    audit::record(
        c,
        who.name(),
        event,
        &format!(
            "{} role={} group={} tier={tier}",
            new.id, new.role, new.group
        ),
    )?;
    agent_changed(c, event, who.name(), &new.id, &new.group)?;
    load(c, &new.id)
}

/// The agents of `group`.
pub(crate) fn group_members(c: &dyn Tx, group: &str) -> Result<Vec<Agent>> {
    sql::list(c, Some(group))
}

/// Whether agents of `role` review work (their role has `review_work`): they belong to their
/// group's review channels.
pub(crate) fn reviews_work(c: &dyn Tx, role: &str) -> Result<bool> {
    let rights = crate::roles::rights_of(c, &Role::parse(role))?;
    Ok(rights.has_capability(Capability::ReviewWork))
}

/// The agent `id` names, if `who` may register under that id (`None`: a free id). An id that
/// is reserved (a purged agent's tombstone, a principal's name), removed, or an agent's of
/// another group is not available. The operator and tier 0, who see every group, are told
/// which; any other agent gets one answer for all of them, after the check that it may register
/// at all, so registering is no oracle for another group's agents or for removed and purged ones.
fn available(c: &dyn Tx, who: Principal<'_>, id: &str) -> Result<Option<Member>> {
    let sees_all = match who {
        Principal::Operator => true,
        Principal::Agent(me) if me.id == id => return principal(c, id).map(Some),
        Principal::Agent(me) => {
            rules::decide(who, Action::RegisterAgent, Target::None)?;
            me.is_admin()
        }
    };
    let why = match sql::reserved(c, id)? {
        Some(sql::Reserved::Purged) => format!(
            "agent {id} was purged; its id stays reserved for good (a newcomer under it \
             would inherit its history)"
        ),
        Some(sql::Reserved::Principal) => {
            format!("'{id}' names a principal in the audit log, not an agent")
        }
        None if sql::removed(c, id)?.is_some() => format!(
            "agent {id} was removed; its id stays reserved until it is restored (for good \
             once it is purged)"
        ),
        None => {
            let existing = principal(c, id).optional_found()?;
            return match (who, &existing) {
                (Principal::Agent(me), Some(other))
                    if !me.is_admin() && other.group_id != me.group_id =>
                {
                    Err(id_taken(id))
                }
                _ => Ok(existing),
            };
        }
    };
    Err(if sees_all {
        Error::invalid("id", why)
    } else {
        id_taken(id)
    })
}

/// The one answer an agent below tier 0 gets for an id it may not take, whatever the reason.
fn id_taken(id: &str) -> Error {
    Error::invalid(
        "id",
        format!("agent id {id} is already taken: choose another id"),
    )
}

/// Records a change of agent `id` of `group` in the feed: its group's team changed.
pub(crate) fn agent_changed(
    c: &dyn Tx,
    event: &str,
    actor: &str,
    id: &str,
    group: &str,
) -> Result<()> {
    let to = Audience {
        group: Some(group),
        agent: Some(id),
        channel: None,
    };
    changes::record(c, ChangeKind::Agent, event, actor, id, to)
}

/// Grants contacts on behalf of `who`. Agents resolve both ends among the agents they may
/// name, so an agent cannot even learn whether an agent of another group exists.
fn grant(c: &dyn Tx, who: Principal<'_>, from: &str, to: &str, bidirectional: bool) -> Result<()> {
    let scope = match who {
        Principal::Agent(me) => group_scope(me),
        Principal::Operator => Scope::all(),
    };
    let a = resolve_principal(c, from, &scope)?;
    let b = resolve_principal(c, to, &scope)?;
    if a.id == b.id {
        return Err(Error::invalid(
            "contact",
            "an agent cannot be its own contact",
        ));
    }
    rules::decide(
        who,
        Action::GrantContacts,
        Target::Contact {
            from: &a.identity,
            to: &b.identity,
        },
    )?;
    sql::insert_contact(c, &a.id, &b.id)?;
    if bidirectional {
        sql::insert_contact(c, &b.id, &a.id)?;
    }
    let arrow = if bidirectional { "<->" } else { "->" };
    audit::record(
        c,
        who.name(),
        "contact_allowed",
        &format!("{} {arrow} {}", a.id, b.id),
    )
}

/// `NotFound` as `None`, any other error kept.
trait OptionalFound<T> {
    fn optional_found(self) -> Result<Option<T>>;
}

impl<T> OptionalFound<T> for Result<T> {
    fn optional_found(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Store {
    /// Registers an agent, or updates its name, role, group, tier, model and cwd if it exists,
    /// as the operator (who sets the team up; see [`Actor::register_agent`] for agents).
    /// `tier: None` keeps an existing agent's tier when its role is unchanged, else takes the
    /// role's default.
    pub fn register_agent(&self, new: &NewAgent) -> Result<Agent> {
        new.validate()?;
        self.write(|c| register(c, Principal::Operator, new))
    }

    /// One agent by id or unique prefix (operator view: any group).
    pub fn get_agent(&self, id: &str) -> Result<Agent> {
        self.read(|c| resolve(c, id))
    }

    /// All agents (or those of one group) with their unread counts (operator view).
    pub fn list_agents(&self, group: Option<&str>) -> Result<Vec<Agent>> {
        self.read(|c| sql::list(c, group))
    }

    /// Lets `from` message `to` (and `to` message `from` when `bidirectional`), as the
    /// operator. Both agents must exist; granting twice is harmless.
    pub fn allow(&self, from: &str, to: &str, bidirectional: bool) -> Result<()> {
        self.write(|c| grant(c, Principal::Operator, from, to, bidirectional))
    }

    /// Every edge of the contacts ACL, for `btmsg graph`.
    pub fn contact_graph(&self) -> Result<Vec<Contact>> {
        self.read(|c| contact_edges(c, None))
    }

    /// A handle acting as agent `id`; every call through it is checked and audited as that agent.
    /// The id is validated here; that the agent exists is checked by each call.
    pub fn as_agent(&self, id: &str) -> Result<Actor> {
        validate_agent_id(id)?;
        Ok(Actor {
            store: self.clone(),
            id: id.to_owned(),
            within: None,
        })
    }
}

/// A store seen through one agent's eyes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Actor {
    pub(crate) store: Store,
    pub(crate) id: String,
    /// The one group its overview reads look at (see [`Actor::within`]).
    pub(crate) within: Option<String>,
}

impl Actor {
    /// The same agent with its overview reads — board, lanes, change feed, waits, search,
    /// usage, audit log — narrowed to `group`. Tier 0 may name any group, other agents only
    /// their own (another is `PermissionDenied` when read).
    pub fn within(&self, group: &str) -> Actor {
        Actor {
            within: Some(group.to_owned()),
            ..self.clone()
        }
    }

    /// What a read of `action` may see, as the permission function decides it.
    pub(crate) fn sight(&self, me: &Member, action: Action) -> Result<crate::sight::Sight> {
        crate::sight::Sight::agent(me, action, self.within.as_deref())
    }

    /// The acting agent's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The store this actor works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The acting agent's own record.
    pub fn whoami(&self) -> Result<Agent> {
        self.store.read(|c| load(c, &self.id))
    }

    /// Runs a write as this agent: loads the actor (it must be registered) inside the transaction.
    /// Every call of an agent is a sign of life (see `liveness`): a write records it in its
    /// own transaction, a read after it, best effort.
    pub(crate) fn write_tx<T>(&self, f: impl FnOnce(&dyn Tx, &Member) -> Result<T>) -> Result<T> {
        let now = self.store.staleness().now_secs;
        self.store.write(|c| {
            let me = principal(c, &self.id)?;
            let out = f(c, &me)?;
            if self.store.sign_of_life_due(&self.id, now) {
                crate::storage::sql::liveness::refresh(c, &self.id, now)?;
            }
            Ok(out)
        })
    }

    pub(crate) fn read_tx<T>(&self, f: impl FnOnce(&dyn Tx, &Member) -> Result<T>) -> Result<T> {
        let out = self.store.read(|c| {
            let me = principal(c, &self.id)?;
            f(c, &me)
        })?;
        self.store.sign_of_life(&self.id);
        Ok(out)
    }

    /// Registers or updates an agent as this agent. Managers create agents of the roles below
    /// them in their own group; every agent may re-register itself unchanged (name, model and
    /// cwd may change, role, tier and group may not); tier 0 may do anything.
    pub fn register_agent(&self, new: &NewAgent) -> Result<Agent> {
        new.validate()?;
        self.write_tx(|c, me| register(c, me.principal(), new))
    }

    /// Grants contacts as this agent: managers between agents of their group other than
    /// themselves, tier 0 anywhere. Nobody grants itself contacts.
    pub fn allow(&self, from: &str, to: &str, bidirectional: bool) -> Result<()> {
        self.write_tx(|c, me| grant(c, me.principal(), from, to, bidirectional))
    }

    /// The edges of the contacts ACL that touch an agent of the actor's group (tier 0: all).
    pub fn contact_graph(&self) -> Result<Vec<Contact>> {
        self.read_tx(|c, me| {
            me.check(Action::ListAgents, Target::None)?;
            contact_edges(c, (!me.is_admin()).then_some(me.group_id.as_str()))
        })
    }

    /// Agents this actor may message (tier 0: everyone else).
    pub fn contacts(&self) -> Result<Vec<Agent>> {
        self.read_tx(|c, me| {
            if me.is_admin() {
                sql::all_but(c, &me.id)
            } else {
                sql::contacts_of(c, &me.id)
            }
        })
    }

    /// Agents of the actor's group (tier 0: all groups). Every role may list; none may edit here.
    pub fn list_agents(&self) -> Result<Vec<Agent>> {
        self.read_tx(|c, me| {
            me.check(Action::ListAgents, Target::None)?;
            sql::list(c, (!me.is_admin()).then_some(me.group_id.as_str()))
        })
    }

    /// Sets an agent's status. Anyone may set their own; managers those of their group's
    /// agents, tier 0 anyone's.
    pub fn set_status(&self, agent_id: &str, status: AgentStatus) -> Result<Agent> {
        self.write_tx(|c, me| {
            let target = resolve_principal(c, agent_id, &me.group_scope())?;
            me.check(
                Action::SetAgentStatus,
                Target::Agent {
                    id: &target.id,
                    group: &target.group_id,
                },
            )?;
            sql::set_status(c, &target.id, status.as_str(), &clock::sql_now())?;
            audit::record(
                c,
                &me.id,
                "status_changed",
                &format!("{} -> {}", target.id, status.as_str()),
            )?;
            agent_changed(c, "status_changed", &me.id, &target.id, &target.group_id)?;
            load(c, &target.id)
        })
    }
}
