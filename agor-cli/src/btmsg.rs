//! The `btmsg` command: its command table, the parse of argv into a [`Command`] (legacy
//! positional and documented flag forms alike), and the execution of that command on a store.

use std::ffi::OsString;
use std::path::PathBuf;

use agor_core::{Actor, AgentStatus, NewAgent, Store};
use serde_json::json;

use crate::args::{Opt, Parsed, Scanner, UsageError};
use crate::exit::CliError;
use crate::render::{self, short_id, Output};
use crate::suggest::did_you_mean;
use crate::terminal::{self as tm, say};

/// Names the acting agent; commands marked with `*` in the help need it.
pub const AGENT_ENV: &str = "BTMSG_AGENT_ID";
/// Default session id for `ack`.
pub const SESSION_ENV: &str = "BTMSG_SESSION_ID";

const DEFAULT_HISTORY_LIMIT: u32 = 20;
const DEFAULT_FEED_LIMIT: u32 = 50;
const DEFAULT_CHANNEL_LIMIT: u32 = 30;

/// Options every command accepts, before or after the command word.
const GLOBAL: &[Opt] = &[
    Opt::value("db"),
    Opt::flag("json"),
    Opt::flag("help").short('h'),
    Opt::flag("version").short('V'),
];

/// One entry of the command table: what the parser accepts and what the help says.
#[derive(Debug)]
struct CommandDef {
    /// `send`, or `channel send` for a subcommand.
    name: &'static str,
    aliases: &'static [&'static str],
    opts: &'static [Opt],
    /// One usage line per accepted form.
    usage: &'static [&'static str],
    about: &'static str,
    /// Needs `BTMSG_AGENT_ID` (marked `*` in the help).
    acts: bool,
}

const LIMIT: Opt = Opt::value("limit");

