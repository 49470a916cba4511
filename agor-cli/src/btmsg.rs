//! The `btmsg` command: its command table, the parse of argv into a [`Command`] (legacy
//! positional and documented flag forms alike), and the execution of that command on a store.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use agor_core::{Actor, AgentStatus, Delivery, NewAgent, Store};
use serde_json::json;

use crate::args::{Opt, Parsed, Scanner, UsageError};
use crate::exit::CliError;
use crate::render::{self, short_id, Output};

/// Names the acting agent; commands marked with `*` in the help need it.
pub const AGENT_ENV: &str = "BTMSG_AGENT_ID";
/// Default session id for `ack`.
pub const SESSION_ENV: &str = "BTMSG_SESSION_ID";

use agor_core::{
    DEFAULT_CHANNEL_HISTORY_LIMIT as DEFAULT_CHANNEL_LIMIT, DEFAULT_FEED_LIMIT,
    DEFAULT_HISTORY_LIMIT,
};

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
        about: "register an agent, or update it if the id exists (tier defaults from the role)",
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
        about: "unread messages oldest first, or all newest first; marks nothing read \
                (--limit 1-10000; default all)",
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
        about: "your conversation with an agent, oldest first (--limit 1-10000; default 20)",
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
        about: "let agent a message agent b (and b message a with -b)",
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
        about: "newest messages of a group, newest first (tier 0 only; --limit 1-10000; \
                default 50)",
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
        about: "last posts of a channel, oldest first (--limit 1-10000; default 30)",
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
}

impl Command {
    /// True when the command acts as `$BTMSG_AGENT_ID`.
    fn needs_actor(&self) -> bool {
        !matches!(
            self,
            Command::Help(_)
                | Command::Version
                | Command::Register(_)
                | Command::Allow { .. }
                | Command::Graph
                | Command::Stale { .. }
                | Command::Status { group: Some(_) }
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
                .map_err(|_| UsageError("the command name is not valid UTF-8".into()))
        })
        .transpose()?;
    let command = match first.as_deref() {
        None if p.flag("version") => Command::Version,
        None if p.flag("help") => Command::Help(None),
        None => return Err(UsageError("missing command; run `btmsg --help`".into())),
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
                        return Err(UsageError(format!(
                            "missing {group} subcommand ({})",
                            subcommands(group).join(", ")
                        )));
                    };
                    match lookup(&format!("{group} {sub}")) {
                        Lookup::Command(def) => def,
                        _ => {
                            return Err(UsageError(format!(
                                "unknown {group} subcommand '{sub}' (expected {})",
                                subcommands(group).join(", ")
                            )))
                        }
                    }
                }
                Lookup::Unknown => {
                    return Err(UsageError(format!(
                        "unknown command '{word}'; run `btmsg --help`"
                    )))
                }
            };
            scanner.rest(&[GLOBAL, def.opts], &mut p)?;
            if p.flag("help") {
                return finish_help(p, Some(def.name.to_owned()));
            }
            build(def, &mut p)?
        }
    };
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
        return Err(UsageError("--db must not be empty".into()));
    }
    Ok((db, p.flag("json")))
}

fn limit(p: &mut Parsed) -> Result<Option<u32>, UsageError> {
    p.count("limit", agor_core::Count::Limit)
}

