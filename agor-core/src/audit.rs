//! The audit log: one row for every mutation, written in the same transaction as the mutation.
//! Legacy tools read `audit_log` too, so `detail` stays human-readable text.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::storage::sql::audit as sql;
use crate::storage::Tx;
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
    sql::insert(conn, actor, event_type, detail, &crate::clock::sql_now())
}

impl Store {
    /// The newest audit rows first, optionally only those of one agent.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`](crate::Error::InvalidInput).
    pub fn audit_log(&self, agent_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        crate::numbers::check_limit(limit)?;
        self.read(|c| sql::newest(c, agent_id, limit))
    }
}
