//! Signs of life as records: heartbeats, stale agents, dead letters, and the bounds of the
//! sign-of-life interval.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::agents::Member;
use crate::model::messages;

/// The shortest and longest interval between two signs of life an agent's process writes; in
/// between, a quarter of the store's stale threshold, so three may be missed before it lapses.
pub const MIN_SIGN_OF_LIFE_INTERVAL: Duration = Duration::from_secs(1);

/// See [`MIN_SIGN_OF_LIFE_INTERVAL`].
pub const MAX_SIGN_OF_LIFE_INTERVAL: Duration = Duration::from_secs(60);

/// A message that could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeadLetter {
    /// Queue number.
    pub id: i64,
    /// Who sent it.
    pub from_agent: String,
    /// Whom it was meant for.
    pub to_agent: String,
    /// The message text.
    pub content: String,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// The message it answers, kept so a redelivery stays in its thread.
    pub reply_to: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
}

/// An agent whose heartbeat is older than the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaleAgent {
    /// The silent agent.
    pub agent_id: String,
    /// Unix seconds of its last heartbeat.
    pub last_heartbeat: i64,
    /// Seconds since then.
    pub silent_secs: i64,
}

/// What a heartbeat did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Heartbeat {
    /// The agent that heartbeated.
    pub agent_id: String,
    /// Unix seconds recorded.
    pub timestamp: i64,
    /// Dead letters moved into the inbox by this heartbeat.
    pub redelivered: Vec<messages::Message>,
}

/// The staleness rule at one moment: the threshold and the time, both in seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Staleness {
    pub after_secs: i64,
    pub now_secs: i64,
}
/// How long `agent` has been silent, if it has heartbeated before and is now past the threshold.
/// An agent that never sent a heartbeat is not considered stale.
pub(crate) fn silent_for(agent: &Member, s: Staleness) -> Option<i64> {
    let last = agent.last_heartbeat?;
    let silent = s.now_secs.saturating_sub(last);
    (silent > s.after_secs).then_some(silent)
}
