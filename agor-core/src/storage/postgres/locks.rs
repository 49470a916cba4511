//! The advisory locks that serialize writers on one agor schema (see the parent module for the
//! locking contract). Here, below the engine, because migrations (`schema`) and a waiter
//! recording itself (`signal`) take the write lock outside the engine's own transactions.

use super::url::storage_error;
use crate::error::Result;

/// `pg_advisory_xact_lock(CLASS, schema hash)`: the first key names agor ("agor" in ASCII).
pub(super) const LOCK_CLASS: i32 = 0x6167_6f72;
/// The tail lock of row-lock writes (see the parent module), keyed by the same schema hash
/// ("agot").
pub(super) const TAIL_CLASS: i32 = 0x6167_6f74;

/// Takes the schema's write lock (`key`: the hash of its name) for the rest of the transaction
/// `client` is in, outside the engine's own transactions (migrations, a waiter recording
/// itself).
pub(super) fn take_write_lock(client: &mut impl postgres::GenericClient, key: i32) -> Result<()> {
    client
        .execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_CLASS, &key])
        .map_err(storage_error)?;
    Ok(())
}