const COMMANDS: &[CommandDef] = &[
    CommandDef {
        name: "register",
        aliases: &[],
        opts: &[
            Opt::value("id"),
            Opt::value("name"),
            Opt::value("role"),
            Opt::value("group"),
            Opt::value("tier"),
            Opt::value("model"),
            Opt::value("cwd"),
        ],
        usage: &[
            "register <id> <name> <role> <group> [--tier N] [--model M] [--cwd DIR]",
            "register --id ID --name NAME --role ROLE --group GROUP [--tier N]",
        ],
        about: "register an agent, or update it if the id exists (tier defaults from the role); \
                as the operator, or with $BTMSG_AGENT_ID set as that agent within its rights",
        acts: false,
    },
    CommandDef {
        name: "send",
        aliases: &[],
        opts: &[
            Opt::value("to"),
            Opt::value("content"),
            Opt::value("role"),
            Opt::value("pattern"),
        ],
        usage: &[
            "send <to> <message…>",
            "send --to ID --content TEXT",
            "send --role ROLE <message…>",
            "send --pattern GLOB <message…>",
        ],
        about: "send a direct message (to an id or unique prefix, every agent of a role, or ids matching a glob)",
        acts: true,
    },
    CommandDef {
        name: "broadcast",
        aliases: &[],
        opts: &[Opt::value("content")],
        usage: &["broadcast <message…>"],
        about: "send to every other agent of your group",
        acts: true,
    },
    CommandDef {
        name: "reply",
        aliases: &[],
        opts: &[Opt::value("id"), Opt::value("message-id"), Opt::value("content")],
        usage: &["reply <message-id> <message…>", "reply --id ID --content TEXT"],
        about: "reply to a message, threading it",
        acts: true,
    },
    CommandDef {
        name: "inbox",
        aliases: &[],
        opts: &[Opt::flag("all").short('a'), LIMIT],
        usage: &["inbox [--all] [--limit N]"],
        about: "unread messages oldest first, or all newest first; marks nothing read",
        acts: true,
    },
    CommandDef {
        name: "read",
        aliases: &[],
        opts: &[Opt::value("id"), Opt::value("message-id")],
        usage: &["read <message-id>", "read"],
        about: "show one message and mark it read; with no id, show all unread and mark them read",
        acts: true,
    },
    CommandDef {
        name: "peek",
        aliases: &[],
        opts: &[],
        usage: &["peek"],
        about: "show unread messages without marking them read",
        acts: true,
    },
    CommandDef {
        name: "contacts",
        aliases: &[],
        opts: &[],
        usage: &["contacts"],
        about: "agents you may message",
        acts: true,
    },
    CommandDef {
        name: "history",
        aliases: &[],
        opts: &[Opt::value("agent"), LIMIT],
        usage: &["history <agent> [--limit N]"],
        about: "your conversation with an agent, oldest first (default last 20)",
        acts: true,
    },
    CommandDef {
        name: "status",
        aliases: &[],
        opts: &[Opt::value("group")],
        usage: &["status", "status --group GROUP"],
        about: "agents of your group (or of GROUP) with status, unread count and last heartbeat",
        acts: true,
    },
    CommandDef {
        name: "allow",
        aliases: &[],
        opts: &[
            Opt::value("from"),
            Opt::value("to"),
            Opt::flag("bidirectional").short('b'),
        ],
        usage: &["allow <a> <b> [-b|--bidirectional]", "allow --from A --to B [-b]"],
        about: "let agent a message agent b (and b message a with -b); as the operator, or with \
                $BTMSG_AGENT_ID set as that agent (managers, inside their group)",
        acts: false,
    },
    CommandDef {
        name: "whoami",
        aliases: &[],
        opts: &[],
        usage: &["whoami"],
        about: "the agent you act as",
        acts: true,
    },
    CommandDef {
        name: "graph",
        aliases: &[],
        opts: &[],
        usage: &["graph"],
        about: "every edge of the contacts ACL",
        acts: false,
    },
    CommandDef {
        name: "unread",
        aliases: &[],
        opts: &[],
        usage: &["unread"],
        about: "number of unread messages",
        acts: true,
    },
    CommandDef {
        name: "notify",
        aliases: &[],
        opts: &[],
        usage: &["notify"],
        about: "one line about unread mail for prompt hooks; prints nothing when there is none",
        acts: true,
    },
    CommandDef {
        name: "feed",
        aliases: &[],
        opts: &[LIMIT, Opt::value("group")],
        usage: &["feed [--limit N] [--group GROUP]"],
        about: "newest messages of a group, newest first (tier 0 only; default 50)",
        acts: true,
    },
    CommandDef {
        name: "channel create",
        aliases: &[],
        opts: &[Opt::value("name")],
        usage: &["channel create <name>"],
        about: "create a channel in your group and join it (managers)",
        acts: true,
    },
    CommandDef {
        name: "channel list",
        aliases: &["channels"],
        opts: &[],
        usage: &["channel list", "channels"],
        about: "channels with member counts and last post",
        acts: true,
    },
    CommandDef {
        name: "channel send",
        aliases: &["channel post", "channel-post"],
        opts: &[Opt::value("channel"), Opt::value("content")],
        usage: &[
            "channel send <channel> <message…>",
            "channel-post --channel NAME --content TEXT",
        ],
        about: "post to a channel you belong to (by name or id)",
        acts: true,
    },
    CommandDef {
        name: "channel history",
        aliases: &[],
        opts: &[Opt::value("channel"), LIMIT],
        usage: &["channel history <channel> [--limit N]"],
        about: "last posts of a channel, oldest first (default 30)",
        acts: true,
    },
    CommandDef {
        name: "channel add",
        aliases: &[],
        opts: &[Opt::value("channel"), Opt::value("agent")],
        usage: &["channel add <channel> <agent>"],
        about: "add an agent to a channel (managers and the channel's creator)",
        acts: true,
    },
    CommandDef {
        name: "heartbeat",
        aliases: &[],
        opts: &[],
        usage: &["heartbeat"],
        about: "record that you are alive; redelivers dead letters waiting for you",
        acts: true,
    },
    CommandDef {
        name: "ack",
        aliases: &[],
        opts: &[
            Opt::value("message-id"),
            Opt::value("id"),
            Opt::value("session"),
        ],
        usage: &["ack <message-id> [--session S]", "ack --message-id ID [--session S]"],
        about: "record that a session has seen a message (session: --session, else $BTMSG_SESSION_ID, else \"default\")",
        acts: true,
    },
    CommandDef {
        name: "dead-letters",
        aliases: &[],
        opts: &[Opt::optional_value("redeliver"), Opt::optional_value("clear")],
        usage: &["dead-letters", "dead-letters --redeliver [ID]", "dead-letters --clear [ID]"],
        about: "list undeliverable messages you may act on, redeliver them, or clear them",
        acts: true,
    },
    CommandDef {
        name: "stale",
        aliases: &[],
        opts: &[Opt::value("threshold")],
        usage: &["stale [--threshold SECONDS]"],
        about: "agents whose last heartbeat is older than the threshold (default 300)",
        acts: false,
    },
    CommandDef {
        name: "set-status",
        aliases: &[],
        opts: &[Opt::value("status"), Opt::value("agent")],
        usage: &["set-status <active|sleeping|stopped> [<agent>]"],
        about: "set your status, or another agent's (managers)",
        acts: true,
    },
    CommandDef {
        name: "delete",
        aliases: &[],
        opts: &[Opt::value("id"), Opt::value("message-id")],
        usage: &["delete <message-id>"],
        about: "delete a direct message (managers)",
        acts: true,
    },
    CommandDef {
        name: "backup",
        aliases: &[],
        opts: &[Opt::value("file")],
        usage: &["backup <file>", "backup --file FILE"],
        about: "write a consistent copy of the database to a new FILE (not `cp`: recent commits sit in -wal)",
        acts: false,
    },
];

