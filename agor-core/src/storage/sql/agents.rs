//! Statements of `crate::agents`: agents, their identities and the contacts ACL.

use crate::agents::TIER_PROJECT;
use crate::error::Result;
use crate::model::agents::{Agent, Contact, Member, NewAgent};
use crate::rules::{AgentIdentity, Role};
use crate::storage::lenient;
use crate::storage::sql::roles;
use crate::storage::{args, Dialect, Param, Row, Tx};

// Heartbeats written by other tools may be REAL (e.g. Python's time.time()); read whole seconds.
// The role's row comes with the identity (one join on a tiny table), so a permission check
// never needs a second query.
const PRINCIPAL_SELECT: &str =
    "SELECT a.id, a.role, a.group_id, a.tier, CAST(h.timestamp AS BIGINT),
        ro.name, ro.tier, ro.capabilities, ro.permissions, ro.creates
    FROM agents a LEFT JOIN heartbeats h ON h.agent_id = a.id
        LEFT JOIN agor_roles ro ON ro.name = a.role";

fn principal_from_row(r: &Row<'_>) -> Result<Member> {
    let role = Role::parse(&lenient::text(r, 1)?);
    let rights = roles::rights_from(&role, r, 5)?;
    Ok(Member {
        identity: AgentIdentity {
            id: lenient::text(r, 0)?,
            role,
            group_id: lenient::text(r, 2)?,
            tier: lenient::opt_int(r, 3)?.unwrap_or(TIER_PROJECT),
            rights,
        },
        last_heartbeat: lenient::opt_int(r, 4)?,
    })
}

/// "Not soft-deleted", over the alias `a`: a removed agent is not found by any lookup.
pub(crate) const PRESENT_SQL: &str =
    "NOT EXISTS (SELECT 1 FROM agor_removed_agents r WHERE r.agent_id = a.id)";

/// An agent's identity by exact id.
pub(crate) fn principal(tx: &dyn Tx, id: &str) -> Result<Option<Member>> {
    tx.query_opt(
        &format!("{PRINCIPAL_SELECT} WHERE a.id = ?1 AND {PRESENT_SQL}"),
        args![id],
        principal_from_row,
    )
}

/// Identities of the agents matching `where_sql` (which may use the alias `a`), by id.
fn principals(tx: &dyn Tx, where_sql: &str, args: &[Param<'_>]) -> Result<Vec<Member>> {
    tx.query_map(
        &format!("{PRINCIPAL_SELECT} WHERE ({where_sql}) AND {PRESENT_SQL} ORDER BY a.id"),
        args,
        principal_from_row,
    )
}

/// The agents other than `except`: of `group`, or of every group when `everywhere`;
/// only those of `role` when given.
pub(crate) fn audience(
    tx: &dyn Tx,
    except: &str,
    group: &str,
    everywhere: bool,
    role: Option<&str>,
) -> Result<Vec<Member>> {
    match role {
        Some(role) => principals(
            tx,
            "a.role = ?1 AND a.id != ?2 AND (?3 = 1 OR a.group_id = ?4)",
            args![role, except, everywhere, group],
        ),
        None => principals(
            tx,
            "a.id != ?1 AND (?2 = 1 OR a.group_id = ?3)",
            args![except, everywhere, group],
        ),
    }
}

/// `SELECT` an agent's columns (see [`agent_from_row`]) `FROM agents a` and what they need.
/// The unread count differs by engine. SQLite's planner always walks `agor_messages_inbox`
/// for a count per agent. PostgreSQL estimates `m.to_agent = a.id` from how many recipients
/// there are: where one agent gets most of the mail, it scanned every message once per agent
/// (2.4 s to list 1,200 agents beside 45,000 messages to one of them, 5 ms per `whoami`), so
/// there the counts come from one grouped pass, which a single agent's `a.id = $1` narrows to
/// its own range of the index (10 ms and 0.2 ms).
fn agents_from(tx: &dyn Tx) -> &'static str {
    // The columns both engines select, before the unread count.
    macro_rules! agent_columns {
        () => {
            "SELECT a.id, a.name, a.role, a.group_id, a.tier, a.model, a.cwd, a.status,
                a.last_active_at, a.created_at, CAST(h.timestamp AS BIGINT), "
        };
    }
    match tx.dialect() {
        Dialect::Sqlite => concat!(
            agent_columns!(),
            "(SELECT count(*) FROM messages m WHERE m.to_agent = a.id AND m.read = 0)
            FROM agents a LEFT JOIN heartbeats h ON h.agent_id = a.id"
        ),
        Dialect::Postgres => concat!(
            agent_columns!(),
            "coalesce(u.unread, 0)
            FROM agents a LEFT JOIN heartbeats h ON h.agent_id = a.id
                LEFT JOIN (SELECT to_agent, count(*) AS unread FROM messages
                           WHERE read = 0 GROUP BY to_agent) u ON u.to_agent = a.id"
        ),
    }
}

