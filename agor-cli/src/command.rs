//! The command table type shared by `btmsg` and `bttask`, and the one parse of argv into an
//! [`Invocation`]: each program is a [`Program`] (its table and a few words of help), and
//! every table entry builds the catalogue [`Request`] it runs from the parsed line.

use std::ffi::OsString;
use std::path::PathBuf;

use agor_core::ops::Request;

use crate::args::{Opt, Parsed, Scanner, UsageError};
use crate::error::CliError;
use crate::reply::Reply;
use crate::session::Session;
use crate::suggest::did_you_mean;
use crate::terminal::Term;

/// Whom a command acts as, in the table's words: the catalogue's own kinds of caller.
/// `Agent` needs `$BTMSG_AGENT_ID` (marked `*` in the help); `Either` is the operator unless
/// `$BTMSG_AGENT_ID` is set, and then that agent within its rights (an agent in a shell cannot
/// register itself as admin); `Operator` ignores it (store-level reports and backups). See
/// `session::acting`.
pub use agor_core::ops::CallerKind as Who;

/// What a renderer may look at besides the response: the request that was run, and the
/// store's staleness threshold (for the heartbeat column).
#[derive(Debug)]
pub struct View<'a> {
    pub request: &'a Request,
    pub stale_after: i64,
}

/// Prints a reply for people: the renderer takes the core's record out of it with
/// [`typed`](crate::reply::typed).
pub type Show = fn(&mut Term<'_>, &View<'_>, Reply) -> Result<(), CliError>;

/// Runs a request made of several catalogue operations (each through dispatch) and returns
/// what to print; single-operation commands do not need one.
pub type Steps = fn(&Session, Request) -> Result<Reply, CliError>;

/// What a command line asks for: one catalogue request, whom it runs as, and how its
/// response is shown as text (`--json` prints the response itself).
#[derive(Debug, Clone)]
pub struct Job {
    pub request: Request,
    /// `None`: the table entry's [`CommandDef::who`].
    pub who: Option<Who>,
    pub steps: Option<Steps>,
    pub show: Show,
    /// Print the response as JSON even without `--json` (`call`).
    pub always_json: bool,
    /// Write the response (a text) to this file before showing it (`bttask export FILE`).
    pub output: Option<PathBuf>,
}

impl Job {
    pub fn new(request: Request, show: Show) -> Job {
        Job {
            request,
            who: None,
            steps: None,
            show,
            always_json: false,
            output: None,
        }
    }

    pub fn output(self, path: PathBuf) -> Job {
        Job {
            output: Some(path),
            ..self
        }
    }

    pub fn who(self, who: Who) -> Job {
        Job {
            who: Some(who),
            ..self
        }
    }

    pub fn steps(self, steps: Steps) -> Job {
        Job {
            steps: Some(steps),
            ..self
        }
    }
}

/// A parsed command, before any environment or database is looked at.
#[derive(Debug, Clone)]
pub enum Command {
    /// Help on everything (`None`) or on one command or command group.
    Help(Option<String>),
    Version,
    /// A completion script or the man page (`completions SHELL`, `man`; see [`crate::dist`]).
    Generate(crate::shells::Generate),
    /// The catalogue of operations.
    Ops,
    Run(Job),
    /// `watch`: print each change for the agent as it arrives, until interrupted.
    Watch {
        kinds: Vec<agor_core::ChangeKind>,
        since: Option<i64>,
        /// The operator's watch of one group (an agent's: narrowed to it).
        group: Option<String>,
    },
}

/// A whole command line: where the database is, how to print, and what to do.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub db: Option<PathBuf>,
    pub json: bool,
    pub command: Command,
}

/// One entry of a command table: what the parser accepts, what the help says, and what it runs.
#[derive(Debug)]
pub struct CommandDef {
    /// `send`, or `channel send` for a subcommand.
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// Its options, as [`Opt::list`] reads them: `"all/a limit= tag=*"`.
    pub opts: &'static str,
    /// One usage line per accepted form; none: the name alone (a command without arguments).
    pub usage: &'static [&'static str],
    /// What it does, for the help, the man page and the completions, in the command line's
    /// words: its flags (`--all`), "you", its defaults, output and exit codes, and what the
    /// operations it runs do together. Not taken from the catalogue's docs, which name request
    /// fields (`all`) and "the actor", and are kept short for MCP clients.
    pub about: &'static str,
    pub who: Who,
    /// The catalogue operations it runs (checked against `agor_core::ops::names()`).
    pub ops: &'static [&'static str],
    /// What `--json` prints, for the few commands whose steps print something other than
    /// their operations' responses; the help reads it from the catalogue otherwise.
    pub prints: Option<&'static str>,
    /// Builds the command from what the scanner collected; both syntaxes meet here, since
    /// every field may come from its flag or from the next positional.
    pub build: fn(&mut Parsed) -> Result<Command, UsageError>,
}