fn dead_letter_id(p: &mut Parsed, long: &str) -> Result<Option<i64>, UsageError> {
    match p.value(long)? {
        None => Ok(None),
        Some(v) => v
            .trim_start_matches('#')
            .parse()
            .map(Some)
            .map_err(|_| UsageError(format!("--{long} takes a dead-letter number, not '{v}'"))),
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
                _ => return Err(UsageError("give one of --to, --role and --pattern".into())),
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
                    return Err(UsageError("give --redeliver or --clear, not both".into()))
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
            return Err(UsageError(format!(
                "no help for unknown command '{topic}'; run `btmsg --help`"
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

/// Reads `$BTMSG_AGENT_ID`; unset or empty is a usage error that says how to fix it.
pub(crate) fn agent_from_env() -> Result<String, CliError> {
    match std::env::var(AGENT_ENV) {
        Ok(id) if !id.is_empty() => Ok(id),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(UsageError(format!(
            "{AGENT_ENV} is not set; export {AGENT_ENV}=<your agent id> (see `btmsg register`)"
        ))
        .into()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(UsageError(format!("{AGENT_ENV} is not valid UTF-8")).into())
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
            return Ok(out.w.write_all(text.as_bytes())?);
        }
        Command::Version => {
            return Ok(writeln!(out.w, "btmsg {}", env!("CARGO_PKG_VERSION"))?);
        }
        _ => {}
    }
    // Environment problems are reported before the database is touched.
    let me = command.needs_actor().then(agent_from_env).transpose()?;
    let session = match &command {
        Command::Ack { session, .. } => Some(session_from_env(session.clone())?),
        _ => None,
    };
    let store = open_store(inv.db)?;
    let actor = me.map(|id| store.as_agent(&id)).transpose()?;
    let actor = || actor.as_ref().expect("needs_actor() covers this command");
    run(command, &store, actor, session, out)
}

fn run<'a>(
    command: Command,
    store: &Store,
    actor: impl Fn() -> &'a Actor,
    session: Option<String>,
    out: &mut Output<'_>,
) -> Result<(), CliError> {
    let stale_after = store.stale_after().as_secs() as i64;
    match command {
        Command::Help(_) | Command::Version => unreachable!("handled before opening the store"),
        Command::Register(new) => {
            let a = store.register_agent(&new)?;
            out.emit(&a, |w, p| {
                writeln!(
                    w,
                    "registered {} ({}), role {}, group {}, tier {}",
                    p.name(&a.id),
                    a.name,
                    a.role,
                    a.group_id,
                    a.tier
                )
            })?;
        }
        Command::Send {
            to: Target::Agent(to),
            content,
        } => {
            let m = actor().send(&to, &content)?;
            out.emit(&m, |w, p| {
                writeln!(
                    w,
                    "sent {} to {}",
                    p.id(short_id(&m.id)),
                    p.name(&m.to_agent)
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
            out.emit(&d, |w, p| delivery(w, p, &d))?;
        }
        Command::Reply { id, content } => {
            let m = actor().reply(&id, &content)?;
            out.emit(&m, |w, p| {
                writeln!(
                    w,
                    "replied {} to {}",
                    p.id(short_id(&m.id)),
                    p.name(&m.to_agent)
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
            out.emit(&msgs, |w, p| render::messages(w, p, &msgs, empty))?;
        }
        Command::Read { id: Some(id) } => {
            let m = actor().read(&id)?;
            out.emit(&m, |w, p| render::message(w, p, &m))?;
        }
        Command::Read { id: None } => {
            let msgs = actor().read_unread()?;
            out.emit(&msgs, |w, p| {
                render::messages(w, p, &msgs, "no unread messages")
            })?;
        }
        Command::Peek => {
            let msgs = actor().peek()?;
            out.emit(&msgs, |w, p| {
                render::messages(w, p, &msgs, "no unread messages")
            })?;
        }
        Command::Contacts => {
            let agents = actor().contacts()?;
            out.emit(&agents, |w, p| {
                render::agents(w, p, &agents, unix_now(), stale_after)
            })?;
        }
        Command::History { agent, limit } => {
            let msgs = actor().history(&agent, limit)?;
            out.emit(&msgs, |w, p| {
                render::messages(w, p, &msgs, "no messages yet")
            })?;
        }
        Command::Status { group } => {
            let agents = match group {
                Some(g) => store.list_agents(Some(&g))?,
                None => actor().list_agents()?,
            };
            out.emit(&agents, |w, p| {
                render::agents(w, p, &agents, unix_now(), stale_after)
            })?;
        }
        Command::Allow {
            from,
            to,
            bidirectional,
        } => {
            store.allow(&from, &to, bidirectional)?;
            let arrow = if bidirectional { "<->" } else { "->" };
            out.emit(
                &json!({ "from": from, "to": to, "bidirectional": bidirectional }),
                |w, p| writeln!(w, "allowed {} {arrow} {}", p.name(&from), p.name(&to)),
            )?;
        }
        Command::Whoami => {
            let a = actor().whoami()?;
            out.emit(&a, |w, p| render::agent(w, p, &a))?;
        }
        Command::Graph => {
            let edges = store.contact_graph()?;
            out.emit(&edges, |w, p| {
                if edges.is_empty() {
                    return writeln!(w, "{}", p.dim("no contacts"));
                }
                let has =
                    |a: &str, b: &str| edges.iter().any(|e| e.agent_id == a && e.contact_id == b);
                for e in &edges {
                    let (a, b) = (e.agent_id.as_str(), e.contact_id.as_str());
                    // A pair that goes both ways is printed once, from its smaller id.
                    match (has(b, a), a < b) {
                        (true, true) => writeln!(w, "{} <-> {}", p.name(a), p.name(b))?,
                        (true, false) => {}
                        (false, _) => writeln!(w, "{} -> {}", p.name(a), p.name(b))?,
                    }
                }
                Ok(())
            })?;
        }
        Command::Unread => {
            let n = actor().unread_count()?;
            out.emit(&json!({ "unread": n }), |w, _| writeln!(w, "{n}"))?;
        }
        Command::Notify => {
            let line = actor().notify()?;
            out.emit(&json!({ "summary": line }), |w, _| match &line {
                Some(l) => writeln!(w, "{l}"),
                None => Ok(()),
            })?;
        }
        Command::Feed { limit, group } => {
            let msgs = actor().feed(group.as_deref(), limit)?;
            out.emit(&msgs, |w, p| {
                render::messages(w, p, &msgs, "no messages in the group")
            })?;
        }
        Command::ChannelCreate { name } => {
            let c = actor().create_channel(&name)?;
            out.emit(&c, |w, p| {
                writeln!(
                    w,
                    "created {} ({})",
                    p.name(&format!("#{}", c.name)),
                    p.id(short_id(&c.id))
                )
            })?;
        }
        Command::ChannelList => {
            let chans = actor().list_channels()?;
            out.emit(&chans, |w, p| render::channels(w, p, &chans))?;
        }
        Command::ChannelSend { channel, content } => {
            let post = actor().post(&channel, &content)?;
            out.emit(&post, |w, p| {
                writeln!(
                    w,
                    "posted {} to {}",
                    p.id(short_id(&post.id)),
                    p.name(&channel)
                )
            })?;
        }
        Command::ChannelHistory { channel, limit } => {
            let posts = actor().channel_history(&channel, limit)?;
            out.emit(&posts, |w, p| render::posts(w, p, &posts))?;
        }
        Command::ChannelAdd { channel, agent } => {
            let c = actor().add_member(&channel, &agent)?;
            out.emit(&c, |w, p| {
                writeln!(
                    w,
                    "{} is in {} ({} members)",
                    p.name(&agent),
                    p.name(&format!("#{}", c.name)),
                    c.member_count
                )
            })?;
        }
        Command::Heartbeat => {
            let hb = actor().heartbeat()?;
            out.emit(&hb, |w, p| {
                writeln!(w, "heartbeat recorded for {}", p.name(&hb.agent_id))?;
                if !hb.redelivered.is_empty() {
                    writeln!(
                        w,
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
            out.emit(&acked, |w, p| {
                let what = if new {
                    "acknowledged"
                } else {
                    "already acknowledged"
                };
                writeln!(w, "{what} {} for session {session}", p.id(&id))
            })?;
        }
        Command::DeadLetters(DeadLetterAction::List) => {
            let letters = actor().dead_letters()?;
            out.emit(&letters, |w, p| render::dead_letters(w, p, &letters))?;
        }
        Command::DeadLetters(DeadLetterAction::Redeliver(id)) => {
            let msgs = actor().redeliver_dead_letters(id)?;
            out.emit(&msgs, |w, p| {
                writeln!(w, "redelivered {} dead letter(s)", msgs.len())?;
                if msgs.is_empty() {
                    return Ok(());
                }
                render::messages(w, p, &msgs, "")
            })?;
        }
        Command::DeadLetters(DeadLetterAction::Clear(id)) => {
            let n = actor().clear_dead_letters(id)? as i64;
            out.emit(&json!({ "cleared": n }), |w, _| {
                writeln!(w, "cleared {n} dead letter(s)")
            })?;
        }
        Command::Stale { threshold } => {
            let stale = store.stale_agents(threshold)?;
            out.emit(&stale, |w, p| {
                if stale.is_empty() {
                    return writeln!(w, "{}", p.dim("no stale agents"));
                }
                for s in &stale {
                    writeln!(
                        w,
                        "{} silent for {}",
                        p.name(&s.agent_id),
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
            out.emit(&a, |w, p| writeln!(w, "{} is {}", p.name(&a.id), a.status))?;
        }
        Command::Delete { id } => {
            actor().delete_message(&id)?;
            out.emit(&json!({ "deleted": id }), |w, p| {
                writeln!(w, "deleted message {}", p.id(&id))
            })?;
        }
    }
    Ok(())
}

/// Text for a fan-out send: who got it, whose copy waits as a dead letter, who was skipped.
fn delivery(w: &mut dyn Write, p: render::Paint, d: &Delivery) -> std::io::Result<()> {
    let names = |ids: Vec<&str>| ids.iter().map(|i| p.name(i)).collect::<Vec<_>>().join(", ");
    writeln!(
        w,
        "sent to {} agent(s): {}",
        d.sent.len(),
        names(d.sent.iter().map(|m| m.to_agent.as_str()).collect())
    )?;
    if !d.dead_lettered.is_empty() {
        let list: Vec<String> = d
            .dead_lettered
            .iter()
            .map(|(a, id)| format!("{} (#{id})", p.name(a)))
            .collect();
        writeln!(w, "kept as dead letters (unavailable): {}", list.join(", "))?;
    }
    if !d.skipped.is_empty() {
        writeln!(
            w,
            "skipped (not in contacts): {}",
            names(d.skipped.iter().map(String::as_str).collect())
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::args::parser_test_helpers!("btmsg");

    #[test]
    fn register_both_syntaxes() {
        let c = same(&[
            &[
                "register", "dev-1", "Dev One", "project", "core", "--tier", "2",
            ],
            &[
                "register", "--id", "dev-1", "--name", "Dev One", "--role", "project", "--group",
                "core", "--tier", "2",
            ],
            &[
                "register", "--tier=2", "dev-1", "--name", "Dev One", "project", "core",
            ],
        ]);
        let Command::Register(a) = c else {
            panic!("{c:?}")
        };
        assert_eq!(
            (
                a.id.as_str(),
                a.name.as_str(),
                a.role.as_str(),
                a.group.as_str()
            ),
            ("dev-1", "Dev One", "project", "core")
        );
        assert_eq!(a.tier, Some(2));
        assert_eq!(a.model, None);
        let Command::Register(a) = cmd(&["register", "a", "b", "c", "d", "--model", "m1"]) else {
            panic!()
        };
        assert_eq!((a.tier, a.model.as_deref()), (None, Some("m1")));
        assert_eq!(err(&["register", "a", "b", "c"]), "missing group");
        assert!(err(&["register", "a", "b", "c", "d", "--tier", "x"]).contains("0, 1 or 2"));
        assert_eq!(
            err(&["register", "a", "b", "c", "d", "e"]),
            "unexpected argument 'e'"
        );
    }

    #[test]
    fn send_reply_broadcast() {
        let c = same(&[
            &["send", "bob", "fix", "the", "parser"],
            &["send", "--to", "bob", "--content", "fix the parser"],
            &["send", "--content", "fix the parser", "bob"],
            &["send", "--to=bob", "fix", "the", "parser"],
            &["send", "bob", "--", "fix", "the", "parser"],
        ]);
        assert_eq!(
            c,
            Command::Send {
                to: Target::Agent("bob".into()),
                content: "fix the parser".into()
            }
        );
        assert_eq!(
            cmd(&["send", "bob", "--", "use", "--force", "-v"]),
            Command::Send {
                to: Target::Agent("bob".into()),
                content: "use --force -v".into()
            }
        );
        assert_eq!(
            cmd(&["send", "--role", "tester", "run", "it"]),
            Command::Send {
                to: Target::Role("tester".into()),
                content: "run it".into()
            }
        );
        assert_eq!(
            cmd(&["send", "--pattern", "dev-*", "hi"]),
            Command::Send {
                to: Target::Pattern("dev-*".into()),
                content: "hi".into()
            }
        );
        assert_eq!(
            cmd(&["broadcast", "all", "hands"]),
            Command::Send {
                to: Target::Group,
                content: "all hands".into()
            }
        );
        assert_eq!(err(&["send", "bob"]), "missing message text");
        assert_eq!(err(&["send"]), "missing recipient");
        assert!(err(&["send", "--to", "a", "--role", "b", "x"]).contains("give one of"));
        assert!(err(&["send", "bob", "hi", "--force"]).contains("unknown option '--force'"));
        assert!(err(&["send", "--to", "bob", "--content", "a", "extra"]).contains("'extra'"));

        let c = same(&[
            &["reply", "abc123", "on", "it"],
            &["reply", "--id", "abc123", "--content", "on it"],
            &["reply", "--message-id", "abc123", "on it"],
        ]);
        assert_eq!(
            c,
            Command::Reply {
                id: "abc123".into(),
                content: "on it".into()
            }
        );
    }

    #[test]
    fn reading_commands() {
        assert_eq!(
            cmd(&["inbox"]),
            Command::Inbox {
                all: false,
                limit: None
            }
        );
        same(&[
            &["inbox", "--all", "--limit", "5"],
            &["inbox", "-a", "--limit=5"],
        ]);
        assert_eq!(
            same(&[
                &["read", "abc"],
                &["read", "--id", "abc"],
                &["read", "--message-id=abc"]
            ]),
            Command::Read {
                id: Some("abc".into())
            }
        );
        assert_eq!(cmd(&["read"]), Command::Read { id: None });
        assert_eq!(cmd(&["peek"]), Command::Peek);
        assert_eq!(cmd(&["unread"]), Command::Unread);
        assert_eq!(cmd(&["notify"]), Command::Notify);
        assert_eq!(cmd(&["whoami"]), Command::Whoami);
        assert_eq!(cmd(&["contacts"]), Command::Contacts);
        assert_eq!(cmd(&["graph"]), Command::Graph);
        assert_eq!(
            same(&[
                &["history", "bob", "--limit", "3"],
                &["history", "--agent", "bob", "--limit", "3"]
            ]),
            Command::History {
                agent: "bob".into(),
                limit: 3
            }
        );
        assert_eq!(
            cmd(&["history", "bob"]),
            Command::History {
                agent: "bob".into(),
                limit: DEFAULT_HISTORY_LIMIT
            }
        );
        assert_eq!(
            cmd(&["feed"]),
            Command::Feed {
                limit: DEFAULT_FEED_LIMIT,
                group: None
            }
        );
        // One wording with the library: `--limit 0` is never "all" or "none".
        for bad in [
            "0",
            "-1",
            "10001",
            "4294967296",
            "9223372036854775808",
            &"9".repeat(50),
        ] {
            for cmd in [
                &["feed"][..],
                &["inbox"],
                &["history", "bob"],
                &["channel", "history", "ops"],
            ] {
                let args: Vec<&str> = cmd.iter().copied().chain(["--limit", bad]).collect();
                assert_eq!(
                    err(&args),
                    format!("invalid limit: must be between 1 and 10000, not {bad}"),
                    "{args:?}"
                );
            }
        }
        assert!(err(&["inbox", "--limit", "ten"]).contains("whole number"));
        assert!(err(&["peek", "extra"]).contains("unexpected argument"));
        assert_eq!(cmd(&["status"]), Command::Status { group: None });
        assert_eq!(
            cmd(&["status", "--group", "core"]),
            Command::Status {
                group: Some("core".into())
            }
        );
    }

    #[test]
    fn allow_both_syntaxes() {
        let c = same(&[
            &["allow", "a", "b", "-b"],
            &["allow", "a", "b", "--bidirectional"],
            &["allow", "--from", "a", "--to", "b", "-b"],
            &["allow", "-b", "a", "b"],
        ]);
        assert_eq!(
            c,
            Command::Allow {
                from: "a".into(),
                to: "b".into(),
                bidirectional: true
            }
        );
        assert_eq!(
            cmd(&["allow", "a", "b"]),
            Command::Allow {
                from: "a".into(),
                to: "b".into(),
                bidirectional: false
            }
        );
    }

    #[test]
    fn channels_both_syntaxes() {
        assert_eq!(
            same(&[
                &["channel", "create", "ops"],
                &["channel", "create", "--name", "ops"]
            ]),
            Command::ChannelCreate { name: "ops".into() }
        );
        assert_eq!(
            same(&[
                &["channel", "list"],
                &["channels"],
                &["--json", "channel", "--json", "list"]
            ]),
            Command::ChannelList
        );
        assert_eq!(
            same(&[
                &["channel", "send", "ops", "hello", "all"],
                &["channel-post", "--channel", "ops", "--content", "hello all"],
                &["channel", "post", "ops", "hello all"],
            ]),
            Command::ChannelSend {
                channel: "ops".into(),
                content: "hello all".into()
            }
        );
        assert_eq!(
            same(&[
                &["channel", "history", "ops", "--limit", "4"],
                &["channel", "history", "--channel", "ops", "--limit", "4"]
            ]),
            Command::ChannelHistory {
                channel: "ops".into(),
                limit: 4
            }
        );
        assert_eq!(
            same(&[
                &["channel", "add", "ops", "bob"],
                &["channel", "add", "--channel", "ops", "--agent", "bob"]
            ]),
            Command::ChannelAdd {
                channel: "ops".into(),
                agent: "bob".into()
            }
        );
        assert!(err(&["channel"]).contains("create, list, send, history, add"));
        assert!(err(&["channel", "nuke"]).contains("unknown channel subcommand 'nuke'"));
    }

    #[test]
    fn liveness_and_dead_letters() {
        assert_eq!(cmd(&["heartbeat"]), Command::Heartbeat);
        assert_eq!(
            same(&[
                &["ack", "--message-id", "m1", "--session", "s"],
                &["ack", "m1", "--session=s"],
                &["ack", "--id", "m1", "--session", "s"]
            ]),
            Command::Ack {
                id: "m1".into(),
                session: Some("s".into())
            }
        );
        assert_eq!(
            cmd(&["ack", "m1"]),
            Command::Ack {
                id: "m1".into(),
                session: None
            }
        );
        assert!(err(&["ack"]).contains("missing message id"));
        use DeadLetterAction::*;
        assert_eq!(cmd(&["dead-letters"]), Command::DeadLetters(List));
        assert_eq!(
            cmd(&["dead-letters", "--redeliver"]),
            Command::DeadLetters(Redeliver(None))
        );
        assert_eq!(
            same(&[
                &["dead-letters", "--redeliver", "3"],
                &["dead-letters", "--redeliver=#3"]
            ]),
            Command::DeadLetters(Redeliver(Some(3)))
        );
        assert_eq!(
            cmd(&["dead-letters", "--clear", "--json"]),
            Command::DeadLetters(Clear(None))
        );
        assert_eq!(
            cmd(&["dead-letters", "--clear", "7"]),
            Command::DeadLetters(Clear(Some(7)))
        );
        assert!(err(&["dead-letters", "--clear", "x"]).contains("dead-letter number"));
        assert!(err(&["dead-letters", "--clear", "--redeliver"]).contains("not both"));
        assert_eq!(
            cmd(&["stale", "--threshold", "60"]),
            Command::Stale {
                threshold: Some(60)
            }
        );
        assert_eq!(
            same(&[
                &["set-status", "sleeping", "bob"],
                &["set-status", "--status", "sleeping", "--agent", "bob"]
            ]),
            Command::SetStatus {
                status: "sleeping".into(),
                agent: Some("bob".into())
            }
        );
        assert_eq!(cmd(&["delete", "m1"]), Command::Delete { id: "m1".into() });
    }

    #[test]
    fn global_options_anywhere() {
        for line in [
            &["--db", "/tmp/x.db", "--json", "unread"][..],
            &["unread", "--db", "/tmp/x.db", "--json"],
            &["--json", "unread", "--db=/tmp/x.db"],
        ] {
            let inv = parse_line(line).unwrap();
            assert_eq!(inv.db.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
            assert!(inv.json);
            assert_eq!(inv.command, Command::Unread);
        }
        let inv = parse_line(&["unread"]).unwrap();
        assert_eq!((inv.db, inv.json), (None, false));
        assert!(err(&["--db", "", "unread"]).contains("must not be empty"));
        assert!(err(&["--db"]).contains("needs a value"));
        assert!(err(&["--json", "--json=x", "unread"]).contains("takes no value"));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(cmd(&["--help"]), Command::Help(None));
        assert_eq!(cmd(&["-h"]), Command::Help(None));
        assert_eq!(cmd(&["help"]), Command::Help(None));
        assert_eq!(cmd(&["help", "send"]), Command::Help(Some("send".into())));
        // Help wins over missing arguments, and works for aliases and groups.
        assert_eq!(cmd(&["send", "--help"]), Command::Help(Some("send".into())));
        assert_eq!(
            cmd(&["channel-post", "-h"]),
            Command::Help(Some("channel send".into()))
        );
        assert_eq!(
            cmd(&["channel", "--help"]),
            Command::Help(Some("channel".into()))
        );
        assert_eq!(cmd(&["--version"]), Command::Version);
        assert_eq!(err(&[]), "missing command; run `btmsg --help`");
        assert!(err(&["frob"]).contains("unknown command 'frob'"));
        assert!(err(&["--frob", "unread"]).contains("unknown option '--frob'"));
    }

    #[test]
    fn help_texts_cover_the_table() {
        let all = help(None).unwrap();
        for def in COMMANDS {
            assert!(all.contains(def.usage[0]), "{} missing from help", def.name);
            assert!(help(Some(def.name)).unwrap().contains(def.about));
        }
        for code in [
            "0  ok",
            "2  usage",
            "3  version conflict",
            "4  permission",
            "5  not found",
        ] {
            assert!(all.contains(code), "exit code line '{code}' missing");
        }
        assert!(help(Some("channel")).unwrap().contains("channel add"));
        assert!(help(Some("nope")).is_err());
    }

    #[test]
    fn every_table_entry_builds() {
        // The first usage line with its required positionals filled in must parse, so a new
        // table entry without a builder (or with a wrong usage line) fails here.
        for def in COMMANDS {
            let mut line: Vec<&str> = def.name.split(' ').collect();
            let first_usage = def.usage[0];
            let positionals = first_usage
                .split(' ')
                .filter(|w| w.starts_with('<'))
                .count();
            line.extend(std::iter::repeat("x").take(positionals));
            parse_line(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        }
    }
}
