//! What shell completions and man pages need to know of a command: its words, options and
//! help lines, read from a command table ([`Synopsis::of`] for `btmsg` and `bttask`; `agor`
//! builds its own from its table in agor-mcp), so the generated files follow the table.

use crate::args::{Arity, Opt};
use crate::command::Program;

/// A program as its completions and man page describe it.
#[derive(Debug, Clone)]
pub struct Synopsis {
    /// The program's name (`btmsg`).
    pub name: &'static str,
    /// One line on what it is for.
    pub about: String,
    /// Its commands, in the order of its help.
    pub commands: Vec<Entry>,
    /// Options accepted with every command (`--db`, `--json`, `--help`).
    pub global: Vec<Opt>,
    /// Options accepted only without a command (`--version`).
    pub top: Vec<Opt>,
    /// The reference part of the help (options, environment, exit codes), shown as is.
    pub reference: String,
}

/// One command of a [`Synopsis`].
#[derive(Debug, Clone)]
pub struct Entry {
    /// `send`, or `channel send` for a subcommand.
    pub name: &'static str,
    /// Other spellings of the command.
    pub aliases: &'static [&'static str],
    /// Its usage lines.
    pub usage: Vec<String>,
    /// What it does.
    pub about: String,
    /// The options it takes.
    pub opts: Vec<Opt>,
}

impl Synopsis {
    /// `prog` as its command table and its `--help` describe it.
    pub(crate) fn of(prog: &Program) -> Synopsis {
        let overview = crate::help::help(prog, None).unwrap_or_default();
        // The overview's reference part starts at its options; the commands come from the table.
        let reference = overview
            .find("Global options")
            .map_or(String::new(), |at| overview[at..].to_owned());
        Synopsis {
            name: prog.name,
            about: prog.about.to_owned(),
            commands: prog
                .all()
                .map(|d| Entry {
                    name: d.name,
                    aliases: d.aliases,
                    usage: d.usage_lines().iter().map(|u| u.to_string()).collect(),
                    about: d.about.to_owned(),
                    opts: Opt::list(d.opts),
                })
                .collect(),
            global: Opt::list(prog.global),
            top: Opt::list(prog.top),
            reference,
        }
    }

    /// The words that may start a command line: `help`, each command's first word and alias.
    pub(crate) fn first_words(&self) -> Vec<&'static str> {
        let mut words = vec!["help"];
        for e in &self.commands {
            for w in std::iter::once(e.name).chain(e.aliases.iter().copied()) {
                let first = w.split(' ').next().unwrap_or(w);
                if !words.contains(&first) {
                    words.push(first);
                }
            }
        }
        words
    }

    /// The command groups (`channel`) with their subcommands.
    pub(crate) fn groups(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for (group, sub) in self.commands.iter().filter_map(|e| e.name.split_once(' ')) {
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, subs)) => subs.push(sub),
                None => groups.push((group, vec![sub])),
            }
        }
        groups
    }

    /// Every spelling of an option that takes the next word as its value, so a completion
    /// skips that word when looking for the command.
    pub(crate) fn value_options(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .global
            .iter()
            .chain(&self.top)
            .chain(self.commands.iter().flat_map(|e| &e.opts))
            .filter(|o| matches!(o.arity, Arity::Value | Arity::Repeated))
            .flat_map(spellings)
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// `--long` and, if it has one, `-s`.
pub(crate) fn spellings(opt: &Opt) -> Vec<String> {
    let mut s = vec![format!("--{}", opt.long)];
    if let Some(c) = opt.short {
        s.push(format!("-{c}"));
    }
    s
}
