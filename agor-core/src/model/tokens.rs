//! Access tokens as records: who holds one and what is known of it (never the secret).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rules;

/// What the secrets table stores as the holder of an operator secret: no agent id can be it
/// (ids are letters, digits, `_` and `-`), so an operator secret never acts as an agent, not
/// even one a legacy file calls `operator`; no migration is needed.
pub(crate) const OPERATOR_HOLDER: &str = "*operator";

/// What a secret starts with, so a leaked one is recognisable (and greppable) as agor's.
pub const TOKEN_PREFIX: &str = "agor_";

/// Whom a secret acts as: an agent, or the operator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenHolder {
    /// The operator (`btmsg token issue --operator`).
    Operator,
    /// This agent.
    Agent(String),
}

impl TokenHolder {
    /// The holder a request names: an agent id, or `operator: true`; exactly one.
    pub fn from_request(agent_id: Option<String>, operator: bool) -> Result<TokenHolder> {
        match (agent_id, operator) {
            (Some(id), false) => Ok(TokenHolder::Agent(id)),
            (None, true) => Ok(TokenHolder::Operator),
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

    /// The `agent_id` the table stores: the agent's id, or [`OPERATOR_HOLDER`].
    pub(crate) fn stored(&self) -> &str {
        match self {
            TokenHolder::Operator => OPERATOR_HOLDER,
            TokenHolder::Agent(id) => id,
        }
    }

    /// The name messages and the audit log give the holder.
    pub(crate) fn name(&self) -> &str {
        match self {
            TokenHolder::Operator => rules::OPERATOR,
            TokenHolder::Agent(id) => id,
        }
    }
}

/// An issued secret, as the operator sees it: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenInfo {
    /// The agent the secret acts as; `operator` for the operator's own secrets.
    pub agent_id: String,
    /// Whether it is an operator secret (`btmsg token issue --operator`).
    #[serde(default)]
    pub operator: bool,
    /// The first 12 hex digits of the secret's SHA-256: tells two secrets apart.
    pub fingerprint: String,
    /// When it was issued, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}
