//! What waits on a person: the items of `waiting_on_people` (tasks awaiting approval, pending
//! proposals, unanswered messages to people, dead letters), one record shape for all four.

use serde::{Deserialize, Serialize};

/// The kind of thing waiting on a person, in the order `waiting_on_people` lists them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WaitingKind {
    /// A task in `review` that needs a person's approval (`approve_task` / `reject_task`).
    Approval,
    /// A task proposed across owners, not yet accepted or declined.
    Proposal,
    /// A direct message to a person (an agent of role `human`), unread or awaiting its `ack`,
    /// and not answered.
    Message,
    /// Mail that could not be delivered, waiting for someone to redeliver or clear it.
    DeadLetter,
}

impl WaitingKind {
    /// The stored word (the first column of the query).
    pub(crate) fn parse(s: &str) -> WaitingKind {
        match s {
            "approval" => WaitingKind::Approval,
            "proposal" => WaitingKind::Proposal,
            "message" => WaitingKind::Message,
            _ => WaitingKind::DeadLetter,
        }
    }
}

/// One thing waiting on a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Waiting {
    /// What it is.
    pub kind: WaitingKind,
    /// Its id: the task's, the proposal's, the message's, or the dead letter's number.
    pub id: String,
    /// The group it belongs to (a task's, the proposed agent's, the recipient's).
    pub group_id: Option<String>,
    /// A task's or proposal's title, a message's or dead letter's text.
    pub text: String,
    /// Who waits for the answer: the worker that completed the task, the proposer, the sender.
    pub from: Option<String>,
    /// Whom it is addressed to: the proposed agent, the recipient (none for an approval).
    pub to: Option<String>,
    /// The task a proposal offers (an approval's is its `id`).
    pub task_id: Option<String>,
    /// A message's importance (`low` … `urgent`), or why a dead letter was not delivered.
    pub detail: Option<String>,
    /// Since when it waits (`YYYY-MM-DD HH:MM:SS` UTC).
    pub at: String,
}
