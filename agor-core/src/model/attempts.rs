//! Attempts (SPEC §14): each claim of a task is one, ended by one outcome; the failed ones
//! (a lapse, a release with an error) count toward the task's `max_attempts` and push its
//! `not_before` out by a backoff that doubles from a base, capped.

use serde::{Deserialize, Serialize};

/// How a claim ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The holder completed it (to `done` or `review`).
    Completed,
    /// The holder gave it back, or moved it out of `in_progress` itself.
    Released,
    /// The holder gave it back saying what went wrong: a failed attempt.
    ReleasedWithError,
    /// The lease ran out: a failed attempt.
    Lapsed,
    /// Someone else moved it out of `in_progress` (a manager's status change, an import).
    TakenOver,
}

impl AttemptOutcome {
    /// The stored (and API) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Completed => "completed",
            AttemptOutcome::Released => "released",
            AttemptOutcome::ReleasedWithError => "released_with_error",
            AttemptOutcome::Lapsed => "lapsed",
            AttemptOutcome::TakenOver => "taken_over",
        }
    }

    /// Whether it counts toward `max_attempts` and the backoff.
    pub fn failed(self) -> bool {
        matches!(
            self,
            AttemptOutcome::ReleasedWithError | AttemptOutcome::Lapsed
        )
    }

    pub(crate) fn parse(s: &str) -> Option<AttemptOutcome> {
        [
            AttemptOutcome::Completed,
            AttemptOutcome::Released,
            AttemptOutcome::ReleasedWithError,
            AttemptOutcome::Lapsed,
            AttemptOutcome::TakenOver,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One claim of a task (`task_attempts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Attempt {
    /// Its number, increasing over the store.
    pub id: i64,
    /// The task claimed.
    pub task_id: String,
    /// Who claimed it.
    pub agent_id: String,
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub started_at: String,
    /// When it ended; absent while the claim is live.
    pub ended_at: Option<String>,
    /// How it ended; absent while the claim is live.
    pub outcome: Option<AttemptOutcome>,
    /// What went wrong, as the holder said when it released the task.
    pub error: Option<String>,
}

/// The wait before the next claim after `failures` failed attempts: `base` seconds after the
/// first, doubling per further failure, never more than `cap`; in milliseconds.
pub(crate) fn backoff_ms(failures: i64, base_secs: i64, cap_secs: i64) -> i64 {
    let doublings = u32::try_from((failures - 1).clamp(0, 40)).unwrap_or(40);
    base_secs
        .saturating_mul(1i64 << doublings)
        .min(cap_secs)
        .max(0)
        .saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        assert_eq!(backoff_ms(1, 30, 3600), 30_000);
        assert_eq!(backoff_ms(2, 30, 3600), 60_000);
        assert_eq!(backoff_ms(3, 30, 3600), 120_000);
        assert_eq!(backoff_ms(10, 30, 3600), 3_600_000);
        assert_eq!(backoff_ms(1000, 30, 3600), 3_600_000);
        assert_eq!(backoff_ms(1, 0, 3600), 0);
    }
}
