//! Secrets with which agents reach agor over the MCP server's HTTP transport (SPEC §11): the
//! operator issues one per agent (`btmsg token issue AGENT`), the agent's coding tool sends it
//! with every request, and the server acts as the agent it belongs to. The operator may issue
//! secrets for itself too (`btmsg token issue --operator`), for surfaces reached over a socket:
//! they act as the operator. Only a SHA-256 of each secret is stored: it is shown once, at
//! issue, and a copy of the database does not reveal it.

use crate::actor::Actor;
use crate::audit;
use crate::error::{Error, ObjectKind, Result};
use crate::model::tokens::{stored, TokenHolder, TokenInfo, OPERATOR_HOLDER, TOKEN_PREFIX};
use crate::storage::sql::{agents as agent_sql, tokens as sql};
use crate::{rules, Store};
use sha2::{Digest, Sha256};

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
        self.issue_token_to(&TokenHolder::Agent(agent_id.to_owned()))
    }

    /// Issues a new secret for `holder` (an agent, which must exist, or the operator) and
    /// returns it: the only time it is shown. Earlier secrets stay valid until revoked.
    pub fn issue_token_to(&self, holder: &TokenHolder) -> Result<String> {
        let secret = new_secret();
        self.write(|c| {
            if let TokenHolder::Agent(id) = holder {
                if agent_sql::load(c, id)?.is_none() {
                    return Err(Error::not_found(ObjectKind::Agent, id));
                }
            }
            sql::insert(c, &hash(&secret), stored(holder), &c.now().sql())?;
            audit::record(c, rules::OPERATOR, "token_issued", holder.name())
        })?;
        Ok(secret)
    }

    /// Revokes every secret of `agent_id`; returns how many there were (0 is not an error:
    /// revoking is safe to repeat).
    pub fn revoke_tokens(&self, agent_id: &str) -> Result<u64> {
        self.revoke_tokens_of(&TokenHolder::Agent(agent_id.to_owned()))
    }

    /// Revokes every secret of `holder`; returns how many there were.
    pub fn revoke_tokens_of(&self, holder: &TokenHolder) -> Result<u64> {
        self.write(|c| {
            let n = sql::delete_of(c, stored(holder))?;
            if n > 0 {
                let detail = format!("{}: {n}", holder.name());
                audit::record(c, rules::OPERATOR, "tokens_revoked", &detail)?;
            }
            Ok(n as u64)
        })
    }

    /// Every issued secret (agent, fingerprint, age), by agent; the operator's are listed as
    /// `operator` with the `operator` mark.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut rows = self.read(sql::list)?;
        for row in &mut rows {
            if row.agent_id == OPERATOR_HOLDER {
                row.agent_id = rules::OPERATOR.to_owned();
                row.operator = true;
            }
        }
        Ok(rows)
    }

    /// The agent a secret was issued to, as an [`Actor`]; `PermissionDenied` for a secret agor
    /// did not issue, that was revoked, whose agent was removed or purged, or that is the
    /// operator's (the message never repeats the secret).
    pub fn authenticate(&self, secret: &str) -> Result<Actor> {
        match self.token_holder(secret)? {
            TokenHolder::Agent(id) => self.as_agent(&id),
            TokenHolder::Operator => Err(refused()),
        }
    }

    /// Whom a secret acts as: an agent still on the team, or the operator; `PermissionDenied`
    /// for a secret agor did not issue, that was revoked, or whose agent was removed or purged.
    pub fn token_holder(&self, secret: &str) -> Result<TokenHolder> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(refused());
        }
        // One statement (every HTTP request asks): one round trip on PostgreSQL, not three.
        let found = self.read_one(|c| sql::holder(c, &hash(secret), OPERATOR_HOLDER))?;
        match found.ok_or_else(refused)? {
            id if id == OPERATOR_HOLDER => Ok(TokenHolder::Operator),
            id => Ok(TokenHolder::Agent(id)),
        }
    }
}

/// The refusal of a secret, which never repeats it.
fn refused() -> Error {
    Error::denied(
        "anonymous",
        "act with this secret: agor did not issue it, it was revoked, or its agent was \
         removed (the operator issues one with `btmsg token issue AGENT`)",
    )
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
