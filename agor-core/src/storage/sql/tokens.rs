//! Statements of `crate::tokens`: the hashed secrets of the MCP server's HTTP transport.

use crate::error::Result;
use crate::model::tokens::TokenInfo;
use crate::storage::lenient;
use crate::storage::sql::agents::PRESENT_SQL;
use crate::storage::{args, Tx};

pub(crate) fn insert(tx: &dyn Tx, hash: &str, agent_id: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_tokens (hash, agent_id, created_at) VALUES (?1, ?2, ?3)",
        args![hash, agent_id, at],
    )?;
    Ok(())
}

/// Removes every secret of an agent; returns how many there were.
pub(crate) fn delete_of(tx: &dyn Tx, agent_id: &str) -> Result<usize> {
    tx.execute(
        "DELETE FROM agor_tokens WHERE agent_id = ?1",
        args![agent_id],
    )
}

/// The holder a secret's hash belongs to: `operator` (the operator's stored holder), or an
/// agent still on the team: a removed agent's secrets stop authenticating (a purged one's are
/// deleted with it).
pub(crate) fn holder(tx: &dyn Tx, hash: &str, operator: &str) -> Result<Option<String>> {
    tx.query_opt(
        &format!(
            "SELECT t.agent_id FROM agor_tokens t
             WHERE t.hash = ?1 AND (t.agent_id = ?2
                OR EXISTS (SELECT 1 FROM agents a WHERE a.id = t.agent_id AND {PRESENT_SQL}))"
        ),
        args![hash, operator],
        |r| r.get(0),
    )
}

/// Every secret, by agent and age; the fingerprint is the start of the hash.
pub(crate) fn list(tx: &dyn Tx) -> Result<Vec<TokenInfo>> {
    tx.query_map(
        "SELECT agent_id, substr(hash, 1, 12), created_at FROM agor_tokens
         ORDER BY agent_id, created_at, hash",
        args![],
        |r| {
            Ok(TokenInfo {
                agent_id: r.get(0)?,
                operator: false,
                fingerprint: r.get(1)?,
                created_at: lenient::timestamp(r, 2)?,
            })
        },
    )
}
