//! Secrets with which agents reach agor over the MCP server's HTTP transport (SPEC §11): the
//! operator issues one per agent (`btmsg token issue AGENT`), the agent's coding tool sends it
//! with every request, and the server acts as the agent it belongs to. Only a SHA-256 of each
//! secret is stored: it is shown once, at issue, and a copy of the database does not reveal it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::agents::Actor;
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::storage::sql::{agents as agent_sql, tokens as sql};
use crate::{clock, rules, Store};

/// What a secret starts with, so a leaked one is recognisable (and greppable) as agor's.
pub const TOKEN_PREFIX: &str = "agor_";

/// An issued secret, as the operator sees it: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenInfo {
    /// The agent the secret acts as.
    pub agent_id: String,
    /// The first 12 hex digits of the secret's SHA-256: tells two secrets apart.
    pub fingerprint: String,
    /// When it was issued, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 244 random bits (two v4 UUIDs, from the operating system's generator) in hex.
fn new_secret() -> String {
    format!(
        "{TOKEN_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Store {
    /// Issues a new secret for `agent_id` (which must exist) and returns it: the only time it
    /// is shown. Earlier secrets of the agent stay valid until revoked.
    pub fn issue_token(&self, agent_id: &str) -> Result<String> {
        let secret = new_secret();
        self.write(|c| {
            if agent_sql::load(c, agent_id)?.is_none() {
                return Err(Error::not_found(ObjectKind::Agent, agent_id));
            }
            sql::insert(c, &hash(&secret), agent_id, &clock::sql_now())?;
            audit::record(c, rules::OPERATOR, "token_issued", agent_id)
        })?;
        Ok(secret)
    }

    /// Revokes every secret of `agent_id`; returns how many there were (0 is not an error:
    /// revoking is safe to repeat).
    pub fn revoke_tokens(&self, agent_id: &str) -> Result<u64> {
        self.write(|c| {
            let n = sql::delete_of(c, agent_id)?;
            if n > 0 {
                audit::record(
                    c,
                    rules::OPERATOR,
                    "tokens_revoked",
                    &format!("{agent_id}: {n}"),
                )?;
            }
            Ok(n as u64)
        })
    }

    /// Every issued secret (agent, fingerprint, age), by agent.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(sql::list)
    }

    /// The agent a secret was issued to, as an [`Actor`]; `PermissionDenied` for a secret agor
    /// did not issue, that was revoked, or whose agent was removed or purged (the message never
    /// repeats the secret).
    pub fn authenticate(&self, secret: &str) -> Result<Actor> {
        let refused = || {
            Error::denied(
                "anonymous",
                "act with this secret: agor did not issue it, it was revoked, or its agent was \
                 removed (the operator issues one with `btmsg token issue AGENT`)",
            )
        };
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(refused());
        }
        let holder = self.read(|c| sql::holder(c, &hash(secret)))?;
        self.as_agent(&holder.ok_or_else(refused)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_hashed_to_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        let h = hash(&a);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(!h.contains(&a[TOKEN_PREFIX.len()..]));
    }
}
