//! Statements of `crate::reservations`: advisory leases on path globs.

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
