//! Statements of `crate::settings`: the operator's settings, one row per key that was set.

use crate::error::Result;
use crate::storage::{args, lenient, Tx};

/// The stored value of `key`, if the operator set it.
pub(crate) fn get(tx: &dyn Tx, key: &str) -> Result<Option<String>> {
    Ok(tx
        .query_opt(
            "SELECT value FROM agor_settings WHERE key = ?1",
            args![key],
            |r| lenient::opt_text(r, 0),
        )?
        .flatten())
}

/// Every stored `(key, value)`.
pub(crate) fn all(tx: &dyn Tx) -> Result<Vec<(String, String)>> {
    tx.query_map(
        "SELECT key, value FROM agor_settings ORDER BY key",
        args![],
        |r| Ok((lenient::text(r, 0)?, lenient::text(r, 1)?)),
    )
}

/// Sets `key` to `value`.
pub(crate) fn set(tx: &dyn Tx, key: &str, value: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![key, value, at],
    )?;
    Ok(())
}
