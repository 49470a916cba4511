//! `Actor`: the one acting handle — the store seen through one principal's eyes, the
//! operator's or an agent's — and the transactions every operation runs in. An operation both
//! may call is written once on it, and the permission function decides per principal; the
//! agent is loaded inside the transaction, and each of its calls is a sign of life.

use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::Member;
use crate::rules::{Action, Principal, PrincipalId, OPERATOR};
use crate::sight::Sight;
use crate::storage::sql::agents as sql;
use crate::storage::Tx;
use crate::Store;

/// A store seen through one principal's eyes: an agent's (`store.as_agent(id)`) or the
/// operator's (`store.as_operator()`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Actor {
    pub(crate) store: Store,
    pub(crate) who: PrincipalId,
    /// The one group its overview reads look at (see [`Actor::within`]).
    pub(crate) within: Option<String>,
}

impl Actor {
    /// The handle acting as `who` on `store` (the id is checked by the caller).
    pub(crate) fn new(store: &Store, who: PrincipalId) -> Actor {
        Actor {
            store: store.clone(),
            who,
            within: None,
        }
    }

    /// The same principal with its overview reads — board, lanes, change feed, waits, search,
    /// usage, audit log — narrowed to `group`. The operator and tier 0 may name any group,
    /// other agents only their own (another is `PermissionDenied` when read).
    pub fn within(&self, group: &str) -> Actor {
        self.narrowed(Some(group))
    }

    /// [`Actor::within`] when a group is named; the same handle otherwise.
    pub fn narrowed(&self, group: Option<&str>) -> Actor {
        Actor {
            within: group.map(str::to_owned).or_else(|| self.within.clone()),
            ..self.clone()
        }
    }

    /// What a read of `action` by `who` (this handle's principal, loaded) may see, as the
    /// permission function decides it.
    pub(crate) fn sight(&self, who: Principal<'_>, action: Action) -> Result<Sight> {
        Sight::of(who, action, self.within.as_deref())
    }

    /// Who acts through this handle.
    pub fn principal(&self) -> &PrincipalId {
        &self.who
    }

    /// The acting agent's id, or `operator` for the operator's handle.
    pub fn id(&self) -> &str {
        self.who.name()
    }

    /// Whether this is the operator's handle.
    pub fn is_operator(&self) -> bool {
        self.who == PrincipalId::Operator
    }

    /// The store this actor works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// This handle, for an operation that acts as an agent; `PermissionDenied` for the
    /// operator (it has no identity to act with on the board or in the mail).
    pub fn agent(&self) -> Result<&Actor> {
        self.agent_id().map(|_| self)
    }

    /// The store, for an operation only the operator runs; `PermissionDenied` for an agent.
    pub fn operator(&self) -> Result<&Store> {
        match &self.who {
            PrincipalId::Operator => Ok(&self.store),
            PrincipalId::Agent(id) => Err(Error::denied(
                id,
                "call an operator operation (it sets the team up; run it without an agent identity)",
            )),
        }
    }

    /// The acting agent's id; `PermissionDenied` for the operator.
    pub(crate) fn agent_id(&self) -> Result<&str> {
        match &self.who {
            PrincipalId::Agent(id) => Ok(id),
            PrincipalId::Operator => Err(Error::denied(
                OPERATOR,
                "run this operation without an agent identity: it acts as an agent (set \
                 BTMSG_AGENT_ID=<agent id> or pass an actor; reads of the whole team take a \
                 `group` instead)",
            )),
        }
    }

    /// Runs a write as this agent: loads the actor (it must be registered) inside the transaction.
    /// Every call of an agent is a sign of life (see `liveness`): a write records it in its
    /// own transaction, a read after it, best effort. The operator is refused (see [`Actor::agent`]).
    pub(crate) fn write_tx<T>(&self, f: impl FnOnce(&dyn Tx, &Member) -> Result<T>) -> Result<T> {
        let id = self.agent_id()?;
        let now = self.store.staleness().now_secs;
        self.store.write(|c| {
            let me = principal(c, id)?;
            let out = f(c, &me)?;
            if self.store.sign_of_life_due(id, now) {
                crate::storage::sql::liveness::refresh(c, id, now)?;
            }
            Ok(out)
        })
    }

    /// [`Actor::write_tx`] as a row-lock write (see `Store::write_rows`): `f` may run twice.
    pub(crate) fn rows_tx<T>(&self, f: impl Fn(&dyn Tx, &Member) -> Result<T>) -> Result<T> {
        let id = self.agent_id()?;
        let now = self.store.staleness().now_secs;
        // Judged once: a body run again after it escalated still refreshes the heartbeat.
        let due = self.store.sign_of_life_due(id, now);
        self.store.write_rows(|c| {
            let me = principal(c, id)?;
            let out = f(c, &me)?;
            if due {
                crate::storage::sql::liveness::refresh(c, id, now)?;
            }
            Ok(out)
        })
    }

    /// Runs a read as this agent (see [`Actor::write_tx`]).
    pub(crate) fn read_tx<T>(&self, f: impl FnOnce(&dyn Tx, &Member) -> Result<T>) -> Result<T> {
        let id = self.agent_id()?;
        let out = self.store.read(|c| {
            let me = principal(c, id)?;
            f(c, &me)
        })?;
        self.store.sign_of_life(id);
        Ok(out)
    }

    /// Runs a write as whoever acts through this handle, the operator included: the one
    /// place the principal is told apart, so an operation both may call is written once and
    /// the permission function decides per principal.
    pub(crate) fn write_as<T>(
        &self,
        f: impl FnOnce(&dyn Tx, Principal<'_>) -> Result<T>,
    ) -> Result<T> {
        match self.who {
            PrincipalId::Operator => self.store.write(|c| f(c, Principal::Operator)),
            PrincipalId::Agent(_) => self.write_tx(|c, me| f(c, me.principal())),
        }
    }

    /// Runs a read as whoever acts through this handle (see [`Actor::write_as`]).
    pub(crate) fn read_as<T>(
        &self,
        f: impl FnOnce(&dyn Tx, Principal<'_>) -> Result<T>,
    ) -> Result<T> {
        match self.who {
            PrincipalId::Operator => self.store.read(|c| f(c, Principal::Operator)),
            PrincipalId::Agent(_) => self.read_tx(|c, me| f(c, me.principal())),
        }
    }
}

/// Loads an agent's identity by exact id.
pub(crate) fn principal(conn: &dyn Tx, id: &str) -> Result<Member> {
    sql::principal(conn, id)?.ok_or_else(|| Error::not_found(ObjectKind::Agent, id))
}