/// Who receives a `send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Agent(String),
    Role(String),
    Pattern(String),
    Group,
}

/// What `dead-letters` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadLetterAction {
    List,
    Redeliver(Option<i64>),
    Clear(Option<i64>),
}

/// A parsed `btmsg` command, before any environment or database is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Help on everything (`None`) or on one command or command group.
    Help(Option<String>),
    Version,
    Register(NewAgent),
    Send {
        to: Target,
        content: String,
    },
    Reply {
        id: String,
        content: String,
    },
    Inbox {
        all: bool,
        limit: Option<u32>,
    },
    Read {
        id: Option<String>,
    },
    Peek,
    Contacts,
    History {
        agent: String,
        limit: u32,
    },
    Status {
        group: Option<String>,
    },
    Allow {
        from: String,
        to: String,
        bidirectional: bool,
    },
    Whoami,
    Graph,
    Unread,
    Notify,
    Feed {
        limit: u32,
        group: Option<String>,
    },
    ChannelCreate {
        name: String,
    },
    ChannelList,
    ChannelSend {
        channel: String,
        content: String,
    },
    ChannelHistory {
        channel: String,
        limit: u32,
    },
    ChannelAdd {
        channel: String,
        agent: String,
    },
    Heartbeat,
    Ack {
        id: String,
        session: Option<String>,
    },
    DeadLetters(DeadLetterAction),
    Stale {
        threshold: Option<i64>,
    },
    SetStatus {
        status: String,
        agent: Option<String>,
    },
    Delete {
        id: String,
    },
    Backup {
        file: String,
    },
}

impl Command {
    /// True when the command acts as `$BTMSG_AGENT_ID`.
    fn needs_actor(&self) -> bool {
        !matches!(self, Command::Help(_) | Command::Version) && !self.operator_may_run()
    }

    /// Commands the operator runs to set the team up, without an agent identity. With
    /// `$BTMSG_AGENT_ID` set they act as that agent instead, within its rights: an agent
    /// in a shell cannot register itself as admin or grant itself contacts.
    fn operator_may_run(&self) -> bool {
        matches!(
            self,
            Command::Register(_)
                | Command::Allow { .. }
                | Command::Graph
                | Command::Stale { .. }
                | Command::Status { group: Some(_) }
                | Command::Backup { .. }
        )
    }
}

/// A whole command line: where the database is, how to print, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub db: Option<PathBuf>,
    pub json: bool,
    pub command: Command,
}

