//! Running a core call from Python: without the GIL, the result converted to Python or the
//! error mapped; a catalogue request by name; and the sliced blocking wait of the sync API.

use std::time::{Duration, Instant};

use agor_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PySequence, PyString, PyTuple};

use crate::errors::{self, to_py_err};
use crate::fork;
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

/// A catalogue request from Python: a dict `{"op": name, ...}` (or its JSON text).
fn request_json(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = request.extract::<String>() {
        return Ok(text);
    }
    py.import("json")?
        .call_method1("dumps", (request,))?
        .extract()
}

/// A catalogue request from Python, read as a JSON value without a JSON text on the way: a
/// dict `{"op": name, ...}` (or its JSON text, parsed). A str holding a lone surrogate raises
/// `UnicodeEncodeError`, as every typed method does; a value JSON cannot hold, `TypeError`.
pub(crate) fn request_value(
    py: Python<'_>,
    request: &Bound<'_, PyAny>,
) -> PyResult<serde_json::Value> {
    if request.is_instance_of::<PyString>() {
        let text: String = request.extract()?;
        return serde_json::from_str(&text).map_err(|e| {
            let reason = format!("not valid JSON: {e}");
            errors::to_py_err(
                py,
                agor_core::Error::InvalidInput {
                    field: "request",
                    reason,
                },
            )
        });
    }
    json_value(request)
}

/// `value` (dicts with str keys, lists, tuples, str, int, float, bool, None) as JSON.
fn json_value(value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::String(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(i.into());
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(u.into());
        }
        // Wider than any field takes (`agor._derived` refuses it first for a method's own
        // arguments): `InvalidInputError`, never `OverflowError`.
        let reason = format!("{} is out of range", value.str()?);
        return Err(crate::errors::invalid(value.py(), "request", reason));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err("a request holds no NaN or infinity"));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut fields = serde_json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            if !k.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err("a request's keys are str"));
            }
            fields.insert(k.extract()?, json_value(&v)?);
        }
        return Ok(Value::Object(fields));
    }
    if value.is_instance_of::<PyList>()
        || value.is_instance_of::<PyTuple>()
        || value.cast::<PySequence>().is_ok()
    {
        return value
            .try_iter()?
            .map(|item| json_value(&item?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    // An integral number of another type (a numpy int): as the int it stands for.
    if value.hasattr("__index__")? {
        return json_value(&value.call_method0("__index__")?);
    }
    // A real number of another type (a `Fraction`): as the float it stands for.
    if value.hasattr("__float__")? {
        return json_value(&value.call_method0("__float__")?);
    }
    Err(PyTypeError::new_err(format!(
        "a request holds dicts, lists, str, int, float, bool and None, not {}",
        value.get_type().name()?
    )))
}

/// A JSON value as Python data (dicts, lists, str, int, float, bool, None), the inverse of
/// `json_value`, without the `json` module (whose import weighs more than agor's own).
pub(crate) fn py_value<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|item| py_value(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(fields) => {
            let dict = PyDict::new(py);
            for (k, v) in fields {
                dict.set_item(k, py_value(py, v)?)?;
            }
            dict.into_any()
        }
    })
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

/// Whether this is Python's main thread, the only one its signal handlers (Ctrl-C) run on.
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let threading = py.import("threading")?;
    Ok(threading
        .call_method0("current_thread")?
        .is(&threading.call_method0("main_thread")?))
}

/// How long one GIL-free piece of a blocking call waits before Python's signals are looked at:
/// on the main thread a short slice, so Ctrl-C is noticed within it; on any other thread (which
/// signals never reach) all of `left`, so a thousand waiting threads do not wake ten thousand
/// times a second to look at signals they never get.
fn slice_of(main: bool, left: Option<Duration>) -> Option<Duration> {
    const SLICE: Duration = Duration::from_millis(100);
    if main {
        Some(left.map_or(SLICE, |l| l.min(SLICE)))
    } else {
        left
    }
}

/// Blocks with the GIL released until `piece` answers or `deadline` passes (then `None`): in
/// slices on the main thread, each followed by a look at Python's signals (see [`slice_of`]);
/// a fork cuts a piece short and the next goes on (see [`fork::detached_wait`]). `piece` is
/// given how long it may wait (`None`: as long as it takes) and the token a fork cancels; the
/// waiter it drives keeps its place between pieces, so nothing is missed and nothing polled.
pub(crate) fn wait_in_pieces<T: Send>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut piece: impl FnMut(Option<Duration>, &core::CancelToken) -> core::Result<Option<T>> + Send,
) -> PyResult<Option<T>> {
    let main = on_main_thread(py)?;
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let got = fork::detached_wait(py, |fork| piece(slice_of(main, left), fork))
            .map_err(|e| to_py_err(py, e))?;
        if got.is_some() || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(got);
        }
        if main {
            py.check_signals()?;
        }
    }
}

/// The one Python wait, for an agent's waiter or the operator's: `kinds` and `timeout` as
/// Python gives them, then [`wait_in_pieces`] until changes come (an empty list when the time
/// passes first).
pub(crate) fn wait_in_slices<'py>(
    py: Python<'py>,
    kinds: Option<Vec<String>>,
    timeout: Option<Bound<'py, PyAny>>,
    start: impl FnOnce(&[core::ChangeKind]) -> core::Result<core::Waiter> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let kinds: Vec<core::ChangeKind> = crate::args::kinds(py, kinds)?;
    let timeout = timeout
        .map(|t| crate::args::seconds(py, "timeout", &t))
        .transpose()?;
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut waiter = fork::detached(py, || start(&kinds)).map_err(|e| to_py_err(py, e))?;
    let got = wait_in_pieces(py, deadline, |time, fork| {
        let changes = waiter.wait_cancellable(time, fork)?;
        Ok((!changes.is_empty()).then_some(changes))
    })?;
    got.unwrap_or_default().object(py)
}