/// One of the agor commands: its table and the words its help needs.
#[derive(Debug)]
pub struct Program {
    pub name: &'static str,
    /// First line of the overview.
    pub about: &'static str,
    pub commands: &'static [CommandDef],
    /// Options accepted before and after the command word ([`Opt::list`]).
    pub global: &'static str,
    /// Options accepted only before it, with the error for one given after.
    pub top: &'static str,
    pub top_misplaced: &'static str,
    /// Environment variables besides `BTMSG_AGENT_ID`, `AGOR_DB` and `NO_COLOR`: name, meaning.
    pub environment: &'static [(&'static str, &'static str)],
    /// Remarks on exit codes particular to this program.
    pub exit_notes: &'static [(i32, &'static str)],
    /// The commands that write its installation files (`completions`, `man`), given by the
    /// program so that the table stays below what generates them.
    pub installing: &'static [CommandDef],
}

impl CommandDef {
    /// An entry: its name, whom it acts as, the catalogue operations it runs and its options
    /// ([`Opt::list`]); the methods below add the rest.
    pub const fn new(
        name: &'static str,
        who: Who,
        ops: &'static [&'static str],
        opts: &'static str,
    ) -> CommandDef {
        CommandDef {
            name,
            aliases: &[],
            opts,
            usage: &[],
            about: "",
            who,
            ops,
            prints: None,
            build: |_| Err(UsageError::new("this command has no builder")),
        }
    }

    /// The usage lines: the accepted forms, or the bare name.
    pub fn usage_lines(&self) -> &[&'static str] {
        if self.usage.is_empty() {
            std::slice::from_ref(&self.name)
        } else {
            self.usage
        }
    }

    pub const fn aliases(self, aliases: &'static [&'static str]) -> CommandDef {
        CommandDef { aliases, ..self }
    }

    pub const fn usage(self, usage: &'static [&'static str]) -> CommandDef {
        CommandDef { usage, ..self }
    }

    pub const fn about(self, about: &'static str) -> CommandDef {
        CommandDef { about, ..self }
    }

    pub const fn prints(self, prints: &'static str) -> CommandDef {
        CommandDef {
            prints: Some(prints),
            ..self
        }
    }

    pub const fn build(self, build: fn(&mut Parsed) -> Result<Command, UsageError>) -> CommandDef {
        CommandDef { build, ..self }
    }
}

impl Program {
    /// A program with only its own commands: every option but `--version` global, nothing
    /// unfinished, no environment or exit codes of its own.
    pub const fn new(
        name: &'static str,
        about: &'static str,
        commands: &'static [CommandDef],
    ) -> Program {
        Program {
            name,
            about,
            commands,
            global: "db= json help/h",
            top: "version/V",
            top_misplaced: "--version goes before the command",
            environment: &[],
            exit_notes: &[],
            installing: &[],
        }
    }
}

/// Commands every program has: the catalogue, and any request of it as JSON.
pub const COMMON: &[CommandDef] = &[
    CommandDef::new("ops", Who::Operator, &[], "")
        .about(
            "the catalogue of operations: name, caller, permission action and doc \
             (with --json, every operation with its request and response schemas)",
        )
        .build(|_| Ok(Command::Ops)),
    // A generic escape hatch: it reaches every operation, so it counts for none.
    CommandDef::new("call", Who::Either, &[], "request=")
        .usage(&["call '<json>'", "call --request '{\"op\": \"peek\"}'"])
        .about(
            "run any catalogue request {\"op\": NAME, …} as $BTMSG_AGENT_ID, else as the \
             operator, and print its JSON response",
        )
        .build(|p| {
            let json = p.text("request", "request JSON")?;
            let request =
                agor_core::ops::parse_request(&json).map_err(|e| UsageError::new(e.to_string()))?;
            let job = Job::new(request, |_, _, _| Ok(()));
            Ok(Command::Run(Job {
                always_json: true,
                ..job
            }))
        }),
];

