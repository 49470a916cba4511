//! `agor completions SHELL` and `agor man`: agor's command table, read by the same generators
//! as `btmsg`'s and `bttask`'s ([`agor_cli::completion_script`], [`agor_cli::man_page`]).

use std::ffi::OsString;

use agor_cli::{completion_script, man_page, Entry, Opt, Shell, Synopsis};

use crate::args::USAGE;
use crate::init::INIT_USAGE;

/// The options of `agor mcp`, as [`Opt::list`] reads them (checked against [`USAGE`]).
const MCP_OPTS: &str = "db= agent= profile= http= allow-origin=* max-request-bytes= \
                        max-connections= max-sessions= max-sessions-per-agent= \
                        header-timeout= session-timeout= stale-after=";
/// The options of `agor serve` (checked against [`USAGE`]): `agor mcp`'s but `--agent` and
/// `--profile` (each request names its principal).
const SERVE_OPTS: &str = "db= http= allow-origin=* max-request-bytes= max-connections= \
                          max-sessions= max-sessions-per-agent= header-timeout= session-timeout= \
                          stale-after=";
/// The options of `agor init` (checked against [`INIT_USAGE`]).
const INIT_OPTS: &str = "agent= db= dir= role=* http= issue-secret force";

/// `agor` as its completions and man page describe it.
pub fn synopsis() -> Synopsis {
    let entry = |name, usage: &[&str], about: &str, opts| Entry {
        name,
        aliases: &[],
        usage: usage.iter().map(|u| u.to_string()).collect(),
        about: about.to_owned(),
        opts: Opt::list(opts),
    };
    Synopsis {
        name: "agor",
        about: "serve agor's operations to coding agents as MCP tools, and the team's page"
            .to_owned(),
        commands: vec![
            entry(
                "mcp",
                &[
                    "mcp [--db PATH|URL] [--agent ID] [--profile P]",
                    "mcp --http ADDR [BOUNDS]",
                ],
                "serve the catalogue as MCP tools over stdio (one agent) or streamable HTTP",
                MCP_OPTS,
            ),
            entry(
                "serve",
                &["serve [--db PATH|URL] [--http ADDR] [BOUNDS] [--allow-origin ORIGIN]..."],
                "serve the team's web page, the HTTP API (/api), the event stream (/events) and \
                 /mcp in one process",
                SERVE_OPTS,
            ),
            entry(
                "init",
                &["init --agent ID [--db PATH|URL] [--dir DIR] [--role ROLE] [--http URL]"],
                "write the files a coding agent needs to join the team, into its folder",
                INIT_OPTS,
            ),
            entry(
                "completions",
                &["completions <bash|zsh|fish>"],
                "print agor's completion script for bash, zsh or fish",
                "",
            ),
            entry("man", &["man"], "print agor's man page (roff)", ""),
        ],
        global: Opt::list("help/h"),
        top: Opt::list("version/V"),
        reference: format!("{USAGE}\n{INIT_USAGE}"),
    }
}

/// Runs `agor completions SHELL` or `agor man` (`None` for any other command line).
pub fn main(argv: &[OsString]) -> Option<i32> {
    let text = match argv.get(1)?.to_str()? {
        "completions" => match argv.get(2).and_then(|s| Shell::parse(s.to_str()?)) {
            Some(shell) if argv.len() == 3 => completion_script(&synopsis(), shell),
            _ => {
                eprintln!("agor: usage: agor completions bash|zsh|fish");
                return Some(2);
            }
        },
        "man" if argv.len() == 2 => man_page(&synopsis()),
        _ => return None,
    };
    print!("{text}");
    Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's options are the ones the help documents (and the parsers take), so the
    /// completions and the man page cannot offer an option that does not exist.
    #[test]
    fn every_option_of_the_table_is_in_the_help() {
        for (opts, help) in [
            (MCP_OPTS, USAGE),
            (SERVE_OPTS, USAGE),
            (INIT_OPTS, INIT_USAGE),
        ] {
            for o in Opt::list(opts) {
                assert!(
                    help.contains(&format!("--{} ", o.long))
                        || help.contains(&format!("--{}]", o.long)),
                    "--{} is not in the help",
                    o.long
                );
            }
        }
    }
}
