//! Exit codes of the agor commands and the one place where core errors are mapped to them.
//! Scripts rely on these numbers, so they are part of the public interface.

use agor_core::ErrorKind;

use crate::args::UsageError;

/// Success.
pub const OK: i32 = 0;
/// Any failure without a more specific code (storage, busy, schema, read-only, unavailable recipient).
pub const ERROR: i32 = 1;
/// The command line, an argument's value or the environment (`BTMSG_AGENT_ID`) is wrong.
pub const USAGE: i32 = 2;
/// Version conflict, already claimed, or a lapsed/foreign lease: someone else got there first.
pub const CONFLICT: i32 = 3;
/// The acting agent may not do this (ACL, role or membership).
pub const PERMISSION_DENIED: i32 = 4;
/// An agent, message, channel, task or dead letter does not exist.
pub const NOT_FOUND: i32 = 5;

/// The exit code for a core error kind.
///
/// Choices beyond the obvious ones: an ambiguous id prefix and an invalid value are the
/// caller's argument to fix, so they are usage errors (2); a lease error means another worker
/// owns the task now, like a conflict (3); an unavailable recipient is a plain error (1) — the
/// message was kept as a dead letter and the error line says which.
pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::PermissionDenied => PERMISSION_DENIED,
        ErrorKind::Conflict | ErrorKind::AlreadyClaimed | ErrorKind::Lease => CONFLICT,
        ErrorKind::Ambiguous | ErrorKind::InvalidInput => USAGE,
        ErrorKind::RecipientUnavailable
        | ErrorKind::Schema
        | ErrorKind::ReadOnly
        | ErrorKind::Busy
        | ErrorKind::Storage => ERROR,
    }
}

/// Why a command failed: its error line and exit code come from here.
#[derive(Debug)]
pub enum CliError {
    Usage(UsageError),
    Core(agor_core::Error),
    Io(std::io::Error),
}

impl CliError {
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Core(e) => exit_code(e.kind()),
            CliError::Io(_) => ERROR,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(e) => write!(f, "{e}"),
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Io(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<UsageError> for CliError {
    fn from(e: UsageError) -> Self {
        CliError::Usage(e)
    }
}

impl From<agor_core::Error> for CliError {
    fn from(e: agor_core::Error) -> Self {
        CliError::Core(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_failure_code() {
        for kind in ErrorKind::ALL {
            let code = exit_code(kind);
            assert!((ERROR..=NOT_FOUND).contains(&code), "{kind:?} -> {code}");
        }
        assert_eq!(exit_code(ErrorKind::NotFound), NOT_FOUND);
        assert_eq!(exit_code(ErrorKind::PermissionDenied), PERMISSION_DENIED);
        assert_eq!(exit_code(ErrorKind::Conflict), CONFLICT);
        assert_eq!(exit_code(ErrorKind::AlreadyClaimed), CONFLICT);
    }
}