enum Lookup {
    Command(&'static CommandDef),
    /// A word such as `channel` that needs a subcommand.
    Group(&'static str),
    Unknown,
}

fn lookup(words: &str) -> Lookup {
    if let Some(def) = COMMANDS
        .iter()
        .find(|d| d.name == words || d.aliases.contains(&words))
    {
        return Lookup::Command(def);
    }
    match COMMANDS
        .iter()
        .find(|d| d.name.split_once(' ').is_some_and(|(g, _)| g == words))
    {
        Some(def) => Lookup::Group(def.name.split_once(' ').map_or(def.name, |(g, _)| g)),
        None => Lookup::Unknown,
    }
}

fn subcommands(group: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter_map(|d| d.name.strip_prefix(group)?.strip_prefix(' '))
        .collect()
}

/// Parses argv (`args[0]` is the program name) into an [`Invocation`].
pub fn parse(args: Vec<OsString>) -> Result<Invocation, UsageError> {
    let mut p = Parsed::default();
    let mut scanner = Scanner::new(args.into_iter().skip(1));
    let first = scanner.next_word(&[GLOBAL], &mut p)?;
    let first = first
        .map(|w| {
            w.into_string()
                .map_err(|_| UsageError::new("the command name is not valid UTF-8"))
        })
        .transpose()?;
    let command = match first.as_deref() {
        None if p.flag("version") => Command::Version,
        None if p.flag("help") => Command::Help(None),
        None => return Err(UsageError::new("missing command; run `btmsg --help`")),
        Some("help") => {
            scanner.rest(&[GLOBAL], &mut p)?;
            let mut topic = Vec::new();
            while let Some(w) = p.positional("the help topic")? {
                topic.push(w);
            }
            Command::Help((!topic.is_empty()).then(|| topic.join(" ")))
        }
        Some(word) => {
            let def = match lookup(word) {
                Lookup::Command(def) => def,
                Lookup::Group(group) => {
                    let sub = scanner.next_word(&[GLOBAL], &mut p)?;
                    let Some(sub) = sub.map(|s| s.to_string_lossy().into_owned()) else {
                        if p.flag("help") {
                            return finish_help(p, Some(group.to_owned()));
                        }
                        return Err(UsageError::new(format!(
                            "missing {group} subcommand ({})",
                            subcommands(group).join(", ")
                        )));
                    };
                    match lookup(&format!("{group} {sub}")) {
                        Lookup::Command(def) => def,
                        _ => {
                            let subs = subcommands(group);
                            return Err(UsageError::new(format!(
                                "unknown {group} subcommand '{sub}'{}",
                                did_you_mean(
                                    &sub,
                                    subs.iter().copied(),
                                    &format!(" (expected {})", subs.join(", "))
                                ),
                            )));
                        }
                    }
                }
                Lookup::Unknown => {
                    return Err(UsageError::new(format!(
                        "unknown command '{word}'{}",
                        did_you_mean(word, command_words(), "; run `btmsg --help`")
                    )))
                }
            };
            return command_line(def, scanner, p).map_err(|e| e.with_usage("btmsg", def.usage));
        }
    };
    finish(p, command)
}

/// Every word that may start a command line, for "did you mean".
fn command_words() -> impl Iterator<Item = &'static str> {
    let firsts = COMMANDS.iter().flat_map(|d| {
        std::iter::once(d.name)
            .chain(d.aliases.iter().copied())
            .map(|n| n.split(' ').next().unwrap_or(n))
    });
    std::iter::once("help").chain(firsts)
}

/// The rest of the line once the command is known: its options and arguments, or its help.
fn command_line(
    def: &CommandDef,
    mut scanner: Scanner,
    mut p: Parsed,
) -> Result<Invocation, UsageError> {
    scanner.rest(&[GLOBAL, def.opts], &mut p)?;
    if p.flag("help") {
        return finish_help(p, Some(def.name.to_owned()));
    }
    let command = build(def, &mut p)?;
    finish(p, command)
}

fn finish_help(p: Parsed, topic: Option<String>) -> Result<Invocation, UsageError> {
    // Help ignores the rest of the line, so `btmsg send --help` works without its arguments.
    Ok(Invocation {
        db: None,
        json: p.flag("json"),
        command: Command::Help(topic),
    })
}

fn finish(mut p: Parsed, command: Command) -> Result<Invocation, UsageError> {
    let (db, json) = db_and_json(&mut p)?;
    p.finish()?;
    Ok(Invocation { db, json, command })
}

/// The `--db` path (never empty) and the `--json` switch, which every agor command takes.
pub(crate) fn db_and_json(p: &mut Parsed) -> Result<(Option<PathBuf>, bool), UsageError> {
    let db = p.value_os("db").map(PathBuf::from);
    if db.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
        return Err(UsageError::new("--db must not be empty"));
    }
    Ok((db, p.flag("json")))
}

fn limit(p: &mut Parsed) -> Result<Option<u32>, UsageError> {
    match p.number::<u32>("limit", "a positive number")? {
        Some(0) => Err(UsageError::new(
            "--limit must be a positive number, not '0'",
        )),
        other => Ok(other),
    }
}

fn dead_letter_id(p: &mut Parsed, long: &str) -> Result<Option<i64>, UsageError> {
    match p.value(long)? {
        None => Ok(None),
        Some(v) => v.trim_start_matches('#').parse().map(Some).map_err(|_| {
            UsageError::new(format!("--{long} takes a dead-letter number, not '{v}'"))
        }),
    }
}

