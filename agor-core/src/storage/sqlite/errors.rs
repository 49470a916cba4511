//! SQLite's errors as agor's, inside this engine only: no public `From` names rusqlite.

use rusqlite::ErrorCode;

use crate::error::{Error, Result, StorageError};

/// Turns SQLite's errors into agor's, inside this engine only: no public `From` names rusqlite.
pub(crate) trait SqlResult<T> {
    fn sql(self) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn sql(self) -> Result<T> {
        self.map_err(storage_error)
    }
}

pub(crate) fn storage_error(e: rusqlite::Error) -> Error {
    Error::Storage(StorageError::from_engine(e))
}

/// The SQLite error behind a storage error, for classifying it.
pub(crate) fn sqlite_code(e: &Error) -> Option<ErrorCode> {
    match e {
        Error::Storage(s) => s.engine_error::<rusqlite::Error>()?.sqlite_error_code(),
        _ => None,
    }
}
