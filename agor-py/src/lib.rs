//! The native module `agor._agor`: pyo3 bindings over agor-core, wrapped by the typed Python
//! package `agor` (python/agor). Every core call runs with the GIL released.

#![warn(missing_docs)]

mod acting;
mod actor;
mod args;
mod call;
mod errors;
mod fork;
mod paths;
mod records;
mod slot;
mod store;
mod waits;

use std::ffi::OsString;

use pyo3::prelude::*;

/// The catalogue of operations: a list of dicts with `name`, `doc`, `caller` (`agent`,
/// `operator` or `either`), the permission `action`, and the `request`/`response` JSON
/// Schemas. Every operation can be run with `Store.call` / `Actor.call`.
#[pyfunction]
fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("json")?
        .call_method1("loads", (agor_core::ops::catalogue_json(),))
}

/// One operation of the catalogue by name, as `operations()` gives it, with only its own
/// schemas built: what a method derived from the catalogue is made from. None for an unknown
/// name.
#[pyfunction]
fn _operation<'py>(py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    agor_core::ops::operation(name)
        .map(|op| {
            let value = serde_json::to_value(&op)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
            call::py_value(py, &value)
        })
        .transpose()
}

/// Every operation's name and who calls it (`agent`, `operator`, `either`), without their
/// schemas: what `agor._derived` needs at import time.
#[pyfunction]
fn _operation_callers() -> Vec<(&'static str, &'static str)> {
    agor_core::ops::callers()
        .iter()
        .map(|(name, caller)| {
            let caller = match caller {
                agor_core::ops::CallerKind::Agent => "agent",
                agor_core::ops::CallerKind::Operator => "operator",
                agor_core::ops::CallerKind::Either => "either",
            };
            (*name, caller)
        })
        .collect()
}

/// Runs the `btmsg` command with `argv` (`argv[0]` is the program name) and returns its exit
/// code. Used by the `btmsg` console script.
#[pyfunction]
fn btmsg_main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    fork::detached(py, || agor_cli::btmsg_main(argv))
}

/// Runs the `bttask` command with `argv` (`argv[0]` is the program name) and returns its exit
/// code. Used by the `bttask` console script.
#[pyfunction]
fn bttask_main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    fork::detached(py, || agor_cli::bttask_main(argv))
}

/// Runs the `agor` command (`agor mcp`: the MCP server) with `argv` and returns its exit code
/// when the server ends. Used by the `agor` console script.
#[pyfunction]
fn agor_main(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    // Not `fork::detached`: the server runs for the life of the process, and a fork pass held
    // that long would stall any fork. The server's calls open their own connections.
    py.detach(|| agor_mcp::agor_main(argv))
}

#[pymodule]
fn _agor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_LEASE_SECONDS", agor_core::DEFAULT_LEASE_SECS)?;
    m.add("MAX_LEASE_SECONDS", agor_core::MAX_LEASE_SECS)?;
    m.add("MAX_LIMIT", agor_core::MAX_LIMIT)?;
    m.add_function(wrap_pyfunction!(store::open, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(_operation_callers, m)?)?;
    m.add_function(wrap_pyfunction!(_operation, m)?)?;
    m.add_function(wrap_pyfunction!(btmsg_main, m)?)?;
    m.add_function(wrap_pyfunction!(bttask_main, m)?)?;
    m.add_function(wrap_pyfunction!(agor_main, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_kinds, m)?)?;
    m.add_class::<store::Store>()?;
    m.add_class::<actor::Actor>()?;
    m.add_class::<waits::Waiter>()?;
    m.add_class::<waits::ChangeBell>()?;
    records::register(m)?;
    fork::register(m)?;
    Ok(())
}
