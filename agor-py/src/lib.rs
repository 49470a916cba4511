//! The native module `agor._agor`: pyo3 bindings over agor-core, wrapped by the typed Python
//! package `agor` (python/agor). Every core call runs with the GIL released.

mod actor;
mod errors;
mod paths;
mod records;
mod store;

use std::ffi::OsString;

use pyo3::prelude::*;

use crate::records::ToPy;

/// Runs one core operation without the GIL (the core `Store` is `Send + Sync` and serialises
/// on its own connection lock), then converts the result or maps the error.
pub(crate) fn call_core<'py, T: ToPy + Send>(
    py: Python<'py>,
    f: impl FnOnce() -> agor_core::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    py.detach(f)
        .map_err(|e| errors::to_py_err(py, e))?
        .into_object(py)
}

/// A `limit` argument: Python ints are unbounded, the core takes a `u32`.
pub(crate) fn limit(py: Python<'_>, value: i64) -> PyResult<u32> {
    to_u32(py, "limit", value)
}

/// An integer argument the core takes as a `u32`, refused with `InvalidInputError` (naming
/// `field`) when out of range; the core then checks its own bounds.
pub(crate) fn to_u32(py: Python<'_>, field: &'static str, value: i64) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| {
        errors::invalid(
            py,
            field,
            format!("{value} is not between 0 and {}", u32::MAX),
        )
    })
}

/// A catalogue request from Python: a dict `{"op": name, ...}` (or its JSON text).
fn request_json(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = request.extract::<String>() {
        return Ok(text);
    }
    py.import("json")?
        .call_method1("dumps", (request,))?
        .extract()
}

/// Runs a catalogue request for `caller` without the GIL and returns the response as Python
/// data (dicts, lists, str, int, None), decoded by the `json` module.
pub(crate) fn call_operation<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    run: impl FnOnce(&str) -> agor_core::Result<String> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let text = request_json(py, request)?;
    let response = py
        .detach(|| run(&text))
        .map_err(|e| errors::to_py_err(py, e))?;
    py.import("json")?.call_method1("loads", (response,))
}

/// The catalogue of operations: a list of dicts with `name`, `doc`, `caller` (`agent`,
/// `operator` or `either`), the permission `action`, and the `request`/`response` JSON
/// Schemas. Every operation can be run with `Store.call` / `Actor.call`.
#[pyfunction]
fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("json")?
        .call_method1("loads", (agor_core::ops::catalogue_json(),))
}

/// Runs the `btmsg` command with `argv` (`argv[0]` is the program name) and returns its exit
/// code. Used by the `btmsg` console script.
#[pyfunction]
fn btmsg_main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    py.detach(|| agor_cli::btmsg_main(argv))
}

/// Runs the `bttask` command with `argv` (`argv[0]` is the program name) and returns its exit
/// code. Used by the `bttask` console script.
#[pyfunction]
fn bttask_main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    py.detach(|| agor_cli::bttask_main(argv))
}

#[pymodule]
fn _agor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_LEASE_SECONDS", agor_core::DEFAULT_LEASE_SECS)?;
    m.add("MAX_LEASE_SECONDS", agor_core::MAX_LEASE_SECS)?;
    m.add_function(wrap_pyfunction!(store::open, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(btmsg_main, m)?)?;
    m.add_function(wrap_pyfunction!(bttask_main, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_kinds, m)?)?;
    m.add_class::<store::Store>()?;
    m.add_class::<actor::Actor>()?;
    records::register(m)?;
    Ok(())
}
