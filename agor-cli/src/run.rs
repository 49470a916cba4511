//! Executing a parsed command: the environment (`$BTMSG_AGENT_ID`), the store, and the one
//! path every request takes — `agor_core::ops::dispatch` — with its response printed as JSON
//! or rendered as text from that same response.

use std::path::PathBuf;

use agor_core::ops::{self, Caller, Request};
use agor_core::{Actor, Store};
use serde_json::Value;

use crate::args::UsageError;
use crate::command::{Command, Invocation, Job, Program, View, Who};
use crate::exit::CliError;
use crate::render::Output;
use crate::terminal::{say, Align, Cell, Term};

/// Names the acting agent; commands marked with `*` in the help need it.
pub const AGENT_ENV: &str = "BTMSG_AGENT_ID";

/// Whom requests run as, once the environment and the store are known.
#[derive(Debug)]
pub struct Session<'a> {
    store: &'a Store,
    actor: Option<&'a Actor>,
}

impl<'a> Session<'a> {
    /// The acting agent when there is one, else the operator.
    pub fn caller(&self) -> Caller<'a> {
        match self.actor {
            Some(a) => Caller::Agent(a),
            None => Caller::Operator(self.store),
        }
    }

    /// Runs one request through the catalogue as [`Session::caller`].
    pub fn call(&self, request: Request) -> Result<Value, CliError> {
        Ok(ops::dispatch(self.caller(), request)?)
    }

    /// Runs one request as the operator (store-level reports such as review counts).
    pub fn call_as_operator(&self, request: Request) -> Result<Value, CliError> {
        Ok(ops::dispatch(Caller::Operator(self.store), request)?)
    }
}

/// Runs a parsed invocation of `prog`, writing its result to `out`.
pub fn execute(prog: &Program, inv: Invocation, out: &mut Output<'_>) -> Result<(), CliError> {
    match inv.command {
        Command::Help(topic) => {
            let text = crate::help::help(prog, topic.as_deref())?;
            Ok(out.text(|t| t.lines("", &text))?)
        }
        Command::Version => {
            Ok(out.text(|t| say!(t, "{} {}", prog.name, env!("CARGO_PKG_VERSION")))?)
        }
        Command::Generate(what) => Ok(out.text(|t| t.lines("", &crate::dist::text(prog, what)))?),
        Command::Ops => {
            let listing: Value =
                serde_json::from_str(&ops::catalogue_json()).map_err(|e| CliError::Io(e.into()))?;
            Ok(out.emit(&listing, catalogue_table)?)
        }
        Command::Run(job) => run_job(inv.db, job, out),
        Command::Watch {
            kinds,
            since,
            group,
        } => watch(inv.db, &kinds, since, group.as_deref(), out),
    }
}

/// `watch`: one line (or one JSON object) per change for the agent (without one, the
/// operator: every group's, or `group`'s), as each arrives, until the process is interrupted.
/// Waits on a connection of its own; prints in feed order.
fn watch(
    db: Option<PathBuf>,
    kinds: &[agor_core::ChangeKind],
    since: Option<i64>,
    group: Option<&str>,
    out: &mut Output<'_>,
) -> Result<(), CliError> {
    let me = optional_agent_from_env()?;
    let store = open_store(db, false)?;
    let mut waiter = match me {
        Some(id) => {
            let actor = store.as_agent(&id)?;
            match group {
                Some(g) => actor.within(g),
                None => actor,
            }
            .waiter(kinds, since)?
        }
        None => store.waiter(kinds, since, group)?,
    };
    loop {
        for change in waiter.wait(None)? {
            out.emit(&change, |t| crate::render::change(t, &change))?;
        }
        out.flush()?;
    }
}

/// `wait`: the changes that arrived, or [`CliError::TimedOut`] (exit 6) when none did.
pub fn wait_or_time_out(session: &Session<'_>, request: Request) -> Result<Value, CliError> {
    let secs = match &request {
        Request::Wait(w) => w.timeout_secs.unwrap_or(0.0),
        _ => 0.0,
    };
    let value = session.call(request)?;
    if value.as_array().is_some_and(Vec::is_empty) {
        return Err(CliError::TimedOut(secs));
    }
    Ok(value)
}