/// Builds the command from what the scanner collected; both syntaxes meet here, since every
/// field may come from its flag or from the next positional.
fn build(def: &CommandDef, p: &mut Parsed) -> Result<Command, UsageError> {
    const MSG: &str = "message text";
    Ok(match def.name {
        "register" => {
            let id = p.required(&["id"], "agent id")?;
            let name = p.required(&["name"], "agent name")?;
            let role = p.required(&["role"], "role")?;
            let group = p.required(&["group"], "group")?;
            Command::Register(NewAgent {
                id,
                name,
                role,
                group,
                tier: p.number("tier", "0, 1 or 2")?,
                model: p.value("model")?,
                cwd: p.value("cwd")?,
            })
        }
        "send" => {
            let role = p.value("role")?;
            let pattern = p.value("pattern")?;
            let to = match (role, pattern, p.flag("to")) {
                (Some(r), None, false) => Target::Role(r),
                (None, Some(g), false) => Target::Pattern(g),
                (None, None, _) => Target::Agent(p.required(&["to"], "recipient")?),
                _ => return Err(UsageError::new("give one of --to, --role and --pattern")),
            };
            Command::Send {
                to,
                content: p.text("content", MSG)?,
            }
        }
        "broadcast" => Command::Send {
            to: Target::Group,
            content: p.text("content", MSG)?,
        },
        "reply" => Command::Reply {
            id: p.required(&["id", "message-id"], "message id")?,
            content: p.text("content", MSG)?,
        },
        "inbox" => Command::Inbox {
            all: p.flag("all"),
            limit: limit(p)?,
        },
        "read" => Command::Read {
            id: p.field(&["id", "message-id"], "message id")?,
        },
        "peek" => Command::Peek,
        "contacts" => Command::Contacts,
        "history" => Command::History {
            agent: p.required(&["agent"], "agent id")?,
            limit: limit(p)?.unwrap_or(DEFAULT_HISTORY_LIMIT),
        },
        "status" => Command::Status {
            group: p.value("group")?,
        },
        "allow" => Command::Allow {
            from: p.required(&["from"], "agent that may send")?,
            to: p.required(&["to"], "agent that may receive")?,
            bidirectional: p.flag("bidirectional"),
        },
        "whoami" => Command::Whoami,
        "graph" => Command::Graph,
        "unread" => Command::Unread,
        "notify" => Command::Notify,
        "feed" => Command::Feed {
            limit: limit(p)?.unwrap_or(DEFAULT_FEED_LIMIT),
            group: p.value("group")?,
        },
        "channel create" => Command::ChannelCreate {
            name: p.required(&["name"], "channel name")?,
        },
        "channel list" => Command::ChannelList,
        "channel send" => Command::ChannelSend {
            channel: p.required(&["channel"], "channel")?,
            content: p.text("content", MSG)?,
        },
        "channel history" => Command::ChannelHistory {
            channel: p.required(&["channel"], "channel")?,
            limit: limit(p)?.unwrap_or(DEFAULT_CHANNEL_LIMIT),
        },
        "channel add" => Command::ChannelAdd {
            channel: p.required(&["channel"], "channel")?,
            agent: p.required(&["agent"], "agent id")?,
        },
        "heartbeat" => Command::Heartbeat,
        "ack" => Command::Ack {
            id: p.required(&["message-id", "id"], "message id (--message-id)")?,
            session: p.value("session")?,
        },
        "dead-letters" => {
            let redeliver = p.flag("redeliver");
            let clear = p.flag("clear");
            Command::DeadLetters(match (redeliver, clear) {
                (true, true) => {
                    return Err(UsageError::new("give --redeliver or --clear, not both"))
                }
                (true, false) => DeadLetterAction::Redeliver(dead_letter_id(p, "redeliver")?),
                (false, true) => DeadLetterAction::Clear(dead_letter_id(p, "clear")?),
                (false, false) => DeadLetterAction::List,
            })
        }
        "stale" => Command::Stale {
            threshold: p.number("threshold", "a number of seconds")?,
        },
        "set-status" => Command::SetStatus {
            status: p.required(&["status"], "status (active, sleeping or stopped)")?,
            agent: p.field(&["agent"], "agent id")?,
        },
        "delete" => Command::Delete {
            id: p.required(&["id", "message-id"], "message id")?,
        },
        "backup" => Command::Backup {
            file: p.required(&["file"], "backup file")?,
        },
        other => unreachable!("command table entry '{other}' has no builder"),
    })
}

/// The full help text, or the help of one command or command group.
pub fn help(topic: Option<&str>) -> Result<String, UsageError> {
    let Some(topic) = topic else {
        return Ok(overview());
    };
    let defs: Vec<&CommandDef> = match lookup(topic) {
        Lookup::Command(def) => vec![def],
        Lookup::Group(group) => COMMANDS
            .iter()
            .filter(|d| {
                d.name
                    .strip_prefix(group)
                    .is_some_and(|r| r.starts_with(' '))
            })
            .collect(),
        Lookup::Unknown => {
            return Err(UsageError::new(format!(
                "no help for unknown command '{topic}'{}",
                did_you_mean(topic, command_words(), "; run `btmsg --help`")
            )))
        }
    };
    let mut s = String::new();
    for def in defs {
        if !s.is_empty() {
            s.push('\n');
        }
        for line in def.usage {
            s += &format!("usage: btmsg {line}\n");
        }
        s += &format!("  {}\n", def.about);
        if !def.aliases.is_empty() {
            s += &format!("  also spelled: {}\n", def.aliases.join(", "));
        }
        if def.acts {
            s += &format!("  acts as ${AGENT_ENV}\n");
        }
    }
    s += "\nGlobal options: --db PATH, --json, -h/--help. Run `btmsg --help` for exit codes.\n";
    Ok(s)
}

