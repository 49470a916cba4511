//! `VACUUM INTO`: the SQLite engine's consistent single-file copy of a live database.

use std::path::Path;

use rusqlite::{Connection, ErrorCode as C};

use super::{sqlite_code, storage_error};
use crate::error::{Error, Result};

/// Copies one read snapshot in one statement, so other processes keep reading and writing
/// meanwhile (in WAL mode a reader never blocks a writer) and none of their commits can tear
/// the copy, whereas the online-backup API restarts whenever another process writes. The
/// copy is also compacted. VACUUM cannot run inside a transaction, so this is a statement of
/// its own. SQLite itself refuses a target that appeared since the caller looked.
pub(super) fn vacuum_into(conn: &Connection, target: &Path) -> Result<()> {
    let utf8 = target
        .to_str()
        .filter(|s| !s.contains('\0'))
        .ok_or_else(|| Error::invalid("path", "the backup path must be UTF-8 without NUL bytes"))?;
    match conn
        .execute("VACUUM INTO ?1", [utf8])
        .map_err(storage_error)
    {
        Ok(_) => Ok(()),
        // Failures to create or write the copy concern the target, not the database.
        Err(e) if writing_failed(&e) => Err(Error::Io {
            path: target.to_owned(),
            source: std::io::Error::other(e.to_string()),
        }),
        Err(e) => Err(e),
    }
}

fn writing_failed(e: &Error) -> bool {
    matches!(
        sqlite_code(e),
        Some(C::CannotOpen | C::PermissionDenied | C::ReadOnly | C::SystemIoFailure | C::DiskFull)
    )
}
