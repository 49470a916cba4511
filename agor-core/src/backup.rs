//! `Store::backup`: a consistent single-file copy of a live database.
//! Copying the file with `cp` is not a backup: in WAL mode recent commits live in `-wal`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::Store;

impl Store {
    /// Writes a consistent copy of the whole database to `target`, a new single file that opens
    /// as an agor database on its own (no `-wal` needed). Refuses to overwrite an existing file.
    ///
    /// The copy is one read snapshot; other processes keep reading and writing meanwhile.
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
        self.inner.engine.backup(&target)?;
        Ok(target)
    }
}
