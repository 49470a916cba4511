//! The `bttask` command: its command table, the parse of argv into a [`Command`] (legacy
//! positional and documented flag forms alike), and the execution of that command on a store.

mod render;

use std::ffi::OsString;
use std::path::PathBuf;

use agor_core::{
    Actor, Completion, NewTask, Priority, Store, TaskFilter, TaskStatus, DEFAULT_LEASE_SECS,
};
use serde_json::json;

use crate::args::{Opt, Parsed, Scanner, UsageError};
use crate::btmsg::{agent_from_env, db_and_json, open_store, AGENT_ENV};
use crate::exit::CliError;
use crate::render::{short_id, Output};

/// Options every command accepts, before or after the command word. `--version` is not among
/// them: after the command word it is the task version of `status --version N`.
const GLOBAL: &[Opt] = &[
    Opt::value("db"),
    Opt::flag("json"),
    Opt::flag("help").short('h'),
];

/// Accepted only before the command word.
const TOP: &[Opt] = &[Opt::flag("version").short('V')];

/// One entry of the command table: what the parser accepts and what the help says.
#[derive(Debug)]
struct CommandDef {
    name: &'static str,
    aliases: &'static [&'static str],
    opts: &'static [Opt],
    /// One usage line per accepted form.
    usage: &'static [&'static str],
    about: &'static str,
}

const TASK_ID: [Opt; 2] = [Opt::value("id"), Opt::value("task")];
const LEASE: Opt = Opt::value("lease");
const TOKEN: Opt = Opt::value("token");

const COMMANDS: &[CommandDef] = &[
    CommandDef {
        name: "list",
        aliases: &[],
        opts: &[
            Opt::flag("all").short('a'),
            Opt::value("status"),
            Opt::value("tag"),
        ],
        usage: &["list [--all] [--status S] [--tag T]"],
        about: "tasks of your group by priority then board order; open ones unless --all",
    },
    CommandDef {
        name: "add",
        aliases: &["create"],
        opts: &[
            Opt::value("title"),
            Opt::value("desc"),
            Opt::value("description"),
            Opt::value("priority"),
            Opt::value("assign"),
            Opt::value("parent"),
            Opt::repeated("tag"),
            Opt::value("definition-of-done"),
            Opt::flag("backlog"),
        ],
        usage: &[
            "add <title…> [--desc D] [--priority P] [--assign A] [--parent T]",
            "create --title TITLE [--priority P] [--description D] [--tag T]… [--backlog]",
        ],
        about: "create a task in todo (claimable at once) or, with --backlog, in backlog (managers)",
    },
    CommandDef {
        name: "assign",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], Opt::value("agent"), Opt::value("to")],
        usage: &["assign <task> <agent>", "assign --id TASK --agent AGENT"],
        about: "assign a task to an agent (managers)",
    },
    CommandDef {
        name: "status",
        aliases: &[],
        opts: &[
            TASK_ID[0],
            TASK_ID[1],
            Opt::value("status"),
            Opt::value("version"),
        ],
        usage: &[
            "status <task> <state>",
            "status --id TASK --status STATE --version N",
        ],
        about: "move a task to backlog, todo, in_progress, review, done, blocked, failed or \
                cancelled. With --version N the move applies only if the task is still at \
                version N (else exit 3): the safe form. Without it the current version is read \
                and applied in the same call, so from the caller's view the last writer wins",
    },
    CommandDef {
        name: "comment",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], Opt::value("content")],
        usage: &["comment <task> <text…>", "comment --id TASK --content TEXT"],
        about: "comment on a task",
    },
    CommandDef {
        name: "show",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1]],
        usage: &["show <task>", "show --id TASK"],
        about: "one task with its completion record, subtasks and comments",
    },
    CommandDef {
        name: "board",
        aliases: &[],
        opts: &[],
        usage: &["board"],
        about: "every status column of your group's board with its tasks",
    },
    CommandDef {
        name: "delete",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1]],
        usage: &["delete <task>", "delete --id TASK"],
        about: "delete a task and its comments; its subtasks lose their parent (managers)",
    },
    CommandDef {
        name: "depend",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], Opt::value("on"), Opt::flag("remove")],
        usage: &["depend <task> <on-task> [--remove]", "depend --id TASK --on TASK [--remove]"],
        about: "make a task wait until another is done (or --remove that); cycles are refused (managers)",
    },
    CommandDef {
        name: "claim",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], LEASE],
        usage: &["claim [--id TASK] [--lease SECONDS]", "claim [<task>]"],
        about: "take a todo task (the given one, else the best next one) under a lease \
                (--lease 1-86400 s, default 900); prints the task and the lease token that renew, release and \
                complete need. Prints nothing to claim (JSON null) and exits 0 when none is free",
    },
    CommandDef {
        name: "renew",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], TOKEN, LEASE],
        usage: &[
            "renew --id TASK --token K [--lease SECONDS]",
            "renew <task> <token>",
        ],
        about: "extend your lease on a claimed task to SECONDS from now (1-86400; default 900)",
    },
    CommandDef {
        name: "release",
        aliases: &[],
        opts: &[TASK_ID[0], TASK_ID[1], TOKEN],
        usage: &["release --id TASK --token K", "release <task> <token>"],
        about: "give a claimed task back: it returns to todo, unassigned",
    },
    CommandDef {
        name: "complete",
        aliases: &[],
        opts: &[
            TASK_ID[0],
            TASK_ID[1],
            TOKEN,
            Opt::value("summary"),
            Opt::repeated("artifact"),
            Opt::value("result-ref"),
            Opt::value("next"),
            Opt::flag("review"),
        ],
        usage: &[
            "complete --id TASK --token K --summary TEXT [--artifact REF]… [--result-ref R] [--next N] [--review]",
            "complete <task> <token> <summary…>",
        ],
        about: "finish a claimed task with a one-line summary and artifact refs (file:…, msg:…): \
                to done, or to review with --review (which notifies the review queue)",
    },
    CommandDef {
        name: "ready",
        aliases: &[],
        opts: &[],
        usage: &["ready"],
        about: "todo tasks you could claim now (unassigned or yours, every dependency done), \
                in claim order",
    },
    CommandDef {
        name: "review-count",
        aliases: &[],
        opts: &[Opt::value("group")],
        usage: &["review-count [--group G]"],
        about: "tasks waiting in review in your group (or G), with the reviewer attention score \
                (10 per task, at most 50); needs no agent when --group is given",
    },
];

