//! Work that fits the worker (SPEC §14): what a task `requires` of its claimer's role, and
//! whether a role meets it. Pure rules over the role's row; the claim path asks them.

use crate::error::{Error, Result};
use crate::rules::{AgentIdentity, Capability};

/// What a task needs of the role that claims it, written `capability:<word>` (a kind of work
/// the role has, such as `capability:review_work`) or `role:<name>` (that very role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// The claimer's role has this capability.
    Capability(Capability),
    /// The claimer's role is this one.
    Role(String),
}

impl Requirement {
    /// Parses `capability:<word>` or `role:<name>`; anything else is `InvalidInput` saying the
    /// two forms.
    pub fn parse(s: &str) -> Result<Requirement> {
        let bad = || {
            Error::invalid(
                "requires",
                format!(
                    "'{s}' is neither capability:<word> (one of {}) nor role:<name>",
                    Capability::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        match s.trim().split_once(':') {
            Some(("capability", word)) => {
                word.parse().map(Requirement::Capability).map_err(|_| bad())
            }
            Some(("role", name)) => {
                crate::ids::validate_token("requires", name).map_err(|_| bad())?;
                Ok(Requirement::Role(name.to_owned()))
            }
            _ => Err(bad()),
        }
    }

    /// Whether `who`'s role meets it.
    pub fn met_by(&self, who: &AgentIdentity) -> bool {
        match self {
            Requirement::Capability(c) => who.rights.has_capability(*c),
            Requirement::Role(r) => who.role.as_str() == r,
        }
    }
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Requirement::Capability(c) => write!(f, "capability:{}", c.as_str()),
            Requirement::Role(r) => write!(f, "role:{r}"),
        }
    }
}

/// How many `requires` values one claimer can meet at most: its role and each capability.
pub(crate) const MET_SLOTS: usize = 1 + Capability::ALL.len();

/// The `requires` values `who` meets, padded with `None` to [`MET_SLOTS`]: the claim-next
/// query tests a task's `requires` against exactly these, so its parameters never change shape.
pub(crate) fn met_requirements(who: &AgentIdentity) -> [Option<String>; MET_SLOTS] {
    let mut out: [Option<String>; MET_SLOTS] = Default::default();
    out[0] = Some(Requirement::Role(who.role.as_str().to_owned()).to_string());
    for (slot, c) in out[1..].iter_mut().zip(Capability::ALL) {
        *slot = who
            .rights
            .has_capability(*c)
            .then(|| Requirement::Capability(*c).to_string());
    }
    out
}

/// A reviewer in the built-in sense: it reviews work but does not implement tasks, so a task
/// that names no requirement is not its to claim (unless the `reviewers_claim_work` setting
/// says otherwise).
pub(crate) fn reviews_only(who: &AgentIdentity) -> bool {
    who.rights.has_capability(Capability::ReviewWork)
        && !who.rights.has_capability(Capability::ImplementTasks)
}

/// Normalises a `requires` argument: `None` or blank is no requirement.
pub(crate) fn normalise(requires: Option<&str>) -> Result<Option<String>> {
    match requires.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Requirement::parse(s).map(|r| Some(r.to_string())),
    }
}
