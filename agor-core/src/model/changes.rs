//! The change feed's records: what changed, and its kinds.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::tasks::TaskStatus;

/// What a change is about; `wait` and `changes` filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A direct message (sent, replied, redelivered from the dead-letter queue).
    Message,
    /// A post in a channel.
    Post,
    /// A task created, assigned, claimed, released, moved, completed or reopened.
    Task,
    /// An agent registered or changed.
    Agent,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Message,
        ChangeKind::Post,
        ChangeKind::Task,
        ChangeKind::Agent,
    ];

    /// The kind's name (`message`, `post`, `task`, `agent`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Message => "message",
            ChangeKind::Post => "post",
            ChangeKind::Task => "task",
            ChangeKind::Agent => "agent",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ChangeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "kind",
                    format!("unknown change kind '{s}'; use message, post, task or agent"),
                )
            })
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// Its position: increasing, never reused. Pass it as `since` to read on from here.
    pub cursor: i64,
    /// What it is about.
    pub kind: ChangeKind,
    /// What happened, as the audit log names it (`message_sent`, `task_claimed`, …).
    pub event: String,
    /// Who acted (`operator`, `agor` or an agent).
    pub actor: Option<String>,
    /// The id of the message, post, task or agent.
    pub subject: Option<String>,
    /// The group it belongs to.
    pub group_id: Option<String>,
    /// The agent it is addressed to (a message's recipient, a task's assignee).
    pub agent_id: Option<String>,
    /// The channel of a post.
    pub channel_id: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// What the actor may read of the subject, as it is when the change is returned: filled
    /// by `wait` and `watch` (and the streams built on them), absent from `changes`, and
    /// absent when the subject is gone or not the actor's to read (another group's task,
    /// someone else's DM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ChangeContent>,
}

/// What a waiting actor may read of a change's subject: a DM's or post's text and sender, a
/// task's title, status and holder. The fields of the other kinds are null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeContent {
    /// The text of the DM or post.
    #[serde(default)]
    pub text: Option<String>,
    /// Who sent the DM or wrote the post.
    #[serde(default)]
    pub sender: Option<String>,
    /// The DM this one answers.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The DM's importance (`low`, `normal`, `high`, `urgent`).
    #[serde(default)]
    pub importance: Option<String>,
    /// The task's title.
    #[serde(default)]
    pub title: Option<String>,
    /// The task's status now.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// Who holds (or is assigned) the task now.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The task's version now, read with its status: what a move of it expects
    /// (`expected_version`) to be current.
    #[serde(default)]
    pub version: Option<i64>,
}

deserialize_from_str!(ChangeKind);