fn agent_from_row(r: &Row<'_>) -> Result<Agent> {
    Ok(Agent {
        id: lenient::text(r, 0)?,
        name: lenient::text(r, 1)?,
        role: lenient::text(r, 2)?,
        group_id: lenient::text(r, 3)?,
        tier: lenient::opt_int(r, 4)?.unwrap_or(TIER_PROJECT),
        model: lenient::opt_text(r, 5)?,
        cwd: lenient::opt_text(r, 6)?,
        status: lenient::opt_text(r, 7)?.unwrap_or_else(|| "active".into()),
        last_active_at: lenient::opt_text(r, 8)?,
        created_at: lenient::timestamp(r, 9)?,
        last_heartbeat: lenient::opt_int(r, 10)?,
        unread: r.get(11)?,
    })
}

/// One agent by exact id.
pub(crate) fn load(tx: &dyn Tx, id: &str) -> Result<Option<Agent>> {
    tx.query_opt(
        &format!("{} WHERE a.id = ?1 AND {PRESENT_SQL}", agents_from(tx)),
        args![id],
        agent_from_row,
    )
}

fn query(tx: &dyn Tx, where_sql: &str, args: &[Param<'_>]) -> Result<Vec<Agent>> {
    tx.query_map(
        &format!(
            "{} WHERE ({where_sql}) AND {PRESENT_SQL} ORDER BY a.group_id, a.tier, a.id",
            agents_from(tx)
        ),
        args,
        agent_from_row,
    )
}

/// Every agent, or those of one group.
pub(crate) fn list(tx: &dyn Tx, group: Option<&str>) -> Result<Vec<Agent>> {
    match group {
        Some(g) => query(tx, "a.group_id = ?1", args![g]),
        None => query(tx, "1 = 1", args![]),
    }
}

/// Every agent but `id`.
pub(crate) fn all_but(tx: &dyn Tx, id: &str) -> Result<Vec<Agent>> {
    query(tx, "a.id != ?1", args![id])
}

/// The agents `id` may message.
pub(crate) fn contacts_of(tx: &dyn Tx, id: &str) -> Result<Vec<Agent>> {
    query(
        tx,
        "a.id IN (SELECT contact_id FROM contacts WHERE agent_id = ?1)",
        args![id],
    )
}

/// Whether `from` has `to` among its contacts.
pub(crate) fn is_contact(tx: &dyn Tx, from: &str, to: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM contacts WHERE agent_id = ?1 AND contact_id = ?2",
            args![from, to],
            |_| Ok(()),
        )?
        .is_some())
}

/// Registers an agent, or updates the one with that id, at `tier`.
pub(crate) fn upsert(tx: &dyn Tx, new: &NewAgent, tier: i64, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agents (id, name, role, group_id, tier, model, cwd, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
           group_id = excluded.group_id, tier = excluded.tier,
           model = excluded.model, cwd = excluded.cwd",
        args![&new.id, &new.name, &new.role, &new.group, tier, &new.model, &new.cwd, at],
    )?;
    Ok(())
}

/// Lets `from` message `to`; an existing grant stays as it is.
pub(crate) fn insert_contact(tx: &dyn Tx, from: &str, to: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO contacts (agent_id, contact_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        args![from, to],
    )?;
    Ok(())
}

/// Edges of the contacts ACL, all of them or those touching an agent of `group`.
pub(crate) fn contact_edges(tx: &dyn Tx, group: Option<&str>) -> Result<Vec<Contact>> {
    tx.query_map(
        "SELECT agent_id, contact_id FROM contacts WHERE CAST(?1 AS TEXT) IS NULL
            OR agent_id IN (SELECT id FROM agents WHERE group_id = ?1)
            OR contact_id IN (SELECT id FROM agents WHERE group_id = ?1)
         ORDER BY agent_id, contact_id",
        args![group],
        |r| {
            Ok(Contact {
                agent_id: lenient::text(r, 0)?,
                contact_id: lenient::text(r, 1)?,
            })
        },
    )
}

/// Sets an agent's status and last activity.
pub(crate) fn set_status(tx: &dyn Tx, id: &str, status: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE agents SET status = ?1, last_active_at = ?2 WHERE id = ?3",
        args![status, at, id],
    )?;
    Ok(())
}

