//! The `btmsg` command: direct messages, channels, liveness and the team set-up. Its table
//! (`table`) says what each command accepts and which catalogue request it builds; the
//! shared parser and runner ([`crate::command`], [`crate::run`]) do the rest, and `show`
//! renders the responses for people.

mod show;
mod table;

use crate::command::Program;
use crate::exit;

pub use table::COMMANDS;
#[cfg(test)]
use table::DEFAULT_SESSION;
use table::SESSION_ENV;

/// `btmsg` as the shared parser and runner see it. `--version` is global here: `btmsg` has
/// no option of that name after a command word.
pub static PROGRAM: Program = Program {
    installing: crate::dist::COMMANDS,
    global: "db= json help/h version/V",
    top: "",
    environment: &[(SESSION_ENV, "default session for `ack`")],
    exit_notes: &[
        (
            exit::ERROR,
            "(an unavailable recipient's message is kept as a dead letter; the error line gives its number)",
        ),
        (
            exit::USAGE,
            "(but `state --hook EVENT` exits 0 with a warning: to a coding agent's hooks exit 2 means block)",
        ),
    ],
    ..Program::new(
        "btmsg",
        "direct messages, channels and liveness for a team of agents sharing one agor database",
        COMMANDS,
    )
};

#[cfg(test)]
mod tests;
