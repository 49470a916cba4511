//! Statements of `crate::ids`: finding an id, exactly or by prefix, within a scope.

use crate::error::Result;
use crate::storage::{Param, Tx};

/// How many candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 8;

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

    /// Proposals offered to an agent or made from its group.
    pub fn proposals(group: &str, agent_id: &str) -> Self {
        Scope {
            sql: "(from_group = $1 OR agent_id = $2)",
            args: vec![group.to_owned(), agent_id.to_owned()],
        }
    }

    /// The values of the condition's placeholders, in order.
    pub(crate) fn args(&self) -> &[String] {
        &self.args
    }

    /// Messages sent to or from a group.
    pub fn group_messages(group: &str) -> Self {
        Scope {
            sql: "(group_id = $1 OR sender_group_id = $1)",
            args: vec![group.to_owned()],
        }
    }

    /// The condition with its placeholders numbered from `first`.
    pub(crate) fn condition(&self, first: usize) -> String {
        let mut sql = self.sql.to_owned();
        for i in (1..=self.args.len()).rev() {
            sql = sql.replace(&format!("${i}"), &format!("?{}", first + i - 1));
        }
        sql
    }
}

/// The id equal to `input` in `table`, within `scope`.
pub(crate) fn exact(
    tx: &dyn Tx,
    table: &str,
    input: &str,
    scope: &Scope,
) -> Result<Option<String>> {
    let mut args: Vec<Param<'_>> = vec![input.into()];
    args.extend(scope.args.iter().map(Param::from));
    tx.query_opt(
        &format!(
            "SELECT id FROM {table} WHERE id = ?1 AND {}",
            scope.condition(2)
        ),
        &args,
        |r| r.get::<String>(0),
    )
}

/// Ids starting with `prefix`, using the primary-key index (a range scan, not `LIKE`,
/// so `_` and `%` in ids are not wildcards).
pub(crate) fn prefix_matches(
    conn: &dyn Tx,
    table: &str,
    prefix: &str,
    scope: &Scope,
) -> Result<Vec<String>> {
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
