//! `Store::backup`: a consistent single-file copy of a live database.
//! Copying the file with `cp` is not a backup: in WAL mode recent commits live in `-wal`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::Store;

impl Store {
    /// Writes a consistent copy of the whole database to `target`, a new single file that opens
    /// as an agor database on its own (no `-wal` needed). Refuses to overwrite an existing file.
    ///
    /// Uses `VACUUM INTO` rather than the online-backup API: it copies one read snapshot in one
    /// statement, so other processes keep reading and writing meanwhile (in WAL mode a reader
    /// never blocks a writer) and none of their commits can tear the copy, whereas the backup
    /// API restarts whenever another process writes. The copy is also compacted.
    pub fn backup(&self, target: impl AsRef<Path>) -> Result<PathBuf> {
        let target = target.as_ref();
        if target.as_os_str().is_empty() {
            return Err(Error::invalid("path", "the backup path is empty"));
        }
        // Absolute, so SQLite never reads a name such as `file:…` as a URI.
        let target = std::path::absolute(target).map_err(|source| Error::Io {
            path: target.to_owned(),
            source,
        })?;
        let utf8 = target
            .to_str()
            .filter(|s| !s.contains('\0'))
            .ok_or_else(|| {
                Error::invalid("path", "the backup path must be UTF-8 without NUL bytes")
            })?;
        if std::fs::symlink_metadata(&target).is_ok() {
            return Err(Error::Io {
                path: target.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the file exists; a backup never overwrites a file, choose a new name",
                ),
            });
        }
        if let Some(folder) = target.parent() {
            std::fs::metadata(folder).map_err(|source| Error::Io {
                path: folder.to_owned(),
                source,
            })?;
        }
        // VACUUM cannot run inside a transaction, so this is a statement of its own; it still
        // reads one snapshot. SQLite itself refuses a target that appeared meanwhile.
        self.read_one(|c| {
            c.execute("VACUUM INTO ?1", [utf8])?;
            Ok(())
        })
        .map_err(|e| match e {
            // Failures to create or write the copy concern the target, not the database.
            Error::Storage(source) if writing_failed(&source.0) => Error::Io {
                path: target.clone(),
                source: std::io::Error::other(source),
            },
            other => other,
        })?;
        Ok(target)
    }
}

fn writing_failed(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        e.sqlite_error_code(),
        Some(C::CannotOpen | C::PermissionDenied | C::ReadOnly | C::SystemIoFailure | C::DiskFull)
    )
}