impl Program {
    /// Every entry: the program's own, then the common ones.
    pub fn all(&self) -> impl Iterator<Item = &'static CommandDef> {
        self.commands.iter().chain(COMMON).chain(self.installing)
    }

    /// The entry named `words`, or the group it starts.
    pub(crate) fn lookup(&self, words: &str) -> Lookup {
        if let Some(def) = self
            .all()
            .find(|d| d.name == words || d.aliases.contains(&words))
        {
            return Lookup::Command(def);
        }
        match self
            .all()
            .find_map(|d| d.name.split_once(' ').filter(|(g, _)| *g == words))
        {
            Some((group, _)) => Lookup::Group(group),
            None => Lookup::Unknown,
        }
    }

    pub(crate) fn subcommands(&self, group: &str) -> Vec<&'static str> {
        self.all()
            .filter_map(|d| d.name.strip_prefix(group)?.strip_prefix(' '))
            .collect()
    }

    /// Every word that may start a command line, for "did you mean".
    pub(crate) fn command_words(&self) -> impl Iterator<Item = &'static str> + '_ {
        let firsts = self.all().flat_map(|d| {
            std::iter::once(d.name)
                .chain(d.aliases.iter().copied())
                .map(|n| n.split(' ').next().unwrap_or(n))
        });
        std::iter::once("help").chain(firsts)
    }

    pub(crate) fn unknown(&self, what: &str, word: &str) -> UsageError {
        let hint = format!("; run `{} --help`", self.name);
        UsageError::new(format!(
            "{what} '{word}'{}",
            did_you_mean(word, self.command_words(), &hint)
        ))
    }

    /// Parses argv (`args[0]` is the program name) into an [`Invocation`].
    pub fn parse(&self, args: Vec<OsString>) -> Result<Invocation, UsageError> {
        let (global, top) = (Opt::list(self.global), Opt::list(self.top));
        let mut p = Parsed::default();
        let mut scanner = Scanner::new(args.into_iter().skip(1));
        let first = scanner
            .next_word(&[&global, &top], &mut p)?
            .map(|w| {
                w.into_string()
                    .map_err(|_| UsageError::new("the command name is not valid UTF-8"))
            })
            .transpose()?;
        if first.is_some() && top.iter().any(|o| p.flag(o.long)) {
            return Err(UsageError::new(self.top_misplaced));
        }
        let command = match first.as_deref() {
            None if p.flag("version") => Command::Version,
            None if p.flag("help") => Command::Help(None),
            None => {
                return Err(UsageError::new(format!(
                    "missing command; run `{} --help`",
                    self.name
                )))
            }
            Some("help") => {
                scanner.rest(&[&global], &mut p)?;
                let mut topic = Vec::new();
                while let Some(w) = p.positional("the help topic")? {
                    topic.push(w);
                }
                Command::Help((!topic.is_empty()).then(|| topic.join(" ")))
            }
            Some(word) => {
                let def = self.command_def(word, &global, &mut scanner, &mut p)?;
                let def = match def {
                    Ok(def) => def,
                    Err(help) => return Ok(help_invocation(Some(help))),
                };
                return self
                    .command_line(def, &global, scanner, p)
                    .map_err(|e| e.with_usage(self.name, def.usage_lines()));
            }
        };
        finish(p, command)
    }

    /// The entry `word` (and, for a group, the next word) names; `Err(group)` when the line
    /// asks for the help of a group.
    fn command_def(
        &self,
        word: &str,
        global: &[Opt],
        scanner: &mut Scanner,
        p: &mut Parsed,
    ) -> Result<Result<&'static CommandDef, String>, UsageError> {
        match self.lookup(word) {
            Lookup::Command(def) => Ok(Ok(def)),
            Lookup::Group(group) => {
                let sub = scanner.next_word(&[global], p)?;
                let Some(sub) = sub.map(|s| s.to_string_lossy().into_owned()) else {
                    if p.flag("help") {
                        return Ok(Err(group.to_owned()));
                    }
                    return Err(UsageError::new(format!(
                        "missing {group} subcommand ({})",
                        self.subcommands(group).join(", ")
                    )));
                };
                match self.lookup(&format!("{group} {sub}")) {
                    Lookup::Command(def) => Ok(Ok(def)),
                    _ => {
                        let subs = self.subcommands(group);
                        let expected = format!(" (expected {})", subs.join(", "));
                        Err(UsageError::new(format!(
                            "unknown {group} subcommand '{sub}'{}",
                            did_you_mean(&sub, subs.iter().copied(), &expected),
                        )))
                    }
                }
            }
            Lookup::Unknown => Err(self.unknown("unknown command", word)),
        }
    }

    /// The rest of the line once the command is known: its options and arguments, or its help.
    fn command_line(
        &self,
        def: &CommandDef,
        global: &[Opt],
        mut scanner: Scanner,
        mut p: Parsed,
    ) -> Result<Invocation, UsageError> {
        scanner.rest(&[global, &Opt::list(def.opts)], &mut p)?;
        if p.flag("help") {
            // Help ignores the rest of the line, so `btmsg send --help` needs nothing else.
            return Ok(help_invocation(Some(def.name.to_owned())));
        }
        let mut command = (def.build)(&mut p)?;
        if let Command::Run(job) = &mut command {
            job.who.get_or_insert(def.who);
        }
        finish(p, command)
    }
}

