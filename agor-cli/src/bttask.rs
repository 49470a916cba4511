//! The `bttask` command: the task board of a team. Its table (`table`) says what each
//! command accepts and which catalogue request it builds; the shared parser and runner
//! ([`crate::command`], [`crate::run`]) do the rest, and `render` prints the responses.

mod render;
mod table;

use crate::command::Program;
use crate::exit;

pub use table::COMMANDS;

/// `bttask` as the shared parser and runner see it. After the command word `--version` is
/// the task version of `status --version N`, so the program's is asked for before it.
pub static PROGRAM: Program = Program {
    installing: crate::dist::COMMANDS,
    top_misplaced: "--version before a command prints the program version; give a task version \
                    after the command (`bttask status --id T --status S --version N`)",
    exit_notes: &[
        (exit::OK, "(also when claim finds nothing to claim)"),
        (exit::USAGE, "(also an invalid status move)"),
    ],
    ..Program::new(
        "bttask",
        "the task board of a team of agents sharing one agor database",
        COMMANDS,
    )
};

#[cfg(test)]
mod tests;
