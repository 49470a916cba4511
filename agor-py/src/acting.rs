//! The base class `agor.Store` (acting as the operator) and `agor.Actor` (acting as its agent)
//! share, and the methods whose arguments are the same for both, written once: the team's
//! agents and roles. Who may do what is the core's rule for the acting principal, as for
//! every other call.

use std::sync::Arc;

use agor_core as core;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::call::call_core;
use crate::errors::to_py_err;
use crate::records::ToPy;
use crate::slot::Slot;

/// What `Store` and `Actor` have in common: the store's open connection and who acts through
/// it (the operator for a `Store`, the agent for an `Actor`). Not made directly.
#[pyclass(frozen, subclass, module = "agor", name = "_Acting")]
#[derive(Debug)]
pub struct Acting {
    slot: Arc<Slot>,
    /// The acting agent's id; None for the operator.
    agent: Option<String>,
}

impl Acting {
    pub(crate) fn new(slot: Arc<Slot>, agent: Option<String>) -> Self {
        Acting { slot, agent }
    }

    /// Runs `f` on the core acting handle with the GIL released and converts its result.
    fn call<'py, T: ToPy + Send>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&core::Actor) -> core::Result<T> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        run_as(py, &self.slot, self.agent.as_deref(), f)
    }
}

/// Runs `f` on the core handle acting as `agent` (None: the operator) on the store in `slot`,
/// with the GIL released, and converts its result: the one body of every typed call of
/// `Store`, `Actor` and their base.
pub(crate) fn run_as<'py, T: ToPy + Send>(
    py: Python<'py>,
    slot: &Slot,
    agent: Option<&str>,
    f: impl FnOnce(&core::Actor) -> core::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let store = slot.get(py)?;
    call_core(py, move || f(&acting(&store, agent, None)?))
}

/// Runs a catalogue request (`Store.call`, `Actor.call`) as `agent` (None: the operator) on
/// the store in `slot`.
pub(crate) fn call_operation_as<'py>(
    py: Python<'py>,
    slot: &Slot,
    agent: Option<&str>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let store = slot.get(py)?;
    crate::call::call_operation(py, request, move |req| {
        core::ops::call_json(&acting(&store, agent, None)?, req)
    })
}

/// Runs a catalogue request as `agent` (None: the operator) on the store in `slot` and
/// answers with its typed response: records as their classes, where `call_operation_as`
/// gives their JSON. The body of every method derived from the catalogue (`agor._derived`).
fn call_typed_as<'py>(
    py: Python<'py>,
    slot: &Slot,
    agent: Option<&str>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let value = crate::call::request_value(py, request)?;
    let store = slot.get(py)?;
    call_core(py, move || {
        core::ops::dispatch(
            &acting(&store, agent, None)?,
            core::ops::request_from_value(value)?,
        )
    })
}

/// The core handle acting as `agent` (None: the operator) on `store`, narrowed to `group`
/// when one is named. `as_agent` is an Arc clone plus an id check: cheap enough per call, and
/// it means a closed store is noticed by every handle made from it.
fn acting(
    store: &core::Store,
    agent: Option<&str>,
    group: Option<&str>,
) -> core::Result<core::Actor> {
    let me = match agent {
        None => store.as_operator(),
        Some(id) => store.as_agent(id)?,
    };
    Ok(match group {
        Some(g) => me.within(g),
        None => me,
    })
}

#[pymethods]
impl Acting {
    /// Runs a catalogue request as `call` does, but answers with records (`Task`, `Message`
    /// …) where `call` gives plain data: what the methods derived from the catalogue return.
    fn _call_typed<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call_typed_as(py, &self.slot, self.agent.as_deref(), request)
    }

    /// Lets `from_id` message `to_id` (and back, with `bidirectional=True`). Idempotent. The
    /// operator between any agents; managers between agents of their group other than
    /// themselves, tier 0 anywhere. Nobody grants itself contacts (`PermissionDeniedError`).
    #[pyo3(signature = (from_id, to_id, bidirectional=false))]
    fn allow<'py>(
        &self,
        py: Python<'py>,
        from_id: String,
        to_id: String,
        bidirectional: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.allow(&from_id, &to_id, bidirectional))
    }

    /// The board of the acting agent's group (the operator: every group's; or `group`'s): a
    /// dict from every status, in board order (`backlog`, `todo`, `in_progress`, `review`,
    /// `done`, `blocked`, `failed`, `cancelled`), to the list of `Task`s in that column
    /// (possibly empty), each column in priority order.
    #[pyo3(signature = (group=None))]
    fn board<'py>(&self, py: Python<'py>, group: Option<String>) -> PyResult<Bound<'py, PyDict>> {
        let columns = self.call(py, |a| a.narrowed(group.as_deref()).board())?;
        PyDict::from_sequence(&columns)
    }

    /// Blocks until changes made by others arrive for the acting principal (the operator: in
    /// every group; or in `group`) and returns them (a list of `Change`, oldest first); `[]`
    /// when `timeout` seconds pass first (`None`: wait forever). `kinds`: any of `message`,
    /// `post`, `task`, `agent` (None: all). `since`: a cursor (None: what arrives from now
    /// on). Another process's commit wakes it within milliseconds; the GIL is released
    /// meanwhile, and Ctrl-C raises `KeyboardInterrupt`.
    #[pyo3(signature = (kinds=None, *, since=None, timeout=None, group=None))]
    fn wait<'py>(
        &self,
        py: Python<'py>,
        kinds: Option<Vec<String>>,
        since: Option<i64>,
        timeout: Option<Bound<'py, PyAny>>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        let agent = self.agent.as_deref();
        crate::call::wait_in_slices(py, kinds, timeout, |kinds| {
            acting(&store, agent, group.as_deref())?.waiter(kinds, since)
        })
    }

    /// A wait (as `wait`'s arguments, `timeout_secs` checked as the catalogue's `wait` does)
    /// registered with the store's shared waiter and polled without blocking: what
    /// `agor.aio` waits with.
    #[pyo3(signature = (kinds=None, since=None, group=None, timeout_secs=None))]
    fn _waiter(
        &self,
        py: Python<'_>,
        kinds: Option<Vec<String>>,
        since: Option<i64>,
        group: Option<String>,
        timeout_secs: Option<f64>,
    ) -> PyResult<crate::waits::Waiter> {
        let kinds: Vec<core::ChangeKind> = crate::args::kinds(py, kinds)?;
        let timeout = core::wait_timeout(timeout_secs).map_err(|e| to_py_err(py, e))?;
        let store = self.slot.get(py)?;
        let agent = self.agent.as_deref();
        crate::waits::Waiter::start(py, timeout, || {
            acting(&store, agent, group.as_deref())?.waiter(&kinds, since)
        })
    }
}
