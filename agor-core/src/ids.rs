//! Validation of caller-supplied names and content, and resolution of ids by unique prefix.
//! Every front end reaches these through the core, so the rules are the same everywhere.

use crate::error::{Error, ObjectKind, Result};
use crate::storage::{Param, Tx};
use crate::text::{self, MAX_CONTENT_BYTES, MAX_ID_LEN};

/// How many candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 8;

/// Checks an agent id: 1–64 characters of `[A-Za-z0-9_-]`.
pub fn validate_agent_id(id: &str) -> Result<()> {
    validate_token("agent id", id)
}

pub(crate) fn validate_token(field: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(Error::invalid(
            field,
            format!(
                "'{}…' is longer than {MAX_ID_LEN} characters",
                value.chars().take(16).collect::<String>()
            ),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid(
            field,
            format!("'{value}' contains {bad:?}; only letters, digits, '_' and '-' are allowed"),
        ));
    }
    Ok(())
}

/// Checks a message, post or comment body: not blank (see [`crate::is_blank`]), at most
/// [`MAX_CONTENT_BYTES`].
pub fn validate_content(content: &str) -> Result<()> {
    text::require_not_blank("content", content)?;
    if content.len() > MAX_CONTENT_BYTES {
        return Err(Error::invalid(
            "content",
            format!(
                "{} bytes is over the limit of {MAX_CONTENT_BYTES} bytes; put large payloads in a file and send its path",
                content.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a free-text label such as an agent's display name: not blank, at most `max` bytes.
pub(crate) fn validate_label(field: &'static str, value: &str, max: usize) -> Result<()> {
    text::label(field, value, max)
}

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

/// Which rows of a table an actor may name by id or prefix. Rows outside the scope do not
/// exist for that actor: naming one is `NotFound`, and they never make a prefix ambiguous.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// A condition on the table's columns; `$1`, `$2` stand for `args`.
    sql: &'static str,
    args: Vec<String>,
}

impl Scope {
    /// Every row: tier 0, the operator, and lookups that check rights afterwards.
    pub fn all() -> Self {
        Scope {
            sql: "1 = 1",
            args: Vec::new(),
        }
    }

    /// Rows whose `group_id` is `group`.
    pub fn group(group: &str) -> Self {
        Scope {
            sql: "group_id = $1",
            args: vec![group.to_owned()],
        }
    }

    /// Agents an agent may reach: its group and its contacts.
    pub fn reachable_agents(group: &str, agent_id: &str) -> Self {
        Scope {
            sql: "(group_id = $1 OR id IN (SELECT contact_id FROM contacts WHERE agent_id = $2))",
            args: vec![group.to_owned(), agent_id.to_owned()],
        }
    }

    /// Messages an agent sent or received.
    pub fn own_messages(agent_id: &str) -> Self {
        Scope {
            sql: "(from_agent = $1 OR to_agent = $1)",
            args: vec![agent_id.to_owned()],
        }
    }

    /// Messages sent to or from a group.
    pub fn group_messages(group: &str) -> Self {
        Scope {
            sql: "(group_id = $1 OR sender_group_id = $1)",
            args: vec![group.to_owned()],
        }
    }

    /// The condition with its placeholders numbered from `first`.
    fn condition(&self, first: usize) -> String {
        let mut sql = self.sql.to_owned();
        for i in (1..=self.args.len()).rev() {
            sql = sql.replace(&format!("${i}"), &format!("?{}", first + i - 1));
        }
        sql
    }
}

/// Resolves `input` to a full id within `scope`: an exact match wins, else a unique prefix.
/// An ambiguous prefix is an error listing the candidates.
pub(crate) fn resolve(conn: &dyn Tx, t: IdTable, input: &str, scope: &Scope) -> Result<String> {
    if input.is_empty() {
        return Err(Error::invalid("id", format!("empty {} id", t.kind)));
    }
    let mut args: Vec<Param<'_>> = vec![input.into()];
    args.extend(scope.args.iter().map(Param::from));
    let exact = conn.query_opt(
        &format!(
            "SELECT id FROM {} WHERE id = ?1 AND {}",
            t.table,
            scope.condition(2)
        ),
        &args,
        |r| r.get::<String>(0),
    )?;
    if let Some(id) = exact {
        return Ok(id);
    }
    let mut candidates = prefix_matches(conn, t.table, input, scope)?;
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

/// Ids starting with `prefix`, using the primary-key index (a range scan, not `LIKE`,
/// so `_` and `%` in ids are not wildcards).
fn prefix_matches(conn: &dyn Tx, table: &str, prefix: &str, scope: &Scope) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT id FROM {table} WHERE id >= ?1 AND id < ?2 AND {} ORDER BY id LIMIT {}",
        scope.condition(3),
        MAX_CANDIDATES
    );
    let upper = prefix_upper_bound(prefix);
    let mut args: Vec<Param<'_>> = vec![prefix.into(), upper.as_str().into()];
    args.extend(scope.args.iter().map(Param::from));
    conn.query_map(&sql, &args, |r| r.get::<String>(0))
}

/// The smallest string greater than every string that starts with `prefix`.
fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_owned();
    s.push(char::MAX);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids() {
        assert!(validate_agent_id("mgr-1").is_ok());
        assert!(validate_agent_id("A_b-9").is_ok());
        assert!(validate_agent_id(&"x".repeat(64)).is_ok());
        for bad in ["", "a b", "a/b", "é", "a.b", "a;drop"] {
            assert!(validate_agent_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_agent_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn content_limits() {
        assert!(validate_content("hi").is_ok());
        assert!(validate_content("  \n\t").is_err());
        assert!(validate_content("\0\u{200B}\u{FEFF}").is_err());
        assert!(validate_content(&"a".repeat(MAX_CONTENT_BYTES)).is_ok());
        assert!(validate_content(&"a".repeat(MAX_CONTENT_BYTES + 1)).is_err());
    }
}