/// A soft-deleted agent's identity, by exact id; `None` when it is not removed.
pub(crate) fn removed(tx: &dyn Tx, id: &str) -> Result<Option<Member>> {
    tx.query_opt(
        &format!("{PRINCIPAL_SELECT} WHERE a.id = ?1 AND NOT {PRESENT_SQL}"),
        args![id],
        principal_from_row,
    )
}

/// Whether the agent (removed or not) is stopped: its presence status or its work state.
pub(crate) fn stopped(tx: &dyn Tx, id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM agents a WHERE a.id = ?1 AND (a.status = 'stopped'
                OR EXISTS (SELECT 1 FROM agor_work_state w WHERE w.agent_id = a.id
                           AND w.state = 'stopped'))",
            args![id],
            |r| r.get::<i64>(0),
        )?
        .is_some())
}

pub(crate) fn mark_removed(tx: &dyn Tx, id: &str, by: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_removed_agents (agent_id, removed_by, removed_at) VALUES (?1, ?2, ?3)",
        args![id, by, at],
    )?;
    Ok(())
}

pub(crate) fn unmark_removed(tx: &dyn Tx, id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM agor_removed_agents WHERE agent_id = ?1",
        args![id],
    )?;
    Ok(())
}

/// Why an id is reserved (`agor_reserved_ids`): no new agent may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reserved {
    /// A purged agent's tombstone.
    Purged,
    /// The name of a principal that is not an agent (`operator`, `agor`).
    Principal,
}

/// Whether `id` is reserved, and why.
pub(crate) fn reserved(tx: &dyn Tx, id: &str) -> Result<Option<Reserved>> {
    tx.query_opt(
        "SELECT reason FROM agor_reserved_ids WHERE agent_id = ?1",
        args![id],
        |r| {
            Ok(match lenient::text(r, 0)?.as_str() {
                "purged" => Reserved::Purged,
                _ => Reserved::Principal,
            })
        },
    )
}

/// Whether the file keeps rows in `agents` that its foreign keys need: a file the desktop app
/// created has `REFERENCES agents(id)` on the history tables, and its migration gave it rows
/// for the principals (see SQLite migration 16), which this detects. PostgreSQL never has them.
fn agents_are_referenced(tx: &dyn Tx) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM agents a JOIN agor_reserved_ids r ON r.agent_id = a.id
             WHERE r.reason = 'principal' LIMIT 1",
            args![],
            |_| Ok(()),
        )?
        .is_some())
}

/// Purges an agent: deletes what only describes it (contacts, heartbeat, channel memberships,
/// work state, reservations, secrets) and leaves a tombstone that reserves its id for good, so
/// a newcomer can never inherit its history. Messages, comments, usage and the audit log keep
/// its id as history. Its `agents` row goes too, unless the file's foreign keys need it for that
/// history (a desktop file): then the row stays, marked removed, hidden like any removed agent.
pub(crate) fn purge(tx: &dyn Tx, target: &Member, by: &str, at: &str) -> Result<()> {
    let id = target.id.as_str();
    for sql in [
        "DELETE FROM contacts WHERE agent_id = ?1 OR contact_id = ?1",
        "DELETE FROM heartbeats WHERE agent_id = ?1",
        "DELETE FROM channel_members WHERE agent_id = ?1",
        "DELETE FROM agor_work_state WHERE agent_id = ?1",
        "DELETE FROM agor_reservations WHERE agent_id = ?1",
        "DELETE FROM agor_tokens WHERE agent_id = ?1",
    ] {
        tx.execute(sql, args![id])?;
    }
    tx.execute(
        "INSERT INTO agor_reserved_ids (agent_id, reason, group_id, reserved_by, reserved_at)
         VALUES (?1, 'purged', ?2, ?3, ?4)",
        args![id, target.group_id.as_str(), by, at],
    )?;
    if agents_are_referenced(tx)? {
        tx.execute(
            "INSERT INTO agor_removed_agents (agent_id, removed_by, removed_at)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            args![id, by, at],
        )?;
    } else {
        tx.execute(
            "DELETE FROM agor_removed_agents WHERE agent_id = ?1",
            args![id],
        )?;
        tx.execute("DELETE FROM agents WHERE id = ?1", args![id])?;
    }
    Ok(())
}

pub(crate) fn rename(tx: &dyn Tx, id: &str, name: &str) -> Result<()> {
    tx.execute("UPDATE agents SET name = ?1 WHERE id = ?2", args![name, id])?;
    Ok(())
}
