//! The commands every program has for its installation: `completions SHELL` (a bash, zsh or
//! fish script) and `man` (its man page), both generated from the program's own table.

use crate::args::UsageError;
use crate::command::{Command, CommandDef, Program, Who};
use crate::completions;
use crate::shells::{Generate, Shell};
use crate::synopsis::Synopsis;

/// The table entries of `completions` and `man`, added to every program's.
pub const COMMANDS: &[CommandDef] = &[
    CommandDef::new("completions", Who::Operator, &[], "shell=")
        .usage(&["completions <bash|zsh|fish>"])
        .about(
            "print this command's completion script for bash, zsh or fish, to source or \
             install (see the README's Install section)",
        )
        .build(|p| {
            let word = p.text("shell", "shell")?;
            let shell = Shell::parse(&word).ok_or_else(|| {
                UsageError::new(format!("no completions for '{word}': bash, zsh or fish"))
            })?;
            Ok(Command::Generate(Generate::Completions(shell)))
        }),
    CommandDef::new("man", Who::Operator, &[], "")
        .about("print this command's man page (roff; `man -l FILE` reads it)")
        .build(|_| Ok(Command::Generate(Generate::Man))),
];

/// The text `what` asks for, for `prog`.
pub fn text(prog: &Program, what: Generate) -> String {
    let syn = Synopsis::of(prog);
    match what {
        Generate::Completions(shell) => completions::script(&syn, shell),
        Generate::Man => crate::man::page(&syn),
    }
}
