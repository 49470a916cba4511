//! Statements of `crate::reservations` and `crate::claim_paths`: advisory leases on path
//! globs, and the path globs of tasks, which a live claim holds as reservations.

use crate::error::Result;
use crate::model::reservations::Reservation;

use crate::storage::lenient;
use crate::storage::{args, Row, Tx};

const COLUMNS: &str = "id, agent_id, group_id, pattern, exclusive, reason, created_at, expires_ms";

fn from_row(r: &Row<'_>) -> Result<Reservation> {
    Ok(Reservation {
        id: r.get(0)?,
        agent_id: r.get(1)?,
        group_id: r.get(2)?,
        pattern: r.get(3)?,
        exclusive: r.get(4)?,
        reason: lenient::opt_text(r, 5)?,
        created_at: lenient::timestamp(r, 6)?,
        expires_at_ms: r.get(7)?,
        task_id: None,
    })
}

/// Removes reservations that lapsed before `now_ms`; returns how many.
pub(crate) fn reap(tx: &dyn Tx, now_ms: i64) -> Result<usize> {
    tx.execute(
        "DELETE FROM agor_reservations WHERE expires_ms <= ?1",
        args![now_ms],
    )
}

/// Live reservations of a group (every group when `None`), by pattern then holder.
pub(crate) fn live(tx: &dyn Tx, group: Option<&str>, now_ms: i64) -> Result<Vec<Reservation>> {
    tx.query_map(
        &format!(
            "SELECT {COLUMNS} FROM agor_reservations
             WHERE (CAST(?1 AS TEXT) IS NULL OR group_id = ?1) AND expires_ms > ?2
             ORDER BY pattern, agent_id"
        ),
        args![group, now_ms],
        from_row,
    )
}

/// Inserts a reservation, or replaces the holder's own on the same pattern.
pub(crate) fn upsert(tx: &dyn Tx, r: &Reservation) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO agor_reservations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (agent_id, pattern) DO UPDATE SET exclusive = excluded.exclusive,
                 reason = excluded.reason, expires_ms = excluded.expires_ms"
        ),
        args![
            r.id.as_str(),
            r.agent_id.as_str(),
            r.group_id.as_str(),
            r.pattern.as_str(),
            i64::from(r.exclusive),
            r.reason.as_deref(),
            r.created_at.as_str(),
            r.expires_at_ms
        ],
    )?;
    Ok(())
}

pub(crate) fn set_expiry(tx: &dyn Tx, id: &str, expires_ms: i64) -> Result<()> {
    tx.execute(
        "UPDATE agor_reservations SET expires_ms = ?2 WHERE id = ?1",
        args![id, expires_ms],
    )?;
    Ok(())
}

pub(crate) fn delete(tx: &dyn Tx, id: &str) -> Result<()> {
    tx.execute("DELETE FROM agor_reservations WHERE id = ?1", args![id])?;
    Ok(())
}

/// A task's path globs as stored: one per line (a glob holds no control character), NULL for
/// none.
pub(crate) fn paths_from(stored: Option<String>) -> Vec<String> {
    stored
        .map(|p| {
            p.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Sets a task's path globs (empty: none).
pub(crate) fn set_task_paths(tx: &dyn Tx, task_id: &str, paths: &[String]) -> Result<()> {
    let stored = (!paths.is_empty()).then(|| paths.join("\n"));
    tx.execute(
        "UPDATE tasks SET paths = ?1 WHERE id = ?2",
        args![stored.as_deref(), task_id],
    )?;
    Ok(())
}

/// The paths of tasks under a live claim in a group (every group when `None`), each as the
/// exclusive reservation it is while the lease lives: derived from the claim itself, so every
/// way a claim ends (completion, release, a lapse, a move out of `in_progress`) ends them too.
pub(crate) fn claimed(tx: &dyn Tx, group: Option<&str>, now_ms: i64) -> Result<Vec<Reservation>> {
    let sql = claimed_sql(group.is_none());
    let rows = match group {
        Some(g) => tx.query_map(&sql, args![now_ms, g], claim_from_row)?,
        None => tx.query_map(&sql, args![now_ms], claim_from_row)?,
    };
    Ok(rows.into_iter().flatten().collect())
}

/// The query of [`claimed`]: `?1` now (ms), `?2` the group (not for tier 0). The group's
/// in-progress tasks are one range of `agor_tasks_group_queue` (tier 0: of
/// `agor_tasks_status_queue`), so its cost follows the claims held, not the board.
pub(crate) fn claimed_sql(admin: bool) -> String {
    let group = if admin { "" } else { "t.group_id = ?2 AND " };
    format!(
        "SELECT t.id, t.assigned_to, t.group_id, t.paths, t.updated_at, t.lease_expires_ms,
            t.version FROM tasks t
         WHERE {group}t.status IN ('progress', 'in_progress') AND t.paths IS NOT NULL
           AND t.lease_token IS NOT NULL AND t.lease_expires_ms > ?1"
    )
}

fn claim_from_row(r: &Row<'_>) -> Result<Vec<Reservation>> {
    let task_id = lenient::text(r, 0)?;
    let agent_id = lenient::opt_text(r, 1)?.unwrap_or_default();
    let group_id = lenient::opt_text(r, 2)?.unwrap_or_default();
    let created_at = lenient::timestamp(r, 4)?;
    let expires_at_ms: i64 = r.get(5)?;
    let version = lenient::opt_int(r, 6)?.unwrap_or(0);
    Ok(paths_from(lenient::opt_text(r, 3)?)
        .into_iter()
        .enumerate()
        .map(|(n, pattern)| Reservation {
            // Names this claim (the version moves with every claim), so a claim taken again
            // since a snapshot is never mistaken for the one judged then.
            id: format!("claim:{task_id}:{version}:{n}"),
            agent_id: agent_id.clone(),
            group_id: group_id.clone(),
            pattern,
            exclusive: true,
            reason: Some(format!("claimed task {task_id}")),
            created_at: created_at.clone(),
            expires_at_ms,
            task_id: Some(task_id.clone()),
        })
        .collect())
}
