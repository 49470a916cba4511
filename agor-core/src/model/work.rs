//! What an agent is working on: its work state and the moves between states.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// Waiting for work (also: never reported).
    Idle,
    /// Working, on `task_id` when it named one.
    Working,
    /// Finished what it was doing.
    Done,
    /// Failed.
    Error,
    /// Shut down.
    Stopped,
}

impl WorkState {
    pub(crate) const ALL: [WorkState; 5] = [
        WorkState::Idle,
        WorkState::Working,
        WorkState::Done,
        WorkState::Error,
        WorkState::Stopped,
    ];

    /// The state's name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkState::Idle => "idle",
            WorkState::Working => "working",
            WorkState::Done => "done",
            WorkState::Error => "error",
            WorkState::Stopped => "stopped",
        }
    }

    /// The states this one may move to: idle→working; working→done, error or idle; done and
    /// error→idle or working; any→stopped; stopped→idle. Staying put is always allowed.
    pub fn next(self) -> &'static [WorkState] {
        use WorkState::*;
        match self {
            Idle => &[Idle, Working, Stopped],
            Working => &[Working, Done, Error, Idle, Stopped],
            Done => &[Done, Idle, Working, Stopped],
            Error => &[Error, Idle, Working, Stopped],
            Stopped => &[Stopped, Idle],
        }
    }

    /// The state a coding agent's hook event means: session start → idle, a prompt or a tool
    /// use → working, stop → idle, session end → stopped, error → error; `None` for events
    /// that change nothing (notifications, compaction). Names are matched ignoring case, `_`,
    /// `-` and spaces (`SessionStart`, `session_start`, `prompt-submitted` …).
    pub fn for_hook(event: &str) -> Result<Option<WorkState>> {
        let key: String = event
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        Ok(match key.as_str() {
            "sessionstart" | "start" => Some(WorkState::Idle),
            "userpromptsubmit" | "promptsubmitted" | "promptsubmit" | "prompt" => {
                Some(WorkState::Working)
            }
            "pretooluse" | "posttooluse" | "tooluse" | "subagentstop" => Some(WorkState::Working),
            "stop" => Some(WorkState::Idle),
            "sessionend" | "end" => Some(WorkState::Stopped),
            "error" | "failure" => Some(WorkState::Error),
            "notification" | "precompact" => None,
            _ => {
                return Err(Error::invalid(
                    "hook",
                    format!(
                        "unknown hook event '{event}'; known: SessionStart, UserPromptSubmit, \
                         PreToolUse, PostToolUse, SubagentStop, Stop, SessionEnd, Notification, \
                         PreCompact, error"
                    ),
                ))
            }
        })
    }
}

impl std::str::FromStr for WorkState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        WorkState::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "state",
                    format!("unknown work state '{s}'; use idle, working, done, error or stopped"),
                )
            })
    }
}

/// An agent's work state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AgentWork {
    /// The agent.
    pub agent_id: String,
    /// What it is doing.
    pub state: WorkState,
    /// The task it works on, when `working` named one.
    pub task_id: Option<String>,
    /// When it last changed, `YYYY-MM-DD HH:MM:SS` UTC (empty when never reported).
    pub updated_at: String,
}

deserialize_from_str!(WorkState);
