//! The audit log: one row for every mutation, written in the same transaction as the mutation.
//! Legacy tools read `audit_log` too, so `detail` stays human-readable text.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::storage::{args, Tx};
use crate::Store;

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditEntry {
    /// Row number, increasing.
    pub id: i64,
    /// Who acted (`operator`, `agor` for the system, or an agent id).
    pub agent_id: Option<String>,
    /// What happened (`message_sent`, `task_status`, …).
    pub event_type: String,
    /// Human-readable detail naming the subject.
    pub detail: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// Appends an audit row inside the caller's transaction.
pub(crate) fn record(conn: &dyn Tx, actor: &str, event_type: &str, detail: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (agent_id, event_type, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![actor, event_type, detail, crate::clock::sql_now()],
    )?;
    Ok(())
}

/// Two statements, not `?1 IS NULL OR agent_id = ?1`: that form cannot use `agor_audit_agent`
/// and read the whole log to find one agent's rows. Without an agent, the newest rows are the
/// last rowids: a walk back from the end that stops at the limit. `?1` is unused there.
pub(crate) fn audit_sql(by_agent: bool) -> &'static str {
    if by_agent {
        "SELECT id, agent_id, event_type, detail, created_at FROM audit_log
         WHERE agent_id = ?1 ORDER BY id DESC LIMIT ?2"
    } else {
        "SELECT id, agent_id, event_type, detail, created_at FROM audit_log
         WHERE CAST(?1 AS TEXT) IS NULL ORDER BY id DESC LIMIT ?2"
    }
}

impl Store {
    /// The newest audit rows first, optionally only those of one agent.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`](crate::Error::InvalidInput).
    pub fn audit_log(&self, agent_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        crate::numbers::check_limit(limit)?;
        self.read(|c| {
            c.query_map(audit_sql(agent_id.is_some()), args![agent_id, limit], |r| {
                // Legacy rows may hold NULL or odd types in any column but the key.
                Ok(AuditEntry {
                    id: r.get(0)?,
                    agent_id: crate::lenient::opt_text(r, 1)?,
                    event_type: crate::lenient::text(r, 2)?,
                    detail: crate::lenient::opt_text(r, 3)?,
                    created_at: crate::lenient::timestamp(r, 4)?,
                })
            })
        })
    }
}
