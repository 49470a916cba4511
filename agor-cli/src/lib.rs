//! agor-cli: the `btmsg` and `bttask` commands, written once in Rust and reachable both as
//! native binaries and as the Python console scripts (which pass `sys.argv` to [`btmsg_main`]
//! and [`bttask_main`]).
//!
//! Both syntaxes work: the legacy positional one (`btmsg send bob fix the parser`,
//! `bttask status 3f2a done`) and the documented flag one (`btmsg send --to bob --content
//! "fix the parser"`, `bttask status --id 3f2a --status done --version 4`), with `--db`,
//! `--json` and `--help` accepted anywhere on the line.
//!
//! Exit codes (see `exit`): 0 ok, 1 error, 2 usage (also ambiguous id prefixes, invalid
//! values and an unset `BTMSG_AGENT_ID`), 3 version conflict / already claimed / lease lost,
//! 4 permission denied, 5 not found. Errors are one line on stderr: `btmsg: error: …`
//! (`bttask: error: …`), followed for a usage error of a known command by its usage lines.
//!
//! Both are tables (`command::CommandDef`) read by one parser (`command::Program::parse`);
//! each command builds a request of the core's catalogue (`agor_core::ops`), `run` sends it
//! through `agor_core::ops::dispatch`, `--json` prints the typed response and the text form
//! renders the core's records taken out of that same response (no trip through JSON). `ops` lists the catalogue and `call` runs any request.
//!
//! Everything printed for people goes through `terminal`, which escapes control and bidi
//! characters by construction; `--json` keeps the text (JSON-escaped).

#![warn(missing_docs)]

// Floors, lowest first; a module imports only from floors below its own:
// terminal, suggest, ids, shells, exit -> args -> error -> reply -> session -> command -> help,
// render -> synopsis -> completions, man -> dist -> btmsg, bttask (their renderers, tables and
// programs) and run (neither imports the other) -> this file. Public: the two entry points,
// and what `agor`'s own completions and man page are made with (re-exported below).
mod args;
mod btmsg;
mod bttask;
mod command;
mod completions;
mod dist;
mod error;
mod exit;
mod help;
mod ids;
mod man;
mod render;
mod reply;
mod run;
mod session;
mod shells;
mod suggest;
mod synopsis;
mod terminal;

// What `agor completions` and `agor man` (agor-mcp) describe agor with: a command table as a
// `Synopsis` of `Entry`s and their `Opt`s, read by the same two generators as btmsg's and
// bttask's. Nothing else of the parser is public.
pub use args::{Arity, Opt};
pub use completions::{script as completion_script, Shell};
pub use man::page as man_page;
pub use synopsis::{Entry, Synopsis};

use std::ffi::OsString;
use std::io::{self, Write};

use command::Program;
use error::CliError;
use render::Output;
use terminal::{say, Paint, Term};

/// Runs `btmsg` with `args` (`args[0]` is the program name) and returns the exit code.
///
/// Prints results to stdout and errors to stderr; reads only argv, the environment and the
/// database, and never exits the process, so it is safe to call from an embedding host.
pub fn btmsg_main(args: Vec<OsString>) -> i32 {
    main_with(&btmsg::PROGRAM, args)
}

/// Runs `bttask` with `args` (`args[0]` is the program name) and returns the exit code.
///
/// Same contract as [`btmsg_main`]: stdout for results, one stderr line per error, no exit.
pub fn bttask_main(args: Vec<OsString>) -> i32 {
    main_with(&bttask::PROGRAM, args)
}

/// Runs a command on the process's stdout (buffered) and stderr.
fn main_with(prog: &Program, args: Vec<OsString>) -> i32 {
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    let code = run_program(prog, args, &mut w, Paint::for_stdout(), &mut io::stderr());
    match w.flush() {
        Ok(()) => code,
        Err(e) => report_write_error(prog.name, code, e, &mut io::stderr()),
    }
}

/// Parses and executes one command line of `prog`, writing text or JSON as it asked, and
/// reports the result.
fn run_program(
    prog: &Program,
    args: Vec<OsString>,
    out: &mut dyn Write,
    paint: Paint,
    err: &mut dyn Write,
) -> i32 {
    let mut hook = false;
    let result = prog.parse(args).map_err(CliError::from).and_then(|inv| {
        hook = is_hook_event(&inv);
        let mut output = Output::new(out, inv.json, paint);
        run::execute(prog, inv, &mut output)
    });
    match result {
        Err(e) if hook && e.code() == exit::USAGE => never_block(prog.name, &e, err),
        result => report(prog.name, result, err),
    }
}

/// Whether the command line reports a coding agent's hook event (`btmsg state --hook EVENT`).
fn is_hook_event(inv: &command::Invocation) -> bool {
    use agor_core::ops::{args::SetWorkState, Request};
    matches!(
        &inv.command,
        command::Command::Run(command::Job {
            request: Request::SetWorkState(SetWorkState { hook: Some(_), .. }),
            ..
        })
    )
}

/// The one exception to exit code 2 for usage errors: to a coding agent's hooks (Claude Code)
/// exit 2 means "block the agent", so a hook event that cannot be applied (unknown event, no
/// `BTMSG_AGENT_ID`) is a warning on stderr and exit 0. Other failures keep their codes, which
/// hooks report without blocking.
fn never_block(prog: &str, e: &CliError, err: &mut dyn Write) -> i32 {
    let mut t = Term::new(err, Paint::plain());
    let _ = say!(
        &mut t,
        "{}: warning: {} (hook event ignored; a hook never blocks its agent)",
        prog,
        e.to_string()
    );
    exit::OK
}
/// Turns a command's result into its exit code, printing the error line of a failure.
fn report(prog: &str, result: Result<(), CliError>, err: &mut dyn Write) -> i32 {
    match result {
        Ok(()) => exit::OK,
        Err(CliError::Io(e)) => report_write_error(prog, exit::OK, e, err),
        Err(e) => {
            // Through the terminal path like any output: errors quote ids, names and words
            // from the command line, and escaping also keeps the message on one line.
            let mut t = Term::new(err, Paint::plain());
            let _ = say!(&mut t, "{}: error: {}", prog, e.to_string());
            if let CliError::Usage(u) = &e {
                for (i, line) in u.usage().iter().enumerate() {
                    let _ = say!(
                        &mut t,
                        "{} {}",
                        if i == 0 { "usage:" } else { "      " },
                        line
                    );
                }
            }
            e.code()
        }
    }
}

/// A reader that went away (`btmsg inbox | head -1`) is not an error; anything else is.
fn report_write_error(prog: &str, code: i32, e: io::Error, err: &mut dyn Write) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return code;
    }
    let _ = say!(
        &mut Term::new(err, Paint::plain()),
        "{}: error: {}",
        prog,
        CliError::Io(e).to_string()
    );
    exit::ERROR
}