fn overview() -> String {
    let mut s = String::from(
        "btmsg: direct messages, channels and liveness for a team of agents sharing one agor database\n\n\
         usage: btmsg [--db PATH] [--json] <command> [arguments]\n\n\
         Commands (* acts as $BTMSG_AGENT_ID); legacy positional and --flag forms both work:\n",
    );
    for def in COMMANDS {
        let mark = if def.acts { '*' } else { ' ' };
        s += &format!("{mark} {}\n", def.usage[0]);
        for more in &def.usage[1..] {
            s += &format!("  {more}\n");
        }
        s += &format!("      {}\n", def.about);
    }
    s += "\n\
Global options (accepted before or after the command):
  --db PATH      database file (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db)
  --json         print the result as one JSON document on stdout
  -h, --help     this help; `btmsg <command> --help` for one command
  -V, --version  print the version
  --             end of options: what follows is text even if it starts with '-'

Environment:
  BTMSG_AGENT_ID    the agent you act as
  BTMSG_SESSION_ID  default session for `ack`
  AGOR_DB           database path when --db is not given
  NO_COLOR          no colour (colour is only ever used when stdout is a terminal)

Exit codes:
  0  ok
  1  error: storage, database busy, schema, read-only file, or recipient unavailable
     (the message was kept as a dead letter; the error line gives its number)
  2  usage: bad arguments or values, ambiguous id prefix, BTMSG_AGENT_ID not set
  3  version conflict, already claimed, or lease lost
  4  permission denied
  5  not found (agent, message, channel, dead letter)
Errors are printed to stderr as one line starting with `btmsg: error:`.
";
    s
}

