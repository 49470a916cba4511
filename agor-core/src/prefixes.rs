//! Resolution of ids by unique prefix: what a caller types (`3f2a`) to the full id it names,
//! among the rows the caller may name.

use crate::error::{Error, ObjectKind, Result};
use crate::storage::sql::ids as sql;
pub(crate) use crate::storage::sql::ids::Scope;
use crate::storage::Tx;

/// Where ids of one kind live.
#[derive(Clone, Copy)]
pub(crate) struct IdTable {
    pub kind: ObjectKind,
    pub table: &'static str,
}

pub(crate) const AGENTS: IdTable = IdTable {
    kind: ObjectKind::Agent,
    table: "agents",
};
pub(crate) const MESSAGES: IdTable = IdTable {
    kind: ObjectKind::Message,
    table: "messages",
};
pub(crate) const CHANNELS: IdTable = IdTable {
    kind: ObjectKind::Channel,
    table: "channels",
};

/// Resolves `input` to a full id within `scope`: an exact match wins, else a unique prefix.
/// An ambiguous prefix is an error listing the candidates.
pub(crate) fn resolve(conn: &dyn Tx, t: IdTable, input: &str, scope: &Scope) -> Result<String> {
    if input.is_empty() {
        return Err(Error::invalid("id", format!("empty {} id", t.kind)));
    }
    if let Some(id) = sql::exact(conn, t.table, input, scope)? {
        return Ok(id);
    }
    let mut candidates = sql::prefix_matches(conn, t.table, input, scope)?;
    match candidates.len() {
        0 => Err(Error::not_found(t.kind, input)),
        1 => Ok(candidates.remove(0)),
        _ => Err(Error::Ambiguous {
            kind: t.kind,
            prefix: input.to_owned(),
            candidates,
        }),
    }
}
