//! What the catalogue says of each operation (who calls it, what it does to the data, its
//! schemas) and who calls through dispatch: the words both the catalogue's entries
//! (`catalogue`) and the dispatch around them (the parent module) are written in.

use schemars::{JsonSchema, Schema};
use serde::Serialize;

use crate::rules::Action;
use crate::Actor;

/// Who calls an operation through [`dispatch`](super::dispatch): the one acting handle, the operator's
/// (`store.as_operator()`) or an agent's (`store.as_agent(id)`); `store.acting_as(&who)`
/// builds it from a [`PrincipalId`](crate::PrincipalId).
pub type Caller = Actor;

/// Who an operation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    /// Acts as an agent.
    Agent,
    /// Sets the team up; no agent identity.
    Operator,
    /// Either: the operator, or an agent within its rights.
    Either,
}

/// What an operation does to the team's data, decided for each operation in the catalogue,
/// so that a client can tell a read from a purge (the MCP server's tool annotations are
/// derived from it: `readOnlyHint`, `destructiveHint`, `idempotentHint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Only reads: changes nothing (a `wait` too: it only watches).
    Reads,
    /// Adds something new (a message, a task, a claim, a secret): each call adds again.
    Adds,
    /// Sets something to what the arguments say (a status, a name, a read mark, a role):
    /// calling again with the same arguments changes nothing more.
    Sets,
    /// Removes something or takes it away for good (delete, purge, revoke, clear): destructive,
    /// and calling again removes nothing more.
    Removes,
}

impl Effect {
    /// Whether the operation only reads.
    pub fn read_only(self) -> bool {
        self == Effect::Reads
    }

    /// Whether the operation may destroy what others rely on (a client should ask first).
    pub fn destructive(self) -> bool {
        self == Effect::Removes
    }

    /// Whether calling again with the same arguments has no further effect.
    pub fn idempotent(self) -> bool {
        self != Effect::Adds
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// The operation's name, the `op` of a request.
    pub name: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// Who calls it.
    pub caller: CallerKind,
    /// What it does to the data: reads, adds, sets or removes.
    pub effect: Effect,
    /// The permission action the rules judge, when one does (`None`: reading one's own data).
    pub action: Option<&'static str>,
    /// The request's argument names in declaration order (a JSON Schema's properties have
    /// none): generated surfaces take positional arguments in this order.
    pub fields: &'static [&'static str],
    /// JSON Schema of the request's arguments.
    pub request: Schema,
    /// JSON Schema of the response.
    pub response: Schema,
}

/// The name of an entry's permission action, as [`Operation::action`] gives it.
pub(super) fn action_name(action: Option<Action>) -> Option<&'static str> {
    action.map(Action::as_str)
}
