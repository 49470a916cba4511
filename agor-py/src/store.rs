//! `agor.Store`: an open database file, and `agor.open()` that makes one.
//! Agent registry, ACL, audit, liveness and review-queue queries that need no acting agent
//! live here.

use std::sync::Arc;

use agor_core as core;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::acting::{call_operation_as, Acting};
use crate::actor::Actor;
use crate::args::seconds;
use crate::call::call_core;
use crate::errors::to_py_err;
use crate::paths::path_arg;
use crate::slot::Slot;

/// Opens (creating if needed) an agor database file.
///
/// `path`: a str, bytes or path-like; None means `$AGOR_DB`, else `~/.local/share/agor/btmsg.db`.
/// A `postgresql://user:password@host/db` URL opens a PostgreSQL database instead.
/// `busy_timeout`: seconds a write waits for another process's lock (default 10).
/// `read_only`: refuse every write with `ReadOnlyError`.
/// `stale_after`: seconds without a heartbeat after which an agent counts as stale (default 300).
/// `create`: create a missing database (default True); with False a missing file (or a
/// PostgreSQL schema without agor's tables) raises `NotFoundError` naming it, and nothing is
/// created on disk.
///
/// Raises `SchemaError` for a file that is not an agor/btmsg database or is from a newer
/// agor (the file is left untouched), `StorageError` if it cannot be opened.
#[pyfunction]
#[pyo3(signature = (path=None, *, busy_timeout=None, read_only=false, stale_after=None, create=true))]
pub(crate) fn open(
    py: Python<'_>,
    path: Option<Bound<'_, PyAny>>,
    busy_timeout: Option<Bound<'_, PyAny>>,
    read_only: bool,
    stale_after: Option<Bound<'_, PyAny>>,
    create: bool,
) -> PyResult<Py<Store>> {
    let mut builder = core::Store::builder().read_only(read_only).create(create);
    if let Some(p) = path {
        builder = builder.path(path_arg(py, "path", &p)?);
    }
    if let Some(s) = busy_timeout {
        builder = builder.busy_timeout(seconds(py, "busy_timeout", &s)?);
    }
    if let Some(s) = stale_after {
        builder = builder.stale_after(seconds(py, "stale_after", &s)?);
    }
    // Opening may wait on another process's lock or run a migration: release the GIL.
    let store = crate::fork::detached(py, || builder.open()).map_err(|e| to_py_err(py, e))?;
    let path = store.path().to_string_lossy().into_owned();
    let slot = Arc::new(Slot::new(store));
    let store = Store {
        path,
        slot: slot.clone(),
    };
    // The operator acts through a store (agents and roles: `Acting`'s methods).
    Py::new(
        py,
        PyClassInitializer::from(Acting::new(slot, None)).add_subclass(store),
    )
}

/// An open agor database: one SQLite file shared by many processes.
///
/// Create it with `agor.open(path)`. Every method is one transaction. A store may be used from
/// several threads; calls release the GIL while they run. `close()` (or leaving a `with`
/// block) drops the connection for the store and every actor made from it; afterwards every
/// call, from any thread, raises `StorageError`. In a child made by `os.fork()` the store
/// raises `StorageError` ("opened in another process"): open the file again there. `fork()`
/// waits for calls running in other threads, so the child never inherits a lock mid-call.
#[pyclass(frozen, extends = Acting, module = "agor")]
#[derive(Debug)]
pub struct Store {
    pub(crate) slot: Arc<Slot>,
    path: String,
}

impl Store {
    pub(crate) fn path_str(&self) -> &str {
        &self.path
    }
}

#[pymethods]
impl Store {
    /// The database file's path.
    #[getter]
    fn path(&self) -> &str {
        self.path_str()
    }

    /// True once `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.slot.is_empty()
    }

    /// Seconds without a heartbeat after which an agent is stale.
    #[getter]
    fn stale_after(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.slot.get(py)?.stale_after().as_secs_f64())
    }

    /// Runs any operation of the catalogue (`agor.operations()`) as the operator:
    /// `store.call({"op": "audit_log", "limit": 5})`. Operations that act as an agent raise
    /// `PermissionDeniedError` here; run them with `Actor.call`.
    fn call<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call_operation_as(py, &self.slot, None, request)
    }

    /// A handle acting as agent `id`: every call through it is permission-checked and audited
    /// as that agent. The id's format is checked now, its existence by each call.
    fn as_agent(slf: Bound<'_, Self>, id: String) -> PyResult<Py<Actor>> {
        let py = slf.py();
        core::validate_agent_id(&id).map_err(|e| to_py_err(py, e))?;
        let (slot, path) = (slf.get().slot.clone(), slf.get().path.clone());
        let base = Acting::new(slot.clone(), Some(id.clone()));
        let actor = Actor::new(slf.into_any().unbind(), slot, path, id);
        Py::new(py, PyClassInitializer::from(base).add_subclass(actor))
    }

    /// The store's `_ChangeBell`: rings on any change, whoever made it (see `agor.aio`).
    fn _change_bell(&self, py: Python<'_>) -> PyResult<crate::waits::ChangeBell> {
        crate::waits::ChangeBell::open(py, self.slot.get(py)?)
    }

    /// The agor schema version of the file (`PRAGMA user_version`).
    fn schema_version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.schema_version())
    }

    /// Writes a consistent copy of the whole database to `path` (str, bytes or path-like), a new
    /// single file that opens on its own, and returns its absolute path.
    ///
    /// Use this, not a file copy: in WAL mode recent commits sit in the `-wal` file until a
    /// checkpoint, so copying the main file alone loses them. Other processes may keep writing
    /// meanwhile; the copy is one snapshot. Refuses to overwrite an existing file
    /// (`StorageError`).
    fn backup<'py>(&self, py: Python<'py>, path: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let target = path_arg(py, "path", &path)?;
        let store = self.slot.get(py)?;
        call_core(py, move || {
            store
                .backup(&target)
                .map(|p| p.to_string_lossy().into_owned())
        })
    }

    /// Closes the connection (for this store and its actors). Safe to call twice.
    fn close(&self, py: Python<'_>) {
        let store = self.slot.take();
        // Closing the last connection checkpoints the WAL, which is file I/O.
        crate::fork::detached(py, move || drop(store));
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { ", closed" } else { "" };
        format!("Store(path={:?}{state})", self.path)
    }
}
