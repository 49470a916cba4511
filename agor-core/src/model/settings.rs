//! The store's settings (SPEC §14): a few values the operator sets once for the whole team,
//! kept in the database so every process (and both engines) reads the same. Each key is
//! declared here with its default and the rule its value must meet.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One setting as `settings` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Setting {
    /// Its key.
    pub key: String,
    /// Its value now (the default unless the operator set it).
    pub value: String,
    /// The value it has when nobody set it.
    pub default: String,
    /// Whether the operator set it (false: the default applies).
    pub set: bool,
    /// What it governs.
    pub description: String,
}

/// What a value must be.
#[derive(Clone, Copy)]
enum Kind {
    /// A whole number in `min..=max`.
    Count { min: i64, max: i64 },
    /// `true` or `false`.
    Flag,
}

/// A known key.
pub(crate) struct Key {
    pub name: &'static str,
    pub default: &'static str,
    kind: Kind,
    pub description: &'static str,
}

/// Failed attempts (a lapsed lease or a release with an error) before a task goes to `failed`.
pub(crate) const MAX_ATTEMPTS: &str = "max_attempts";
/// The backoff after the first failed attempt, in seconds; it doubles per further failure.
pub(crate) const BACKOFF_BASE_SECS: &str = "backoff_base_secs";
/// The longest backoff, in seconds.
pub(crate) const BACKOFF_CAP_SECS: &str = "backoff_cap_secs";
/// Whether roles that review but do not implement may claim tasks that name no requirement.
pub(crate) const REVIEWERS_CLAIM_WORK: &str = "reviewers_claim_work";

/// Every key, in the order `settings` lists them.
pub(crate) const KEYS: &[Key] = &[
    Key {
        name: MAX_ATTEMPTS,
        default: "3",
        kind: Kind::Count { min: 1, max: 1000 },
        description: "failed attempts (lapsed lease, release with an error) before a task goes \
                      to failed, for tasks without their own max_attempts",
    },
    Key {
        name: BACKOFF_BASE_SECS,
        // Off by default: a lapsed task is claimable again at once, as it always was (SPEC
        // §4); a team that wants a backoff sets a base.
        default: "0",
        kind: Kind::Count {
            min: 0,
            max: 86_400,
        },
        description: "seconds a task waits after its first failed attempt (0: no wait); \
                      doubles per further failure",
    },
    Key {
        name: BACKOFF_CAP_SECS,
        default: "3600",
        kind: Kind::Count {
            min: 0,
            max: 604_800,
        },
        description: "the longest wait after a failed attempt, in seconds",
    },
    Key {
        name: REVIEWERS_CLAIM_WORK,
        default: "false",
        kind: Kind::Flag,
        description: "true: roles that review but do not implement (the built-in reviewer) may \
                      claim tasks that name no requirement (the behaviour before requires)",
    },
];

/// The key called `name`, or `InvalidInput` listing the known ones.
pub(crate) fn key(name: &str) -> Result<&'static Key> {
    KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
        Error::invalid(
            "key",
            format!(
                "unknown setting '{name}' (known: {})",
                KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

impl Key {
    /// The value in its canonical spelling, or `InvalidInput` saying what it must be.
    pub(crate) fn normalise(&self, value: &str) -> Result<String> {
        let v = value.trim();
        match self.kind {
            Kind::Count { min, max } => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                _ => Err(Error::invalid(
                    "value",
                    format!(
                        "{} must be a whole number from {min} to {max}, not '{value}'",
                        self.name
                    ),
                )),
            },
            Kind::Flag => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok("true".into()),
                "false" | "0" | "no" | "off" => Ok("false".into()),
                _ => Err(Error::invalid(
                    "value",
                    format!("{} must be true or false, not '{value}'", self.name),
                )),
            },
        }
    }

    /// A stored value as a number (a value stored by hand that no longer parses reads as the
    /// default: one odd row must not stop every claim).
    pub(crate) fn count(&self, stored: Option<&str>) -> i64 {
        stored
            .and_then(|s| self.normalise(s).ok())
            .unwrap_or_else(|| self.default.to_owned())
            .parse()
            .unwrap_or(0)
    }

    /// A stored value as a flag (as [`Key::count`], a bad stored value reads as the default).
    pub(crate) fn flag(&self, stored: Option<&str>) -> bool {
        stored
            .and_then(|s| self.normalise(s).ok())
            .unwrap_or_else(|| self.default.to_owned())
            == "true"
    }
}