/// Commands of the specification this version does not provide yet; naming them says so
/// instead of calling them unknown.
const NOT_YET: &[(&str, &str)] = &[
    ("import FILE", "load a board from a tasks.toml file"),
    ("export FILE", "write the board to a tasks.toml file"),
];

/// A parsed `bttask` command, before any environment or database is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Help on everything (`None`) or on one command.
    Help(Option<String>),
    Version,
    List(TaskFilter),
    Add(NewTask),
    Assign {
        task: String,
        agent: String,
    },
    /// `version: None` is the legacy form: the current version is read and applied.
    Status {
        task: String,
        status: TaskStatus,
        version: Option<i64>,
    },
    Comment {
        task: String,
        content: String,
    },
    Show {
        task: String,
    },
    Board,
    Delete {
        task: String,
    },
    Depend {
        task: String,
        on: String,
        remove: bool,
    },
    Claim {
        task: Option<String>,
        lease: u32,
    },
    Renew {
        task: String,
        token: String,
        lease: u32,
    },
    Release {
        task: String,
        token: String,
    },
    Complete {
        task: String,
        token: String,
        completion: Completion,
        review: bool,
    },
    Ready,
    ReviewCount {
        group: Option<String>,
    },
}

impl Command {
    /// True when the command acts as `$BTMSG_AGENT_ID`.
    fn needs_actor(&self) -> bool {
        !matches!(
            self,
            Command::Help(_) | Command::Version | Command::ReviewCount { group: Some(_) }
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

fn lookup(word: &str) -> Option<&'static CommandDef> {
    COMMANDS
        .iter()
        .find(|d| d.name == word || d.aliases.contains(&word))
}

/// Parses argv (`args[0]` is the program name) into an [`Invocation`].
pub fn parse(args: Vec<OsString>) -> Result<Invocation, UsageError> {
    let mut p = Parsed::default();
    let mut scanner = Scanner::new(args.into_iter().skip(1));
    let first = scanner
        .next_word(&[GLOBAL, TOP], &mut p)?
        .map(|w| {
            w.into_string()
                .map_err(|_| UsageError("the command name is not valid UTF-8".into()))
        })
        .transpose()?;
    if first.is_some() && p.flag("version") {
        return Err(UsageError(
            "--version before a command prints the program version; give a task version \
             after the command (`bttask status --id T --status S --version N`)"
                .into(),
        ));
    }
    let command = match first.as_deref() {
        None if p.flag("version") => Command::Version,
        None if p.flag("help") => Command::Help(None),
        None => return Err(UsageError("missing command; run `bttask --help`".into())),
        Some("help") => {
            scanner.rest(&[GLOBAL], &mut p)?;
            let topic = p.positional("the help topic")?;
            p.finish()?;
            return Ok(help_invocation(topic));
        }
        Some(word) => {
            let Some(def) = lookup(word) else {
                if let Some((usage, _)) = NOT_YET
                    .iter()
                    .find(|(u, _)| u.split(' ').next() == Some(word))
                {
                    return Err(UsageError(format!(
                        "`bttask {usage}` is not yet available in this version"
                    )));
                }
                return Err(UsageError(format!(
                    "unknown command '{word}'; run `bttask --help`"
                )));
            };
            scanner.rest(&[GLOBAL, def.opts], &mut p)?;
            if p.flag("help") {
                // Help ignores the rest of the line, so `bttask claim --help` needs nothing else.
                return Ok(help_invocation(Some(def.name.to_owned())));
            }
            build(def, &mut p)?
        }
    };
    let (db, json) = db_and_json(&mut p)?;
    p.finish()?;
    Ok(Invocation { db, json, command })
}

fn help_invocation(topic: Option<String>) -> Invocation {
    Invocation {
        db: None,
        json: false,
        command: Command::Help(topic),
    }
}

/// A value the core parses (status, priority), checked before the database is opened so a
/// typo is a usage error (exit 2) whatever the state of the file.
fn parsed<T>(v: String) -> Result<T, UsageError>
where
    T: std::str::FromStr<Err = agor_core::Error>,
{
    v.parse()
        .map_err(|e: agor_core::Error| UsageError(e.to_string()))
}

fn lease(p: &mut Parsed) -> Result<u32, UsageError> {
    Ok(p.count("lease", agor_core::Count::LeaseSecs)?
        .unwrap_or(DEFAULT_LEASE_SECS))
}

fn task_id(p: &mut Parsed) -> Result<String, UsageError> {
    p.required(&["id", "task"], "task id")
}

/// Builds the command from what the scanner collected; both syntaxes meet here, since every
/// field may come from its flag or from the next positional.
fn build(def: &CommandDef, p: &mut Parsed) -> Result<Command, UsageError> {
    Ok(match def.name {
        "list" => Command::List(TaskFilter {
            all: p.flag("all"),
            status: p.value("status")?.map(parsed).transpose()?,
            tag: p.value("tag")?,
        }),
        "add" => {
            let description = p.value_any(&["desc", "description"])?.unwrap_or_default();
            let priority = match p.value("priority")? {
                Some(v) => parsed(v)?,
                None => Priority::Medium,
            };
            let status = if p.flag("backlog") {
                TaskStatus::Backlog
            } else {
                TaskStatus::Todo
            };
            let assign_to = p.value("assign")?;
            let parent = p.value("parent")?;
            let tags = p.values("tag")?;
            let definition_of_done = p.value("definition-of-done")?;
            Command::Add(NewTask {
                title: p.text("title", "task title")?,
                description,
                priority,
                assign_to,
                parent,
                tags,
                definition_of_done,
                status,
            })
        }
        "assign" => Command::Assign {
            task: task_id(p)?,
            agent: p.required(&["agent", "to"], "agent id")?,
        },
        "status" => Command::Status {
            task: task_id(p)?,
            status: parsed(p.required(&["status"], "status")?)?,
            version: p.number("version", "a task version number")?,
        },
        "comment" => Command::Comment {
            task: task_id(p)?,
            content: p.text("content", "comment text")?,
        },
        "show" => Command::Show { task: task_id(p)? },
        "board" => Command::Board,
        "delete" => Command::Delete { task: task_id(p)? },
        "depend" => Command::Depend {
            task: task_id(p)?,
            on: p.required(&["on"], "task it depends on")?,
            remove: p.flag("remove"),
        },
        "claim" => Command::Claim {
            task: p.field(&["id", "task"], "task id")?,
            lease: lease(p)?,
        },
        "renew" => Command::Renew {
            task: task_id(p)?,
            token: p.required(&["token"], "lease token (--token)")?,
            lease: lease(p)?,
        },
        "release" => Command::Release {
            task: task_id(p)?,
            token: p.required(&["token"], "lease token (--token)")?,
        },
        "complete" => {
            let task = task_id(p)?;
            let token = p.required(&["token"], "lease token (--token)")?;
            let artifacts = p.values("artifact")?;
            let result_ref = p.value("result-ref")?;
            let next = p.value("next")?;
            Command::Complete {
                task,
                token,
                completion: Completion {
                    summary: p.text("summary", "summary (--summary)")?,
                    artifacts,
                    result_ref,
                    next,
                },
                review: p.flag("review"),
            }
        }
        "ready" => Command::Ready,
        "review-count" => Command::ReviewCount {
            group: p.value("group")?,
        },
        other => unreachable!("command table entry '{other}' has no builder"),
    })
}

/// The full help text, or the help of one command.
pub fn help(topic: Option<&str>) -> Result<String, UsageError> {
    let Some(topic) = topic else {
        return Ok(overview());
    };
    let Some(def) = lookup(topic) else {
        return Err(UsageError(format!(
            "no help for unknown command '{topic}'; run `bttask --help`"
        )));
    };
    let mut s = String::new();
    for line in def.usage {
        s += &format!("usage: bttask {line}\n");
    }
    s += &format!("  {}\n", def.about);
    if !def.aliases.is_empty() {
        s += &format!("  also spelled: {}\n", def.aliases.join(", "));
    }
    s += &format!("  acts as ${AGENT_ENV}\n");
    s += "\nGlobal options: --db PATH, --json, -h/--help. Run `bttask --help` for exit codes.\n";
    Ok(s)
}

fn overview() -> String {
    let mut s = String::from(
        "bttask: the task board of a team of agents sharing one agor database\n\n\
         usage: bttask [--db PATH] [--json] <command> [arguments]\n\n\
         Commands (all act as $BTMSG_AGENT_ID); legacy positional and --flag forms both work,\n\
         and tasks may be named by a unique id prefix:\n",
    );
    for def in COMMANDS {
        for line in def.usage {
            s += &format!("  {line}\n");
        }
        s += &format!("      {}\n", def.about);
    }
    s += "\nNot yet available:\n";
    for (usage, about) in NOT_YET {
        s += &format!("  {usage}\n      {about}\n");
    }
    s += "\n\
Global options (accepted before or after the command):
  --db PATH      database file (default: $AGOR_DB, else ~/.local/share/agor/btmsg.db)
  --json         print the result as one JSON document on stdout
  -h, --help     this help; `bttask <command> --help` for one command
  -V, --version  print the program version (before any command)
  --             end of options: what follows is text even if it starts with '-'

Environment:
  BTMSG_AGENT_ID    the agent you act as (register agents with `btmsg register`)
  AGOR_DB           database path when --db is not given
  NO_COLOR          no colour (colour is only ever used when stdout is a terminal)

Exit codes:
  0  ok (also when claim finds nothing to claim)
  1  error: storage, database busy, schema or read-only file
  2  usage: bad arguments or values, invalid status move, ambiguous id prefix,
     BTMSG_AGENT_ID not set
  3  version conflict (stale --version), already claimed, or lease lost / wrong token
  4  permission denied
  5  not found (task, agent)
Errors are printed to stderr as one line starting with `bttask: error:`.
";
    s
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
            return Ok(writeln!(out.w, "bttask {}", env!("CARGO_PKG_VERSION"))?);
        }
        _ => {}
    }
    // Environment problems are reported before the database is touched.
    let me = command.needs_actor().then(agent_from_env).transpose()?;
    let store = open_store(inv.db)?;
    let actor = me.map(|id| store.as_agent(&id)).transpose()?;
    let actor = || actor.as_ref().expect("needs_actor() covers this command");
    run(command, &store, actor, out)
}

