//! Direct messages and what a send reports, with what a sender may ask of one: its
//! importance and a receipt (an acknowledgement or a reply) by a deadline.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

// How much a message asks of its recipient's attention: the unread inbox and `notify` put the
// more important first (then the older): low, normal (the default, and all legacy mail), high,
// urgent. Said here rather than in doc comments: each documented word becomes part of the
// schema that every tool returning mail repeats to MCP clients, which pay for it in context
// (a worker's tool list has a budget), and the words themselves say it.
#[allow(missing_docs)]
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Importance {
    /// Every importance, least first.
    pub const ALL: [Importance; 4] = [
        Importance::Low,
        Importance::Normal,
        Importance::High,
        Importance::Urgent,
    ];

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Importance::Low => "low",
            Importance::Normal => "normal",
            Importance::High => "high",
            Importance::Urgent => "urgent",
        }
    }

    /// The stored rank (0 low … 3 urgent), which the inbox index orders by.
    pub(crate) fn rank(self) -> i64 {
        self as i64
    }

    /// The importance of a stored rank; a rank this build does not know reads as normal.
    pub(crate) fn from_rank(rank: Option<i64>) -> Importance {
        match rank {
            Some(0) => Importance::Low,
            Some(2) => Importance::High,
            Some(3) => Importance::Urgent,
            _ => Importance::Normal,
        }
    }
}

impl std::fmt::Display for Importance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Importance {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        Importance::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "importance",
                    format!("unknown importance '{s}' (expected low, normal, high or urgent)"),
                )
            })
    }
}

/// What a sender may ask of a direct message beyond its text: how important it is, and
/// whether the recipient must acknowledge it (`ack`) or reply, within how long. The default
/// asks nothing (normal importance, no receipt).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Asks {
    /// How important it is.
    #[serde(default)]
    pub importance: Importance,
    /// The sender wants a receipt: the recipient's `ack` or a reply.
    #[serde(default)]
    pub ack_required: bool,
    /// Seconds from sending until the receipt is due (only with `ack_required`); past it,
    /// an unanswered message is in the sender's `overdue` list.
    #[serde(default)]
    pub deadline_secs: Option<u32>,
}

impl Asks {
    /// A deadline without a receipt to wait for means nothing: refused rather than dropped.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.deadline_secs.is_some() && !self.ack_required {
            return Err(Error::invalid(
                "deadline",
                "a deadline needs ack_required (the receipt it waits for)",
            ));
        }
        Ok(())
    }
}

/// What a stored message (or dead letter) carries of its sender's asks, the deadline as a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    pub importance: Importance,
    pub ack_required: bool,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub deadline: Option<String>,
}

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
    // What the sender asked (issue 22): `importance` (low … urgent); `ack_required`: a
    // receipt, the recipient's ack or reply; `deadline`: when it is due; `acked_at`: the
    // receipt, when the recipient acked or answered (`YYYY-MM-DD HH:MM:SS` UTC). Said here and
    // not in doc comments: every tool that returns mail repeats its fields' schema to MCP
    // clients, which pay for each word in context (a worker's tool list has a budget), and
    // the names say enough there. Always written, so no schema defaults either.
    #[allow(missing_docs)]
    pub importance: Importance,
    #[allow(missing_docs)]
    pub ack_required: bool,
    #[allow(missing_docs)]
    pub deadline: Option<String>,
    #[allow(missing_docs)]
    pub acked_at: Option<String>,
}

/// What a message says, whom it answers, and what its sender asks of it: the parts of a
/// delivery that travel with it, through the dead-letter queue too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Letter<'a> {
    pub content: &'a str,
    pub reply_to: Option<&'a str>,
    pub marks: &'a Marks,
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

deserialize_from_str!(Importance);
