//! Access tokens as records: who holds one and what is known of it (never the secret).

use serde::{Deserialize, Serialize};

use crate::rules;

/// What the secrets table stores as the holder of an operator secret: no agent id can be it
/// (ids are letters, digits, `_` and `-`), so an operator secret never acts as an agent, not
/// even one a legacy file calls `operator`; no migration is needed.
pub(crate) const OPERATOR_HOLDER: &str = "*operator";

/// What a secret starts with, so a leaked one is recognisable (and greppable) as agor's.
pub const TOKEN_PREFIX: &str = "agor_";

/// Whom a secret acts as: an agent, or the operator (the principal by name).
pub type TokenHolder = rules::PrincipalId;

/// The `agent_id` the secrets table stores for `holder`: the agent's id, or [`OPERATOR_HOLDER`].
pub(crate) fn stored(holder: &TokenHolder) -> &str {
    match holder {
        TokenHolder::Operator => OPERATOR_HOLDER,
        TokenHolder::Agent(id) => id,
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
