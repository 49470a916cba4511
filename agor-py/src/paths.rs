//! File paths from Python: `str`, `bytes` or any `os.PathLike`, as Python's own `open()` takes.
//! `os.fsdecode` does the conversion so undecodable POSIX bytes survive (surrogateescape).

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::errors::invalid;

/// Converts `obj` to a path; a wrong type raises `TypeError` (from `os.fspath`), a NUL byte
/// `InvalidInputError` naming `field` (SQLite takes C strings).
pub(crate) fn path_arg(
    py: Python<'_>,
    field: &'static str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<PathBuf> {
    let decoded = py.import("os")?.getattr("fsdecode")?.call1((obj,))?;
    let path: PathBuf = decoded.extract()?;
    if path.as_os_str().as_encoded_bytes().contains(&0) {
        return Err(invalid(py, field, "contains a NUL character".into()));
    }
    Ok(path)
}
