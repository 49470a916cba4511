//! A claim on a task under a lease.

use serde::{Deserialize, Serialize};

use crate::model::tasks::Task;

/// A successful claim: the task (now `in_progress`, assigned to the claimer) and the lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Claim {
    /// The claimed task.
    pub task: Task,
    /// Proof of ownership, required by renew, release and complete.
    pub token: String,
    /// Unix seconds at which the lease lapses unless renewed (rounded up).
    pub expires_at: i64,
    /// The same deadline in Unix milliseconds.
    pub expires_at_ms: i64,
}