fn run_job(db: Option<PathBuf>, job: Job, out: &mut Output<'_>) -> Result<(), CliError> {
    // Environment problems are reported before the database is touched.
    let me = match job.who.unwrap_or(Who::Agent) {
        Who::Agent => Some(agent_from_env()?),
        Who::Either => optional_agent_from_env()?,
        Who::Operator => None,
    };
    // Only registering an agent creates the database; anything else on a missing file is a
    // mistyped path, reported with the path instead of leaving an empty database behind.
    let creates = matches!(job.request, Request::RegisterAgent(_));
    let store = open_store(db, creates)?;
    let actor = me.map(|id| store.as_agent(&id)).transpose()?;
    let session = Session {
        store: &store,
        actor: actor.as_ref(),
    };
    let request = job.request.clone();
    let value = match job.steps {
        Some(steps) => steps(&session, job.request)?,
        None => session.call(job.request)?,
    };
    if let Some(path) = &job.output {
        let text = value.as_str().unwrap_or_default();
        std::fs::write(path, text).map_err(|e| {
            CliError::Usage(UsageError::new(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        })?;
    }
    if out.is_json() || job.always_json {
        return Ok(out.json(&value)?);
    }
    let view = View {
        request: &request,
        stale_after: i64::try_from(store.stale_after().as_secs()).unwrap_or(i64::MAX),
    };
    let mut shown = Ok(());
    out.text(|t| {
        shown = (job.show)(t, &view, value);
        Ok(())
    })?;
    shown
}

/// `ops` as text: one line per operation with its caller, effect, action and doc line.
fn catalogue_table(t: &mut Term<'_>) -> std::io::Result<()> {
    let field = |op: &Value, k: &str| op[k].as_str().unwrap_or("-").to_owned();
    let rows: Vec<Vec<Cell>> = ops::catalogue()
        .iter()
        .filter_map(|op| serde_json::to_value(op).ok())
        .map(|op| {
            let doc = field(&op, "doc")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            vec![
                crate::terminal::name(field(&op, "name")),
                Cell::new(field(&op, "caller")),
                Cell::new(field(&op, "effect")),
                Cell::new(field(&op, "action")),
                Cell::new(doc),
            ]
        })
        .collect();
    t.table(
        "",
        Some(&["OPERATION", "CALLER", "EFFECT", "ACTION", "DOC"]),
        &[Align::Left; 5],
        &rows,
    )
}

/// Reads `$BTMSG_AGENT_ID` when it is set; unset or empty means the operator.
fn optional_agent_from_env() -> Result<Option<String>, CliError> {
    match agent_from_env() {
        Ok(id) => Ok(Some(id)),
        Err(_) if std::env::var_os(AGENT_ENV).is_none_or(|v| v.is_empty()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads `$BTMSG_AGENT_ID`; unset or empty is a usage error that says how to fix it.
fn agent_from_env() -> Result<String, CliError> {
    match std::env::var(AGENT_ENV) {
        Ok(id) if !id.is_empty() => Ok(id),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(UsageError::new(format!(
            "{AGENT_ENV} is not set: this command acts as an agent; export \
             {AGENT_ENV}=<agent id> (the team's ids: `btmsg status`; new ones: `btmsg register`). \
             Looking at the team needs no agent: `btmsg status`, `bttask board --group G`, \
             `btmsg changes`, `btmsg search`, `btmsg audit`"
        ))
        .into()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(UsageError::new(format!("{AGENT_ENV} is not valid UTF-8")).into())
        }
    }
}

/// The `--db` file, else `$AGOR_DB`, else the default path; created when missing only if
/// `create` (see [`agor_core::StoreBuilder::create`]).
fn open_store(db: Option<PathBuf>, create: bool) -> Result<Store, CliError> {
    let builder = match db {
        Some(path) => Store::builder().path(path),
        None => Store::builder(),
    };
    Ok(builder.create(create).open()?)
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
