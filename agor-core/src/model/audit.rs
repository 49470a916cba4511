//! The audit log's record.

use serde::{Deserialize, Serialize};

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
