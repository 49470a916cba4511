//! File reservations, their bounds, and the rule of when two paths or globs overlap.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::glob::Glob;
use crate::text;

/// A live reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reservation {
    /// Its id (renew and release take it).
    pub id: String,
    /// Who holds it.
    pub agent_id: String,
    /// The holder's group.
    pub group_id: String,
    /// The path glob: `*` any run of characters (slashes too), `?` one, `[abc]` a class.
    pub pattern: String,
    /// Exclusive, or shared with other shared holders.
    pub exclusive: bool,
    /// Why, for whoever runs into it.
    pub reason: Option<String>,
    /// When it was first taken, `YYYY-MM-DD HH:MM:SS` UTC.
    pub created_at: String,
    /// When it lapses unless renewed, Unix milliseconds.
    pub expires_at_ms: i64,
    /// The claimed task whose paths these are: such a reservation lives exactly as long as
    /// the claim (renewing the lease keeps it, completing, releasing or a lapse ends it) and
    /// is not renewed or released by itself. Absent for a reservation made with `reserve`.
    #[serde(default)]
    pub task_id: Option<String>,
}

/// A todo task the actor could otherwise claim, held back because another agent holds some
/// of its files (`claim_blockers`; claim-next and `ready_tasks` skip it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BlockedTask {
    /// The task held back.
    pub task_id: String,
    /// Its title.
    pub title: String,
    /// Its path glob that the blocker overlaps.
    pub path: String,
    /// What holds it back: another agent's reservation, or the paths of a task another agent
    /// has claimed (then `task_id` names that task).
    pub blocked_by: Reservation,
}

/// How long a reservation lasts when the caller does not say: an hour.
pub const DEFAULT_RESERVATION_SECS: u32 = 3600;

/// The longest path or glob a reservation names, or a lookup asks about (bytes of UTF-8).
pub const MAX_RESERVATION_PATH_BYTES: usize = 1024;

/// The most paths one call may reserve.
pub const MAX_RESERVATION_PATHS: usize = 256;

/// The most live reservations one agent may hold.
pub const MAX_LIVE_RESERVATIONS: usize = 1024;

/// A path or glob, compiled once per call so that checking it against every held reservation
/// costs each pair a linear match (see [`Glob`]), never a backtracking one.
pub(crate) struct PathGlob<'a> {
    pub(crate) text: &'a str,
    /// The compiled glob, when the text has wildcards.
    glob: Option<Glob>,
    /// The text before its first wildcard.
    literal: &'a str,
}
impl<'a> PathGlob<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let wild = text.find(['*', '?', '[']);
        PathGlob {
            text,
            glob: wild.map(|_| Glob::new(text)),
            literal: &text[..wild.unwrap_or(text.len())],
        }
    }

    /// Whether some path could match both. Exact when at most one has wildcards; with
    /// wildcards on both sides, whenever one's literal start is a prefix of the other's (so
    /// `src/*.rs` and `src/a*` overlap, `src/*` and `docs/*` do not) — it may report an
    /// overlap that no real path has, never miss one.
    pub(crate) fn overlaps(&self, other: &PathGlob<'_>) -> bool {
        match (&self.glob, &other.glob) {
            (None, None) => self.text == other.text,
            (Some(g), None) => other.text.starts_with(self.literal) && g.matches(other.text),
            (None, Some(g)) => self.text.starts_with(other.literal) && g.matches(self.text),
            (Some(_), Some(_)) => {
                self.literal.starts_with(other.literal) || other.literal.starts_with(self.literal)
            }
        }
    }
}
#[cfg(test)]
pub(crate) fn overlap(a: &str, b: &str) -> bool {
    PathGlob::new(a).overlaps(&PathGlob::new(b))
}
/// Refuses a path or glob over the length cap, blank, or holding a control character.
pub(crate) fn check_path(field: &'static str, p: &str) -> Result<()> {
    text::label(field, p, MAX_RESERVATION_PATH_BYTES)?;
    if p.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("{p:?} holds a control character"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::overlap;

    #[test]
    fn overlapping_globs() {
        for (a, b, want) in [
            ("src/a.rs", "src/a.rs", true),
            ("src/a.rs", "src/b.rs", false),
            ("src/*", "src/a.rs", true),
            ("src/*.rs", "src/a.py", false),
            ("src/*.rs", "src/a*", true),
            ("src/*", "docs/*", false),
            ("*", "anything/at/all", true),
            ("src/[ab].rs", "src/c.rs", false),
        ] {
            assert_eq!(overlap(a, b), want, "{a} vs {b}");
            assert_eq!(overlap(b, a), want, "{b} vs {a}");
        }
    }
}
