//! Whom a command's requests run as, and where: `$BTMSG_AGENT_ID` read for the kind of caller
//! a command declares, the store opened, and the one path every request takes from there —
//! `agor_core::ops::dispatch`.

use std::path::PathBuf;

use agor_core::ops::{self, Caller, CallerKind, Request, Response};
use agor_core::{PrincipalId, Store};

use crate::args::UsageError;
use crate::error::CliError;
use crate::reply::Reply;

/// Names the acting agent; commands marked with `*` in the help need it.
pub const AGENT_ENV: &str = "BTMSG_AGENT_ID";

/// Whom requests run as, once the environment and the store are known: the one acting
/// handle, an agent's or the operator's.
#[derive(Debug)]
pub struct Session {
    /// The acting agent when there is one, else the operator.
    caller: Caller,
}

impl Session {
    /// Requests on `store` as `who`.
    pub(crate) fn new(store: &Store, who: &PrincipalId) -> Result<Session, CliError> {
        Ok(Session {
            caller: store.acting_as(who)?,
        })
    }

    /// Runs one request through the catalogue as the session's principal.
    pub fn call(&self, request: Request) -> Result<Response, CliError> {
        Ok(ops::dispatch(&self.caller, request)?)
    }

    /// Runs one request as the operator (store-level reports such as review counts).
    pub fn call_as_operator(&self, request: Request) -> Result<Response, CliError> {
        Ok(ops::dispatch(&self.caller.store().as_operator(), request)?)
    }
}

/// `wait`: the changes that arrived, or [`CliError::TimedOut`] (exit 6) when none did.
pub fn wait_or_time_out(session: &Session, request: Request) -> Result<Reply, CliError> {
    let secs = match &request {
        Request::Wait(w) => w.timeout_secs.unwrap_or(0.0),
        _ => 0.0,
    };
    match session.call(request)? {
        Response::Wait(changes) if changes.is_empty() => Err(CliError::TimedOut(secs)),
        response => Ok(response.into()),
    }
}

/// Whom a command of `kind` acts as: the agent `$BTMSG_AGENT_ID` names, required for an
/// agent's command, taken when set for one open to either, ignored for the operator's
/// (who acts otherwise).
pub(crate) fn acting(kind: CallerKind) -> Result<PrincipalId, CliError> {
    let agent = match kind {
        CallerKind::Agent => Some(agent_from_env()?),
        CallerKind::Either => optional_agent_from_env()?,
        CallerKind::Operator => None,
    };
    Ok(agent.map_or(PrincipalId::Operator, PrincipalId::Agent))
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
pub(crate) fn open_store(db: Option<PathBuf>, create: bool) -> Result<Store, CliError> {
    let builder = match db {
        Some(path) => Store::builder().path(path),
        None => Store::builder(),
    };
    Ok(builder.create(create).open()?)
}
