//! The one place where core errors become Python exceptions: `ErrorKind` picks the class,
//! the error's variant supplies the attributes (`current_version`, `dead_letter_id`, ...).

use agor_core::{Error, ErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyType};

/// The classes live in the typed Python layer (`agor/errors.py`) so they can use multiple
/// inheritance (`InvalidInputError` is also a `ValueError`) and carry annotations.
const ERRORS_MODULE: &str = "agor.errors";

/// The Python class name for each kind. Exhaustive on purpose: a new kind in the core
/// fails to compile here until it has a class.
pub(crate) fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Ambiguous => "AmbiguousIdError",
        ErrorKind::PermissionDenied => "PermissionDeniedError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::AlreadyClaimed => "AlreadyClaimedError",
        ErrorKind::Lease => "LeaseError",
        ErrorKind::RecipientUnavailable => "RecipientUnavailableError",
        ErrorKind::InvalidInput => "InvalidInputError",
        ErrorKind::Schema => "SchemaError",
        ErrorKind::ReadOnly => "ReadOnlyError",
        ErrorKind::Busy => "BusyError",
        ErrorKind::Storage => "StorageError",
    }
}

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || py.import(ERRORS_MODULE).map(Bound::unbind))
        .map(|m| m.bind(py))
}

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(errors_module(py)?.getattr(name)?.cast_into::<PyType>()?)
}

/// The attributes an error carries besides its message.
fn details<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyDict>> {
    // A batch's bad item: the item's own attributes, and where it stands in the batch.
    if let Error::Item { index, source } = err {
        let d = details(py, source)?;
        d.set_item("item", index)?;
        return Ok(d);
    }
    let d = PyDict::new(py);
    match err {
        Error::NotFound { kind, id, .. } => {
            d.set_item("object_kind", kind.as_str())?;
            d.set_item("object_id", id)?;
        }
        Error::Ambiguous {
            kind,
            prefix,
            candidates,
        } => {
            d.set_item("object_kind", kind.as_str())?;
            d.set_item("prefix", prefix)?;
            d.set_item("candidates", candidates.clone())?;
        }
        Error::PermissionDenied { actor, action } => {
            d.set_item("actor", actor)?;
            d.set_item("action", action)?;
        }
        Error::Conflict {
            kind,
            id,
            expected,
            current_version,
        } => {
            d.set_item("object_kind", kind.as_str())?;
            d.set_item("object_id", id)?;
            d.set_item("expected", expected)?;
            d.set_item("current_version", current_version)?;
        }
        Error::AlreadyClaimed { task_id, by } => {
            d.set_item("task_id", task_id)?;
            d.set_item("claimed_by", by)?;
        }
        Error::Lease { task_id, reason } => {
            d.set_item("task_id", task_id)?;
            d.set_item("reason", reason)?;
        }
        Error::RecipientUnavailable {
            recipient,
            dead_letter_id,
            silent_secs,
        } => {
            d.set_item("recipient", recipient)?;
            d.set_item("dead_letter_id", dead_letter_id)?;
            d.set_item("silent_secs", silent_secs)?;
        }
        Error::InvalidInput { field, reason } => {
            d.set_item("field", field)?;
            d.set_item("reason", reason)?;
        }
        Error::SchemaTooNew { path, .. }
        | Error::NotAgorDatabase { path, .. }
        | Error::ReadOnly { path, .. }
        | Error::OtherProcess { path, .. }
        | Error::Io { path, .. } => {
            d.set_item("path", path.to_string_lossy())?;
        }
        Error::Busy { waited_ms } => {
            d.set_item("waited_ms", waited_ms)?;
        }
        // Storage, Migration and variants added later carry nothing beyond their message.
        _ => {}
    }
    Ok(d)
}

/// Converts a core error into the matching `agor.errors` exception.
pub(crate) fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = class(py, class_name(err.kind()))?;
        let exc = cls.call((err.to_string(),), Some(&details(py, &err)?))?;
        Ok(PyErr::from_value(exc))
    };
    // Only fails if `agor.errors` cannot be imported; that import error is then the clearer one.
    build().unwrap_or_else(|e| e)
}

/// An error for a store that was closed with `close()` or by leaving a `with` block.
pub(crate) fn closed_store(py: Python<'_>) -> PyErr {
    class(py, class_name(ErrorKind::Storage))
        .and_then(|cls| cls.call1(("the store is closed",)))
        .map_or_else(|e| e, PyErr::from_value)
}

/// A bad value for an integer argument, raised as `InvalidInputError`.
pub(crate) fn invalid(py: Python<'_>, field: &'static str, reason: String) -> PyErr {
    to_py_err(py, Error::InvalidInput { field, reason })
}

/// One sample core error per kind, by kind name: lets the test suite check in one place that
/// every kind maps to its own class with its attributes, including an I/O failure that no
/// test can provoke on demand. The other kinds are also raised for real by the suites.
#[pyfunction]
pub(crate) fn _sample_error(py: Python<'_>, kind: &str) -> PyResult<PyErr> {
    let path = std::path::PathBuf::from("/tmp/sample.db");
    let err = match kind {
        "NotFound" => Error::NotFound {
            kind: agor_core::ObjectKind::Agent,
            id: "ghost".into(),
            database: Some(path.display().to_string()),
        },
        "Ambiguous" => Error::Ambiguous {
            kind: agor_core::ObjectKind::Message,
            prefix: "ab".into(),
            candidates: vec!["abc1".into(), "abd2".into()],
        },
        "PermissionDenied" => Error::PermissionDenied {
            actor: "dev-1".into(),
            action: "create channels".into(),
        },
        "Conflict" => Error::Conflict {
            kind: agor_core::ObjectKind::Task,
            id: "t1".into(),
            expected: 2,
            current_version: 3,
        },
        "AlreadyClaimed" => Error::AlreadyClaimed {
            task_id: "t1".into(),
            by: Some("dev-2".into()),
        },
        "Lease" => Error::Lease {
            task_id: "t1".into(),
            reason: "token expired".into(),
        },
        "RecipientUnavailable" => Error::RecipientUnavailable {
            recipient: "dev-2".into(),
            dead_letter_id: 7,
            silent_secs: 900,
        },
        "InvalidInput" => Error::InvalidInput {
            field: "content",
            reason: "must not be empty".into(),
        },
        "Schema" => Error::SchemaTooNew {
            path,
            found: 99,
            supported: 2,
        },
        "ReadOnly" => Error::ReadOnly {
            path,
            reason: "opened read-only".into(),
        },
        "Busy" => Error::Busy { waited_ms: 100 },
        "Storage" => Error::Io {
            path,
            source: std::io::Error::other("disk on fire"),
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "no sample for error kind {other:?}"
            )))
        }
    };
    Ok(to_py_err(py, err))
}

/// Names of every `ErrorKind`, in the core's order, for the exhaustive mapping test.
#[pyfunction]
pub(crate) fn _error_kinds() -> Vec<(String, &'static str)> {
    ErrorKind::ALL
        .iter()
        .map(|k| (format!("{k:?}"), class_name(*k)))
        .collect()
}
