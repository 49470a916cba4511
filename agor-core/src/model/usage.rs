//! Usage (tokens spent, cost) as records: one report, the sums by agent, task, model or group,
//! and those sums per hour or day (a series over time).

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageBy {
    /// Per agent.
    Agent,
    /// Per task (requests without a task under a null key).
    Task,
    /// Per group.
    Group,
    /// Per model.
    Model,
}

impl std::str::FromStr for UsageBy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "agent" => Ok(UsageBy::Agent),
            "task" => Ok(UsageBy::Task),
            "group" => Ok(UsageBy::Group),
            "model" => Ok(UsageBy::Model),
            _ => Err(Error::invalid(
                "by",
                format!("unknown summary '{s}'; use agent, task, model or group"),
            )),
        }
    }
}

/// The sums of one agent, task, model or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsageSummary {
    /// The agent, task or group id, or the model (null: requests that named no task).
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

/// How long one step of a usage series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageBucket {
    /// One hour (UTC).
    Hour,
    /// One day (UTC).
    Day,
}

impl UsageBucket {
    /// How many leading characters of a `YYYY-MM-DD HH:MM:SS` time name its bucket, and what
    /// completes them into the bucket's start: the times are text on both engines, so a
    /// bucket is a prefix and needs no date function of either.
    pub(crate) fn prefix(self) -> (usize, &'static str) {
        match self {
            UsageBucket::Hour => (13, ":00:00"),
            UsageBucket::Day => (10, " 00:00:00"),
        }
    }
}

impl std::str::FromStr for UsageBucket {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "hour" => Ok(UsageBucket::Hour),
            "day" => Ok(UsageBucket::Day),
            _ => Err(Error::invalid(
                "bucket",
                format!("unknown bucket '{s}'; use hour or day"),
            )),
        }
    }
}

/// The sums of one agent, task, model or group within one hour or day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsagePoint {
    /// When the hour or day begins, `YYYY-MM-DD HH:MM:SS` UTC.
    pub bucket_start: String,
    /// The agent, task or group id, or the model (null: requests that named no task).
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

/// A `since` time as rows store theirs (`YYYY-MM-DD HH:MM:SS` UTC, compared as text): a
/// date (`YYYY-MM-DD`, its midnight), a time with a space or a `T`, an optional `Z`.
pub(crate) fn since_time(since: &str) -> Result<String> {
    let t = since.trim().trim_end_matches('Z');
    let parsed = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map_err(|_| {
            Error::invalid(
                "since",
                format!("'{since}' is not a UTC time (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"),
            )
        })?;
    Ok(parsed.format("%Y-%m-%d %H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_date_or_a_time_and_refuses_the_rest() {
        assert_eq!(since_time("2026-12-07").unwrap(), "2026-12-07 00:00:00");
        assert_eq!(
            since_time("2026-12-07 05:06:07").unwrap(),
            "2026-12-07 05:06:07"
        );
        assert_eq!(
            since_time("2026-12-07T05:06:07Z").unwrap(),
            "2026-12-07 05:06:07"
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-12-07 25:00:00",
            "1 OR 1=1",
        ] {
            assert!(since_time(bad).is_err(), "{bad}");
        }
    }
}

deserialize_from_str!(UsageBy, UsageBucket);
