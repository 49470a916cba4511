//! The native module `agor._agor`: pyo3 bindings over agor-core, wrapped by the typed Python
//! package `agor` (python/agor). Every core call runs with the GIL released.

mod actor;
mod errors;
mod fork;
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
    fork::detached(py, f)
        .map_err(|e| errors::to_py_err(py, e))?
        .into_object(py)
}

/// A count argument (a limit, a lease length) given as any Python int, judged by the core's one
/// rule (`agor_core::Count`): None stays None (the caller applies the documented default),
/// else 1..=max. 0, negatives and values past the max — however many digits — raise the same
/// `InvalidInputError`, never `OverflowError` and never an empty result.
pub(crate) fn count(
    py: Python<'_>,
    kind: agor_core::Count,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<u32>> {
    let Some(value) = value else { return Ok(None) };
    match value.extract::<i128>() {
        Ok(v) => kind.check(v).map(Some),
        // Wider than i128: out of range by any measure; show it as the caller wrote it.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => {
            Err(kind.out_of_range(value.str()?))
        }
        Err(e) => return Err(e),
    }
    .map_err(|e| errors::to_py_err(py, e))
}

/// A list of words naming kinds (change kinds, search kinds …), each parsed by the core's
/// `FromStr`; None is the empty list (every kind). An unknown word raises the core's error.
pub(crate) fn kinds<T: std::str::FromStr<Err = agor_core::Error>>(
    py: Python<'_>,
    words: Option<Vec<String>>,
) -> PyResult<Vec<T>> {
    words
        .unwrap_or_default()
        .iter()
        .map(|k| k.parse())
        .collect::<agor_core::Result<Vec<T>>>()
        .map_err(|e| errors::to_py_err(py, e))
}

/// An integer argument the core takes as an `i64` (a tier, a version, a dead-letter id), given
/// as any Python int: one too wide for the core is `InvalidInputError` naming the argument,
/// like every other bad value, rather than pyo3's `OverflowError`.
pub(crate) fn int_arg(
    py: Python<'_>,
    field: &'static str,
    value: &Bound<'_, PyAny>,
) -> PyResult<i64> {
    match value.extract::<i64>() {
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => Err(
            errors::invalid(py, field, format!("{} is out of range", value.str()?)),
        ),
        other => other,
    }
}

/// The agent record of a registration (operator's or agent's), with the tier judged as every
/// Python integer is (out of range is `InvalidInputError`, never `OverflowError`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_agent(
    py: Python<'_>,
    id: String,
    name: String,
    role: String,
    group: String,
    tier: Option<Bound<'_, PyAny>>,
    model: Option<String>,
    cwd: Option<String>,
) -> PyResult<agor_core::NewAgent> {
    Ok(agor_core::NewAgent {
        id,
        name,
        role,
        group,
        tier: optional_int_arg(py, "tier", tier.as_ref())?,
        model,
        cwd,
    })
}

/// [`int_arg`] for an optional argument.
pub(crate) fn optional_int_arg(
    py: Python<'_>,
    field: &'static str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<i64>> {
    value.map(|v| int_arg(py, field, v)).transpose()
}

/// [`count`] for a `limit`, with the documented default when absent.
pub(crate) fn limit(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    default: u32,
) -> PyResult<u32> {
    Ok(count(py, agor_core::Count::Limit, value)?.unwrap_or(default))
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
    m.add_function(wrap_pyfunction!(btmsg_main, m)?)?;
    m.add_function(wrap_pyfunction!(bttask_main, m)?)?;
    m.add_function(wrap_pyfunction!(agor_main, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_kinds, m)?)?;
    m.add_class::<store::Store>()?;
    m.add_class::<actor::Actor>()?;
    records::register(m)?;
    fork::register(m)?;
    Ok(())
}

/// A role definition from Python's arguments; an unknown capability or permission word is an
/// `InvalidInputError` naming it.
pub(crate) fn role_def(
    py: Python<'_>,
    name: String,
    tier: i64,
    capabilities: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    creates: Option<Vec<String>>,
) -> PyResult<agor_core::RoleDef> {
    agor_core::RoleDef::from_words(
        &name,
        tier,
        &capabilities.unwrap_or_default(),
        &permissions.unwrap_or_default(),
        &creates.unwrap_or_default(),
    )
    .map_err(|e| errors::to_py_err(py, e))
}
