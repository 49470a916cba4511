//! The audit log: one row for every mutation, written in the same transaction as the mutation.
//! Legacy tools read `audit_log` too, so `detail` stays human-readable text.

use crate::error::Result;
use crate::model::audit::AuditEntry;
use crate::rules::Action;
use crate::storage::sql::audit as sql;
use crate::storage::Tx;
use crate::{Actor, Store};

/// Appends an audit row inside the caller's transaction.
pub(crate) fn record(conn: &dyn Tx, actor: &str, event_type: &str, detail: &str) -> Result<()> {
    sql::insert(conn, actor, event_type, detail, &conn.now().sql())
}

impl Store {
    /// The newest audit rows first, optionally only those of one agent.
    /// `limit` is 1..=[`MAX_LIMIT`](crate::MAX_LIMIT), else [`Error::InvalidInput`](crate::Error::InvalidInput).
    pub fn audit_log(&self, agent_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        self.audit_log_within(None, agent_id, limit)
    }

    /// [`Store::audit_log`] narrowed to the rows of one group's agents (`None`: every group).
    pub fn audit_log_within(
        &self,
        group: Option<&str>,
        agent_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        self.as_operator()
            .narrowed(group)
            .audit_log(agent_id, limit)
    }
}

impl Actor {
    /// The newest audit rows first, optionally only those of one agent: of the agents of the
    /// actor's group, or of every group for the operator and tier 0 (one group's with
    /// [`Actor::within`]). An agent needs `can_view_logs` (managers, people of role `human`,
    /// tier 0).
    pub fn audit_log(&self, agent_id: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        crate::numbers::check_limit(limit)?;
        self.read_as(|c, who| {
            let sight = self.sight(who, Action::ReadAuditLog)?;
            sql::newest(c, agent_id, sight.group(), limit)
        })
    }
}
