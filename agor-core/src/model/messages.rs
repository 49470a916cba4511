//! Direct messages and what a send reports.

use serde::{Deserialize, Serialize};

/// A direct message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Message {
    /// A uuid; commands accept a unique prefix.
    pub id: String,
    /// The sender.
    pub from_agent: String,
    /// The recipient.
    pub to_agent: String,
    /// The text.
    pub content: String,
    /// Whether the recipient has read it.
    pub read: bool,
    /// The message it answers.
    pub reply_to: Option<String>,
    /// The recipient's group.
    pub group_id: Option<String>,
    /// The sender's group.
    pub sender_group_id: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// Result of a fan-out send (to a role, a glob or the group).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Delivery {
    /// Messages now in their recipients' inboxes.
    pub sent: Vec<Message>,
    /// Recipients whose copy went to the dead-letter queue, with its id.
    pub dead_lettered: Vec<(String, i64)>,
    /// Recipients the sender may not message (not in its contacts).
    pub skipped: Vec<String>,
}
