//! Executing a parsed command: help and the catalogue's listing, a job run through its
//! [`Session`] with its response printed as JSON or rendered as text from that same response,
//! and `watch`.

use std::path::PathBuf;

use agor_core::ops::{self, CallerKind, Request, Response};
use serde_json::Value;

use crate::args::UsageError;
use crate::command::{Command, Invocation, Job, Program, View};
use crate::error::CliError;
use crate::render::Output;
use crate::reply::Reply;
use crate::session::{acting, open_store, Session};
use crate::terminal::{say, Align, Cell, Term};

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
                serde_json::from_str(ops::catalogue_json()).map_err(|e| CliError::Io(e.into()))?;
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
    let who = acting(CallerKind::Either)?;
    let store = open_store(db, false)?;
    let mut waiter = store
        .acting_as(&who)?
        .narrowed(group)
        .waiter(kinds, since)?;
    loop {
        for change in waiter.wait(None)? {
            out.emit(&change, |t| crate::render::change(t, &change))?;
        }
        out.flush()?;
    }
}

fn run_job(db: Option<PathBuf>, job: Job, out: &mut Output<'_>) -> Result<(), CliError> {
    // Environment problems are reported before the database is touched.
    let who = acting(job.who.unwrap_or(CallerKind::Agent))?;
    // Only registering an agent creates the database; anything else on a missing file is a
    // mistyped path, reported with the path instead of leaving an empty database behind.
    let creates = matches!(job.request, Request::RegisterAgent(_));
    let store = open_store(db, creates)?;
    let session = Session::new(&store, &who)?;
    let request = job.request.clone();
    let reply = match job.steps {
        Some(steps) => steps(&session, job.request)?,
        None => session.call(job.request)?.into(),
    };
    if let (Some(path), Reply::Op(Response::ExportTasks(text))) = (&job.output, &reply) {
        std::fs::write(path, text).map_err(|e| {
            CliError::Usage(UsageError::new(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        })?;
    }
    if out.is_json() || job.always_json {
        return Ok(out.json(&reply)?);
    }
    let view = View {
        request: &request,
        stale_after: i64::try_from(store.stale_after().as_secs()).unwrap_or(i64::MAX),
    };
    let mut shown = Ok(());
    out.text(|t| {
        shown = (job.show)(t, &view, reply);
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
