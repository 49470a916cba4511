//! Why a command failed: one error type for every command, whose line on stderr and exit code
//! (see [`crate::exit`]) come from here.

use crate::args::UsageError;
use crate::exit::{exit_code, ERROR, TIMED_OUT, USAGE};
use crate::ids::short_uuids;

/// Why a command failed: its error line and exit code come from here.
#[derive(Debug)]
pub enum CliError {
    Usage(UsageError),
    Core(agor_core::Error),
    Io(std::io::Error),
    /// A response that does not read back as the record the renderer expects (a bug).
    Response(String),
    /// `wait` gave up: nothing arrived within this many seconds.
    TimedOut(f64),
}

impl CliError {
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Core(e) => exit_code(e.kind()),
            CliError::Io(_) | CliError::Response(_) => ERROR,
            CliError::TimedOut(_) => TIMED_OUT,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(e) => write!(f, "{e}"),
            // Ids as the caller gave them stay whole (a shortened id that was not found could
            // name another object); ids the core reports back are cut like everywhere else.
            CliError::Core(e @ agor_core::Error::NotFound { .. })
            | CliError::Core(e @ agor_core::Error::Ambiguous { .. }) => write!(f, "{e}"),
            CliError::Core(e) => f.write_str(&short_uuids(&e.to_string())),
            CliError::Io(e) => write!(f, "cannot write output: {e}"),
            CliError::Response(e) => write!(f, "unexpected response from the core: {e}"),
            CliError::TimedOut(secs) => write!(f, "nothing arrived within {secs} s"),
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
