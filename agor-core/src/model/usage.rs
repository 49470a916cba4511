//! Usage (tokens spent, cost) as records: one report, and the sums by agent, task or group.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One reported request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsageRecord {
    /// Its number.
    pub id: i64,
    /// Who reported it.
    pub agent_id: String,
    /// The task it served, if any.
    pub task_id: Option<String>,
    /// The model used.
    pub model: String,
    /// Tokens in.
    pub input_tokens: i64,
    /// Tokens out.
    pub output_tokens: i64,
    /// Cost in US dollars (kept to the micro-dollar).
    pub cost_usd: f64,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// What usage is summed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageBy {
    /// Per agent.
    Agent,
    /// Per task (requests without a task under a null key).
    Task,
    /// Per group.
    Group,
}

impl std::str::FromStr for UsageBy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "agent" => Ok(UsageBy::Agent),
            "task" => Ok(UsageBy::Task),
            "group" => Ok(UsageBy::Group),
            _ => Err(Error::invalid(
                "by",
                format!("unknown summary '{s}'; use agent, task or group"),
            )),
        }
    }
}

/// The sums of one agent, task or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsageSummary {
    /// The agent, task or group id (null: requests that named no task).
    pub key: Option<String>,
    /// Tokens in.
    pub input_tokens: i64,
    /// Tokens out.
    pub output_tokens: i64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// How many requests.
    pub requests: i64,
}
