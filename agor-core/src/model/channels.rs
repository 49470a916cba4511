//! Channels and their posts, and the names of the two review channels.

use serde::{Deserialize, Serialize};

/// Names of the review channels every group gets on first use.
pub const REVIEW_QUEUE: &str = "review-queue";

/// Name of the per-group channel where review outcomes go.
pub const REVIEW_LOG: &str = "review-log";

/// A channel with its member count and last message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Channel {
    /// A uuid.
    pub id: String,
    /// Unique in its group.
    pub name: String,
    /// Its group.
    pub group_id: Option<String>,
    /// Who created it (`agor` for the review channels).
    pub created_by: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// How many agents belong to it.
    pub member_count: i64,
    /// Its newest post.
    pub last_message: Option<ChannelMessage>,
}

/// A post in a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChannelMessage {
    /// A uuid.
    pub id: String,
    /// The channel posted to.
    pub channel_id: String,
    /// Who posted (`agor` for review notices).
    pub from_agent: String,
    /// The text.
    pub content: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}
