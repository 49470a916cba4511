//! Registering agents, their status and the contacts ACL, judged by the role permission table of
//! the SPEC. The records are in `model/agents.rs`; `Actor`, through which everything done on an
//! agent's behalf is checked and audited, in `actor.rs`.

use crate::actor::{principal, Actor};
use crate::audit;
use crate::changes::{self, Audience};
use crate::error::{Error, Result};
use crate::ids::validate_agent_id;
use crate::members::{load, resolve, resolve_principal};
use crate::model::agents::{Agent, AgentStatus, Contact, Member, NewAgent};
use crate::model::changes::ChangeKind;
use crate::rules::{self, Action, AgentIdentity, Capability, Principal, Role, Target};
pub use crate::rules::{TIER_ADMIN, TIER_MANAGEMENT, TIER_PROJECT};
use crate::storage::sql::agents::{self as sql, contact_edges};
use crate::storage::Tx;
use crate::Store;

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
    sql::upsert(c, new, tier, &c.now().sql())?;
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
    changes::record(c, ChangeKind::Agent, event, actor, id, to, None)
}

/// Grants contacts on behalf of `who`. Agents resolve both ends among the agents they may
/// name, so an agent cannot even learn whether an agent of another group exists.
fn grant(c: &dyn Tx, who: Principal<'_>, from: &str, to: &str, bidirectional: bool) -> Result<()> {
    let scope = crate::members::scope_of(who);
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
    /// as the operator (who sets the team up; see [`Actor::register_agent`]).
    /// `tier: None` keeps an existing agent's tier when its role is unchanged, else takes the
    /// role's default.
    pub fn register_agent(&self, new: &NewAgent) -> Result<Agent> {
        self.as_operator().register_agent(new)
    }

    /// One agent by id or unique prefix (operator view: any group).
    pub fn get_agent(&self, id: &str) -> Result<Agent> {
        self.read(|c| resolve(c, id))
    }

    /// All agents (or those of one group) with their unread counts (operator view).
    pub fn list_agents(&self, group: Option<&str>) -> Result<Vec<Agent>> {
        self.as_operator().list_agents_of(group)
    }

    /// Lets `from` message `to` (and `to` message `from` when `bidirectional`), as the
    /// operator. Both agents must exist; granting twice is harmless.
    pub fn allow(&self, from: &str, to: &str, bidirectional: bool) -> Result<()> {
        self.as_operator().allow(from, to, bidirectional)
    }

    /// Every edge of the contacts ACL, for `btmsg graph`.
    pub fn contact_graph(&self) -> Result<Vec<Contact>> {
        self.as_operator().contact_graph()
    }

    /// A handle acting as agent `id`; every call through it is checked and audited as that agent.
    /// The id is validated here; that the agent exists is checked by each call.
    pub fn as_agent(&self, id: &str) -> Result<Actor> {
        validate_agent_id(id)?;
        Ok(Actor::new(self, rules::PrincipalId::Agent(id.to_owned())))
    }

    /// The handle acting as the operator: it sets the team up and reads every group; what
    /// only an agent may do is `PermissionDenied` through it.
    pub fn as_operator(&self) -> Actor {
        Actor::new(self, rules::PrincipalId::Operator)
    }

    /// The handle acting as `who`: [`Store::as_operator`] or [`Store::as_agent`].
    pub fn acting_as(&self, who: &rules::PrincipalId) -> Result<Actor> {
        match who {
            rules::PrincipalId::Operator => Ok(self.as_operator()),
            rules::PrincipalId::Agent(id) => self.as_agent(id),
        }
    }
}

impl Actor {
    /// The acting agent's own record.
    pub fn whoami(&self) -> Result<Agent> {
        let id = self.agent_id()?;
        self.store.read(|c| load(c, id))
    }

    /// Registers or updates an agent. The operator registers anyone; managers create agents
    /// of the roles below them in their own group; every agent may re-register itself
    /// unchanged (name, model and cwd may change, role, tier and group may not); tier 0 may
    /// do anything.
    pub fn register_agent(&self, new: &NewAgent) -> Result<Agent> {
        new.validate()?;
        self.write_as(|c, who| register(c, who, new))
    }

    /// Grants contacts: the operator between any agents, managers between agents of their
    /// group other than themselves, tier 0 anywhere. Nobody grants itself contacts.
    pub fn allow(&self, from: &str, to: &str, bidirectional: bool) -> Result<()> {
        self.write_as(|c, who| grant(c, who, from, to, bidirectional))
    }

    /// The edges of the contacts ACL: every edge for the operator and tier 0, those that
    /// touch an agent of its group for another agent.
    pub fn contact_graph(&self) -> Result<Vec<Contact>> {
        self.read_as(|c, who| {
            rules::decide(who, Action::ListAgents, Target::None)?;
            contact_edges(c, who.home_group())
        })
    }

    /// Agents this actor may message (tier 0: everyone else).
    pub fn contacts(&self) -> Result<Vec<Agent>> {
        self.read_tx(|c, me| {
            // Whom one may message matters only to whoever may send (the catalogue's action).
            me.check(Action::SendMessage, Target::None)?;
            if me.is_admin() {
                sql::all_but(c, &me.id)
            } else {
                sql::contacts_of(c, &me.id)
            }
        })
    }

    /// Agents of the actor's group (the operator and tier 0: all groups). Every role may
    /// list; none may edit here.
    pub fn list_agents(&self) -> Result<Vec<Agent>> {
        self.list_agents_of(None)
    }

    /// [`Actor::list_agents`], only those of `group` when one is named (a group out of the
    /// actor's sight lists nobody).
    pub fn list_agents_of(&self, group: Option<&str>) -> Result<Vec<Agent>> {
        self.read_as(|c, who| {
            rules::decide(who, Action::ListAgents, Target::None)?;
            match (who.home_group(), group) {
                (Some(home), Some(g)) if home != g => Ok(Vec::new()),
                (home, g) => sql::list(c, g.or(home)),
            }
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
            sql::set_status(c, &target.id, status.as_str(), &c.now().sql())?;
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