fn run<'a>(
    command: Command,
    store: &Store,
    actor: impl Fn() -> &'a Actor,
    out: &mut Output<'_>,
) -> Result<(), CliError> {
    match command {
        Command::Help(_) | Command::Version => unreachable!("handled before opening the store"),
        Command::List(filter) => {
            let tasks = actor().list_tasks(&filter)?;
            out.emit(&tasks, |w, p| render::tasks(w, p, &tasks, "no tasks"))?;
        }
        Command::Add(new) => {
            let t = actor().create_task(&new)?;
            out.emit(&t, |w, p| {
                writeln!(
                    w,
                    "created {} [{}] {}",
                    p.id(short_id(&t.id)),
                    t.status,
                    t.title
                )
            })?;
        }
        Command::Assign { task, agent } => {
            let t = actor().assign_task(&task, &agent)?;
            out.emit(&t, |w, p| {
                writeln!(
                    w,
                    "assigned {} to {}",
                    p.id(short_id(&t.id)),
                    p.name(t.assigned_to.as_deref().unwrap_or(&agent))
                )
            })?;
        }
        Command::Status {
            task,
            status,
            version,
        } => {
            let me = actor();
            let t = match version {
                Some(v) => me.set_task_status(&task, status, v)?,
                None => {
                    // Legacy form: whatever version is current now is the one applied, so a
                    // change made since the caller last looked is overwritten, not reported.
                    let current = me.get_task(&task)?.task;
                    me.set_task_status(&current.id, status, current.version)?
                }
            };
            out.emit(&t, |w, p| {
                writeln!(
                    w,
                    "{} is {} (version {})",
                    p.id(short_id(&t.id)),
                    t.status,
                    t.version
                )
            })?;
        }
        Command::Comment { task, content } => {
            let c = actor().comment(&task, &content)?;
            out.emit(&c, |w, p| {
                writeln!(w, "commented on {}", p.id(short_id(&c.task_id)))
            })?;
        }
        Command::Show { task } => {
            let d = actor().get_task(&task)?;
            out.emit(&d, |w, p| render::detail(w, p, &d))?;
        }
        Command::Board => {
            let columns = actor().board()?;
            out.emit(&render::BoardJson(&columns), |w, p| {
                render::board(w, p, &columns)
            })?;
        }
        Command::Delete { task } => {
            let me = actor();
            // Resolve first so the output names the whole id, not the prefix typed.
            let id = me.get_task(&task)?.task.id;
            me.delete_task(&id)?;
            out.emit(&json!({ "deleted": id }), |w, p| {
                writeln!(w, "deleted task {}", p.id(&id))
            })?;
        }
        Command::Claim { task, lease } => {
            let claim = actor().claim_task(task.as_deref(), lease)?;
            out.emit(&claim, |w, p| match &claim {
                Some(c) => render::claim(w, p, c, "claimed"),
                None => writeln!(w, "{}", p.dim("nothing to claim")),
            })?;
        }
        Command::Renew { task, token, lease } => {
            let c = actor().renew_lease(&task, &token, lease)?;
            out.emit(&c, |w, p| render::claim(w, p, &c, "renewed"))?;
        }
        Command::Release { task, token } => {
            let t = actor().release_task(&task, &token)?;
            out.emit(&t, |w, p| {
                writeln!(w, "released {} (back to todo)", p.id(short_id(&t.id)))
            })?;
        }
        Command::Complete {
            task,
            token,
            completion,
            review,
        } => {
            let t = actor().complete_task(&task, &token, &completion, review)?;
            out.emit(&t, |w, p| {
                writeln!(w, "completed {}: {}", p.id(short_id(&t.id)), t.status)
            })?;
        }
        Command::Depend { task, on, remove } => {
            let me = actor();
            let task = me.get_task(&task)?.task.id;
            if remove {
                me.remove_dependency(&task, &on)?;
            } else {
                me.add_dependency(&task, &on)?;
            }
            let waits_for = me.dependencies(&task)?;
            out.emit(&json!({ "task": task, "depends_on": waits_for }), |w, p| {
                let list: Vec<String> = waits_for.iter().map(|d| p.id(short_id(d))).collect();
                writeln!(
                    w,
                    "{} waits for: {}",
                    p.id(&task),
                    if list.is_empty() {
                        "nothing".into()
                    } else {
                        list.join(", ")
                    }
                )
            })?;
        }
        Command::Ready => {
            let tasks = actor().ready_tasks()?;
            out.emit(&tasks, |w, p| {
                render::tasks(w, p, &tasks, "nothing ready to claim")
            })?;
        }
        Command::ReviewCount { group } => {
            let group = match group {
                Some(g) => g,
                None => actor().whoami()?.group_id,
            };
            let count = store.review_queue_count(&group)?;
            let attention = store.reviewer_attention(&group)?;
            out.emit(
                &json!({ "group": group, "count": count, "attention": attention }),
                |w, _| writeln!(w, "{count}"),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