pub(crate) enum Lookup {
    Command(&'static CommandDef),
    /// A word such as `channel` that needs a subcommand.
    Group(&'static str),
    Unknown,
}

fn help_invocation(topic: Option<String>) -> Invocation {
    Invocation {
        db: None,
        json: false,
        command: Command::Help(topic),
    }
}

fn finish(mut p: Parsed, command: Command) -> Result<Invocation, UsageError> {
    let db = p.value_os("db").map(PathBuf::from);
    if db.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
        return Err(UsageError::new("--db must not be empty"));
    }
    let json = p.flag("json");
    p.finish()?;
    Ok(Invocation { db, json, command })
}

/// A builder's result: run `job`.
pub fn run(job: Job) -> Result<Command, UsageError> {
    Ok(Command::Run(job))
}

/// A builder's result: run `request`, show its response with `show`.
pub fn job(request: Request, show: Show) -> Result<Command, UsageError> {
    run(Job::new(request, show))
}

/// A builder's result when whom it acts as depends on the line (not the table's default).
pub fn job_as(who: Who, request: Request, show: Show) -> Result<Command, UsageError> {
    run(Job::new(request, show).who(who))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::{btmsg, bttask};

    fn programs() -> [&'static Program; 2] {
        [&btmsg::PROGRAM, &bttask::PROGRAM]
    }

    /// Every catalogue operation is reachable from a command of `btmsg` or `bttask` (not
    /// only through `call`), and no entry declares an operation the catalogue lacks.
    #[test]
    fn every_catalogue_operation_has_a_command() {
        let names = agor_core::ops::names();
        let declared: BTreeSet<&str> = programs()
            .into_iter()
            .flat_map(Program::all)
            .flat_map(|d| d.ops.iter().copied())
            .collect();
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !declared.contains(n))
            .collect();
        assert!(
            missing.is_empty(),
            "operations without a CLI command: {missing:?}"
        );
        let unknown: Vec<&str> = declared
            .iter()
            .copied()
            .filter(|n| !names.contains(n))
            .collect();
        assert!(
            unknown.is_empty(),
            "commands declare unknown operations: {unknown:?}"
        );
        // `call` reaches everything, so it must not hide a missing command.
        assert!(COMMON.iter().all(|d| d.ops.is_empty()));
    }

    /// A command that needs no agent runs only operations an operator may call, and one
    /// that must act as an agent runs none that only the operator may call.
    #[test]
    fn whom_a_command_acts_as_fits_its_operations() {
        let kinds: std::collections::BTreeMap<&str, Who> = agor_core::ops::catalogue()
            .into_iter()
            .map(|op| (op.name, op.caller))
            .collect();
        for def in programs().into_iter().flat_map(Program::all) {
            for op in def.ops {
                let kind = kinds[op];
                let fits = match def.who {
                    Who::Agent => kind != Who::Operator,
                    Who::Either => kind == Who::Either,
                    Who::Operator => kind != Who::Agent,
                };
                // review-count runs its operator reports for the acting agent's group; usage
                // reads as either, and its `--record` acts as the agent (`job_as`).
                let reports =
                    def.name == "review-count" || (def.name, *op) == ("usage", "record_usage");
                assert!(
                    fits || reports,
                    "{} acts as {:?} but runs {op} ({kind:?})",
                    def.name,
                    def.who
                );
            }
        }
    }

    #[test]
    fn command_names_are_unique_per_program() {
        for prog in programs() {
            let mut words: Vec<&str> = prog
                .all()
                .flat_map(|d| std::iter::once(d.name).chain(d.aliases.iter().copied()))
                .collect();
            let n = words.len();
            words.sort_unstable();
            words.dedup();
            assert_eq!(words.len(), n, "{} has a name twice", prog.name);
        }
    }
}
