//! Statements of `crate::audit`: the audit log.

use crate::error::Result;
use crate::model::audit::AuditEntry;
use crate::storage::lenient;
use crate::storage::{args, Tx};

/// Appends an audit row inside the caller's transaction.
pub(crate) fn insert(
    tx: &dyn Tx,
    actor: &str,
    event_type: &str,
    detail: &str,
    at: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (agent_id, event_type, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![actor, event_type, detail, at],
    )?;
    Ok(())
}

/// Two statements, not `?1 IS NULL OR agent_id = ?1`: that form cannot use `agor_audit_agent`
/// and read the whole log to find one agent's rows. Without an agent, the newest rows are the
/// last rowids: a walk back from the end that stops at the limit. `?1` is unused there. `?3`
/// narrows either to the rows of one group's agents (NULL: every group).
pub(crate) fn newest_sql(by_agent: bool) -> &'static str {
    if by_agent {
        "SELECT id, agent_id, event_type, detail, created_at FROM audit_log
         WHERE agent_id = ?1
           AND (CAST(?3 AS TEXT) IS NULL OR agent_id IN (SELECT id FROM agents WHERE group_id = ?3))
         ORDER BY id DESC LIMIT ?2"
    } else {
        "SELECT id, agent_id, event_type, detail, created_at FROM audit_log
         WHERE CAST(?1 AS TEXT) IS NULL
           AND (CAST(?3 AS TEXT) IS NULL OR agent_id IN (SELECT id FROM agents WHERE group_id = ?3))
         ORDER BY id DESC LIMIT ?2"
    }
}

/// The newest `limit` rows, of one agent or of everyone, of one group's agents or of all.
pub(crate) fn newest(
    tx: &dyn Tx,
    agent_id: Option<&str>,
    group: Option<&str>,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    tx.query_map(
        newest_sql(agent_id.is_some()),
        args![agent_id, limit, group],
        |r| {
            // Legacy rows may hold NULL or odd types in any column but the key.
            Ok(AuditEntry {
                id: r.get(0)?,
                agent_id: lenient::opt_text(r, 1)?,
                event_type: lenient::text(r, 2)?,
                detail: lenient::opt_text(r, 3)?,
                created_at: lenient::timestamp(r, 4)?,
            })
        },
    )
}
