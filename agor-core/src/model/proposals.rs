//! Task proposals (an agent suggests, a manager decides) and their statuses.

use serde::{Deserialize, Serialize};

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for the proposed agent.
    Pending,
    /// Accepted: the task moved to the agent.
    Accepted,
    /// Declined: the task stayed where it was.
    Declined,
}

impl ProposalStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Declined => "declined",
        }
    }

    pub(crate) fn parse(s: &str) -> ProposalStatus {
        match s {
            "accepted" => ProposalStatus::Accepted,
            "declined" => ProposalStatus::Declined,
            _ => ProposalStatus::Pending,
        }
    }
}

/// A task offered to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Proposal {
    /// Its id (a uuid; a unique prefix names it).
    pub id: String,
    /// The task offered.
    pub task_id: String,
    /// The task's title when it was proposed.
    pub task_title: String,
    /// The group the task belonged to.
    pub from_group: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// The agent it is offered to.
    pub agent_id: String,
    /// Pending, accepted or declined.
    pub status: ProposalStatus,
    /// Why it was declined, if the agent said.
    pub reason: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// When it was accepted or declined.
    pub decided_at: Option<String>,
}
