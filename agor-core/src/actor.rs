//! `Actor`: the store seen through one agent's eyes, and the two transactions every operation
//! on an agent's behalf runs in (the agent is loaded inside them, and each call is a sign of life).

use crate::error::{Error, ObjectKind, Result};
use crate::model::agents::Member;
use crate::rules::Action;
use crate::storage::sql::agents as sql;
use crate::storage::Tx;
use crate::Store;

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
}

/// Loads an agent's identity by exact id.
pub(crate) fn principal(conn: &dyn Tx, id: &str) -> Result<Member> {
    sql::principal(conn, id)?.ok_or_else(|| Error::not_found(ObjectKind::Agent, id))
}