/// Reads `$BTMSG_AGENT_ID` when it is set; unset or empty means the operator.
fn optional_agent_from_env() -> Result<Option<String>, CliError> {
    match agent_from_env() {
        Ok(id) => Ok(Some(id)),
        Err(_) if std::env::var_os(AGENT_ENV).map_or(true, |v| v.is_empty()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads `$BTMSG_AGENT_ID`; unset or empty is a usage error that says how to fix it.
pub(crate) fn agent_from_env() -> Result<String, CliError> {
    match std::env::var(AGENT_ENV) {
        Ok(id) if !id.is_empty() => Ok(id),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(UsageError::new(format!(
            "{AGENT_ENV} is not set; export {AGENT_ENV}=<your agent id> (see `btmsg register`)"
        ))
        .into()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(UsageError::new(format!("{AGENT_ENV} is not valid UTF-8")).into())
        }
    }
}

/// Session used by `ack` when neither `--session` nor `$BTMSG_SESSION_ID` names one, so the
/// documented `btmsg ack --message-id ID` works on its own.
pub const DEFAULT_SESSION: &str = "default";

fn session_from_env(given: Option<String>) -> Result<String, CliError> {
    if let Some(s) = given {
        return Ok(s);
    }
    match std::env::var(SESSION_ENV) {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => Ok(DEFAULT_SESSION.to_owned()),
    }
}

/// The `--db` file, else `$AGOR_DB`, else the default path.
pub(crate) fn open_store(db: Option<PathBuf>) -> Result<Store, CliError> {
    Ok(match db {
        Some(path) => Store::open(path)?,
        None => Store::open_default()?,
    })
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs a parsed invocation, writing its result to `out`.
pub fn execute(inv: Invocation, out: &mut Output<'_>) -> Result<(), CliError> {
    let command = inv.command;
    match &command {
        Command::Help(topic) => {
            let text = help(topic.as_deref())?;
            return Ok(out.text(|t| t.lines("", &text))?);
        }
        Command::Version => {
            return Ok(out.text(|t| say!(t, "btmsg {}", env!("CARGO_PKG_VERSION")))?);
        }
        _ => {}
    }
    // Environment problems are reported before the database is touched.
    let me = if command.needs_actor() {
        Some(agent_from_env()?)
    } else if command.operator_may_run() {
        optional_agent_from_env()?
    } else {
        None
    };
    let session = match &command {
        Command::Ack { session, .. } => Some(session_from_env(session.clone())?),
        _ => None,
    };
    let store = open_store(inv.db)?;
    let acting = me.map(|id| store.as_agent(&id)).transpose()?;
    run(command, &store, acting.as_ref(), session, out)
}

fn run(
    command: Command,
    store: &Store,
    acting: Option<&Actor>,
    session: Option<String>,
    out: &mut Output<'_>,
) -> Result<(), CliError> {
    let actor = || acting.expect("needs_actor() covers this command");
    let stale_after = store.stale_after().as_secs() as i64;
    match command {
        Command::Help(_) | Command::Version => unreachable!("handled before opening the store"),
        Command::Register(new) => {
            let a = match acting {
                Some(me) => me.register_agent(&new)?,
                None => store.register_agent(&new)?,
            };
            out.emit(&a, |t| {
                say!(
                    t,
                    "registered {} ({}), role {}, group {}, tier {}",
                    tm::name(&a.id),
                    &a.name,
                    &a.role,
                    &a.group_id,
                    a.tier
                )
            })?;
        }
        Command::Send {
            to: Target::Agent(to),
            content,
        } => {
            let m = actor().send(&to, &content)?;
            out.emit(&m, |t| {
                say!(
                    t,
                    "sent {} to {}",
                    tm::id(short_id(&m.id)),
                    tm::name(&m.to_agent)
                )
            })?;
        }
        Command::Send { to, content } => {
            let me = actor();
            let d = match to {
                Target::Role(r) => me.send_to_role(&r, &content)?,
                Target::Pattern(g) => me.send_to_pattern(&g, &content)?,
                Target::Group => me.broadcast(&content)?,
                Target::Agent(_) => unreachable!("matched above"),
            };
            out.emit(&d, |t| render::delivery(t, &d))?;
        }
        Command::Reply { id, content } => {
            let m = actor().reply(&id, &content)?;
            out.emit(&m, |t| {
                say!(
                    t,
                    "replied {} to {}",
                    tm::id(short_id(&m.id)),
                    tm::name(&m.to_agent)
                )
            })?;
        }
        Command::Inbox { all, limit } => {
            let msgs = actor().inbox(all, limit)?;
            let empty = if all {
                "inbox is empty"
            } else {
                "no unread messages"
            };
            out.emit(&msgs, |t| render::messages(t, &msgs, empty))?;
        }
        Command::Read { id: Some(id) } => {
            let m = actor().read(&id)?;
            out.emit(&m, |t| render::message(t, &m))?;
        }
        Command::Read { id: None } => {
            let msgs = actor().read_unread()?;
            out.emit(&msgs, |t| render::messages(t, &msgs, "no unread messages"))?;
        }
        Command::Peek => {
            let msgs = actor().peek()?;
            out.emit(&msgs, |t| render::messages(t, &msgs, "no unread messages"))?;
        }
        Command::Contacts => {
            let agents = actor().contacts()?;
            out.emit(&agents, |t| {
                render::agents(t, &agents, unix_now(), stale_after)
            })?;
        }
        Command::History { agent, limit } => {
            let msgs = actor().history(&agent, limit)?;
            out.emit(&msgs, |t| render::messages(t, &msgs, "no messages yet"))?;
        }
        Command::Status { group } => {
            let agents = match (group, acting) {
                (Some(g), None) => store.list_agents(Some(&g))?,
                // An agent sees only what its own scope holds, whatever group it names.
                (Some(g), Some(me)) => {
                    let mut agents = me.list_agents()?;
                    agents.retain(|a| a.group_id == g);
                    agents
                }
                (None, _) => actor().list_agents()?,
            };
            out.emit(&agents, |t| {
                render::agents(t, &agents, unix_now(), stale_after)
            })?;
        }
        Command::Allow {
            from,
            to,
            bidirectional,
        } => {
            match acting {
                Some(me) => me.allow(&from, &to, bidirectional)?,
                None => store.allow(&from, &to, bidirectional)?,
            }
            let arrow = if bidirectional { "<->" } else { "->" };
            out.emit(
                &json!({ "from": from, "to": to, "bidirectional": bidirectional }),
                |t| say!(t, "allowed {} {} {}", tm::name(&from), arrow, tm::name(&to)),
            )?;
        }
        Command::Whoami => {
            let a = actor().whoami()?;
            out.emit(&a, |t| render::agent(t, &a))?;
        }
        Command::Graph => {
            let edges = match acting {
                Some(me) => me.contact_graph()?,
                None => store.contact_graph()?,
            };
            out.emit(&edges, |t| {
                if edges.is_empty() {
                    return say!(t, "{}", tm::dim("no contacts"));
                }
                let has =
                    |a: &str, b: &str| edges.iter().any(|e| e.agent_id == a && e.contact_id == b);
                for e in &edges {
                    let (a, b) = (e.agent_id.as_str(), e.contact_id.as_str());
                    // A pair that goes both ways is printed once, from its smaller id.
                    match (has(b, a), a < b) {
                        (true, true) => say!(t, "{} <-> {}", tm::name(a), tm::name(b))?,
                        (true, false) => {}
                        (false, _) => say!(t, "{} -> {}", tm::name(a), tm::name(b))?,
                    }
                }
                Ok(())
            })?;
        }
        Command::Unread => {
            let n = actor().unread_count()?;
            out.emit(&json!({ "unread": n }), |t| say!(t, "{}", n))?;
        }
        Command::Notify => {
            let line = actor().notify()?;
            out.emit(&json!({ "summary": line }), |t| match &line {
                Some(l) => say!(t, "{}", l),
                None => Ok(()),
            })?;
        }
        Command::Feed { limit, group } => {
            let msgs = actor().feed(group.as_deref(), limit)?;
            out.emit(&msgs, |t| {
                render::messages(t, &msgs, "no messages in the group")
            })?;
        }
        Command::ChannelCreate { name } => {
            let c = actor().create_channel(&name)?;
            out.emit(&c, |t| {
                say!(
                    t,
                    "created {} ({})",
                    tm::name(format!("#{}", c.name)),
                    tm::id(short_id(&c.id))
                )
            })?;
        }
        Command::ChannelList => {
            let chans = actor().list_channels()?;
            out.emit(&chans, |t| render::channels(t, &chans))?;
        }
        Command::ChannelSend { channel, content } => {
            let post = actor().post(&channel, &content)?;
            out.emit(&post, |t| {
                say!(
                    t,
                    "posted {} to {}",
                    tm::id(short_id(&post.id)),
                    tm::name(&channel)
                )
            })?;
        }
        Command::ChannelHistory { channel, limit } => {
            let posts = actor().channel_history(&channel, limit)?;
            out.emit(&posts, |t| render::posts(t, &posts))?;
        }
        Command::ChannelAdd { channel, agent } => {
            let c = actor().add_member(&channel, &agent)?;
            out.emit(&c, |t| {
                say!(
                    t,
                    "{} is in {} ({} members)",
                    tm::name(&agent),
                    tm::name(format!("#{}", c.name)),
                    c.member_count
                )
            })?;
        }
        Command::Heartbeat => {
            let hb = actor().heartbeat()?;
            out.emit(&hb, |t| {
                say!(t, "heartbeat recorded for {}", tm::name(&hb.agent_id))?;
                if !hb.redelivered.is_empty() {
                    say!(
                        t,
                        "{} dead letter(s) redelivered to your inbox",
                        hb.redelivered.len()
                    )?;
                }
                Ok(())
            })?;
        }
        Command::Ack { id, .. } => {
            let session = session.expect("resolved in execute()");
            let new = actor().ack(&id, &session)?;
            let acked = json!({ "message_id": id, "session_id": session, "new": new });
            out.emit(&acked, |t| {
                let what = if new {
                    "acknowledged"
                } else {
                    "already acknowledged"
                };
                say!(t, "{} {} for session {}", what, tm::id(&id), &session)
            })?;
        }
        Command::DeadLetters(DeadLetterAction::List) => {
            let letters = actor().dead_letters()?;
            out.emit(&letters, |t| render::dead_letters(t, &letters))?;
        }
        Command::DeadLetters(DeadLetterAction::Redeliver(id)) => {
            let msgs = actor().redeliver_dead_letters(id)?;
            out.emit(&msgs, |t| {
                say!(t, "redelivered {} dead letter(s)", msgs.len())?;
                if msgs.is_empty() {
                    return Ok(());
                }
                render::messages(t, &msgs, "")
            })?;
        }
        Command::DeadLetters(DeadLetterAction::Clear(id)) => {
            let n = actor().clear_dead_letters(id)? as i64;
            out.emit(&json!({ "cleared": n }), |t| {
                say!(t, "cleared {} dead letter(s)", n)
            })?;
        }
        Command::Stale { threshold } => {
            let stale = store.stale_agents(threshold)?;
            out.emit(&stale, |t| {
                if stale.is_empty() {
                    return say!(t, "{}", tm::dim("no stale agents"));
                }
                for s in &stale {
                    say!(
                        t,
                        "{} silent for {}",
                        tm::name(&s.agent_id),
                        render::age(s.silent_secs)
                    )?;
                }
                Ok(())
            })?;
        }
        Command::SetStatus { status, agent } => {
            let status: AgentStatus = status.parse()?;
            let me = actor();
            let a = me.set_status(agent.as_deref().unwrap_or(me.id()), status)?;
            out.emit(&a, |t| say!(t, "{} is {}", tm::name(&a.id), &a.status))?;
        }
        Command::Delete { id } => {
            actor().delete_message(&id)?;
            out.emit(&json!({ "deleted": id }), |t| {
                say!(t, "deleted message {}", tm::id(&id))
            })?;
        }
        Command::Backup { file } => {
            let written = store.backup(&file)?.to_string_lossy().into_owned();
            out.emit(&json!({ "backup": written }), |t| {
                say!(t, "backup written to {}", tm::bold(&written))
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
