//! The two pieces `agor.aio` waits with, so that any number of async waits share one thread:
//! `_ChangeBell` blocks that one thread until anything may have changed on the store, and a
//! `_Waiter` is polled without blocking when it rings (see `python/agor/aio.py`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use agor_core as core;
use pyo3::prelude::*;

use crate::errors::to_py_err;

/// Locks a mutex a panicking thread may have left poisoned (its data is still whole here).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records as `call` returns them: dicts decoded from the same JSON.
fn as_python<'py, T: serde::Serialize>(
    py: Python<'py>,
    items: &[T],
) -> PyResult<Bound<'py, PyAny>> {
    // Records are plain data: serialising them cannot fail.
    let text = serde_json::to_string(items)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// What a `_Waiter` waits for: changes, or (a waiting `claim_task`) a task to claim.
#[derive(Debug)]
pub(crate) enum Wait {
    Changes(core::Waiter),
    Claim(core::ClaimWaiter),
}

impl From<core::Waiter> for Wait {
    fn from(waiter: core::Waiter) -> Wait {
        Wait::Changes(waiter)
    }
}

impl From<core::ClaimWaiter> for Wait {
    fn from(claims: core::ClaimWaiter) -> Wait {
        Wait::Claim(claims)
    }
}

/// What one poll found: changes, or the claim a try took (none or one).
enum Found {
    Changes(Vec<core::Change>),
    Claims(Vec<core::Claim>),
}

/// One wait registered with the store's shared waiter, polled without blocking. Made by
/// `Store._waiter` / `Actor._waiter` (changes) and `Actor._claim_waiter` (a claim); `close()`
/// (or dropping it) unregisters it.
#[pyclass(frozen, module = "agor._agor", name = "_Waiter")]
#[derive(Debug)]
pub struct Waiter {
    inner: Mutex<Option<Wait>>,
    /// The wait's timeout, judged by the core's rule when it was made (None: forever).
    timeout: Option<Duration>,
}

impl Waiter {
    /// Starts a wait (a read: the caller's sight, the feed's newest cursor) without the GIL.
    pub(crate) fn start<W: Into<Wait> + Send>(
        py: Python<'_>,
        timeout: Option<Duration>,
        start: impl FnOnce() -> core::Result<W> + Send,
    ) -> PyResult<Waiter> {
        let wait = crate::fork::detached(py, start).map_err(|e| to_py_err(py, e))?;
        Ok(Waiter {
            inner: Mutex::new(Some(wait.into())),
            timeout,
        })
    }
}

#[pymethods]
impl Waiter {
    /// What arrived since the last poll: the changes (dicts, oldest first), or for a claim a
    /// list holding the claim (a dict) once one of its tries took a task; `[]` at once when
    /// nothing rang for this wait, or once it is closed.
    fn poll<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let found = crate::fork::detached(py, || match lock(&self.inner).as_mut() {
            None => Ok(Found::Changes(Vec::new())),
            Some(Wait::Changes(waiter)) => waiter.poll().map(Found::Changes),
            Some(Wait::Claim(claims)) => claims
                .poll()
                .map(|c| Found::Claims(c.into_iter().collect())),
        })
        .map_err(|e| to_py_err(py, e))?;
        match found {
            Found::Changes(changes) => as_python(py, &changes),
            Found::Claims(claims) => as_python(py, &claims),
        }
    }

    /// The cursor of the last change returned (or where the wait started); None once closed,
    /// and for a claim.
    #[getter]
    fn cursor(&self) -> Option<i64> {
        match lock(&self.inner).as_ref() {
            Some(Wait::Changes(waiter)) => Some(waiter.cursor()),
            _ => None,
        }
    }

    /// The wait's timeout in seconds (None: forever), as given to `_waiter`.
    #[getter]
    fn timeout(&self) -> Option<f64> {
        self.timeout.map(|t| t.as_secs_f64())
    }

    /// Unregisters the wait from the store's shared waiter. Safe to call twice.
    fn close(&self, py: Python<'_>) {
        // Unregistering may end a LISTEN (PostgreSQL): I/O, without the GIL.
        let taken = py.detach(|| lock(&self.inner).take());
        py.detach(move || drop(taken));
    }
}

/// Blocks one thread until anything may have changed on the store (from any process), or it
/// is kicked or closed: the one blocking call behind every `agor.aio` wait of a store.
#[pyclass(frozen, module = "agor._agor", name = "_ChangeBell")]
#[derive(Debug)]
pub struct ChangeBell {
    bell: Mutex<Option<core::ChangeBell>>,
    /// Cancelled by `kick()` to end the current (or next) `wait` early; replaced after.
    kick: Mutex<core::CancelToken>,
    /// Set by `close()` before it kicks: every `wait` from then on returns False at once.
    closed: AtomicBool,
    /// How long a `wait` may last (the store's sign-of-life interval, so that polls keep
    /// waiting agents alive).
    interval: Duration,
}

impl ChangeBell {
    pub(crate) fn open(py: Python<'_>, store: core::Store) -> PyResult<ChangeBell> {
        let interval = store.sign_of_life_interval();
        let bell =
            crate::fork::detached(py, || store.change_bell()).map_err(|e| to_py_err(py, e))?;
        Ok(ChangeBell {
            bell: Mutex::new(Some(bell)),
            kick: Mutex::default(),
            closed: AtomicBool::new(false),
            interval,
        })
    }
}

#[pymethods]
impl ChangeBell {
    /// Blocks (without the GIL) until a commit may have happened since the last call, the bell
    /// is kicked or closed, or the store's sign-of-life interval passes. Returns False once
    /// closed, else True (the caller polls its waits either way).
    fn wait(&self, py: Python<'_>) -> PyResult<bool> {
        if self.closed.load(Ordering::SeqCst) {
            return Ok(false);
        }
        let token = {
            let mut kick = lock(&self.kick);
            if kick.is_cancelled() {
                // Kicked since the last wait: answer at once; later kicks cancel the new token.
                *kick = core::CancelToken::new();
                return Ok(true);
            }
            kick.clone()
        };
        // Not `fork::detached`: this wait is long, and a fork pass held that long would stall
        // a fork; the bell's wait runs no statement of the store's connection.
        py.detach(|| match lock(&self.bell).as_mut() {
            Some(bell) => bell.wait(self.interval, Some(&token)).map(|_| true),
            None => Ok(false),
        })
        .map_err(|e| to_py_err(py, e))
    }

    /// Ends the current `wait` (or the next one) at once: a new wait was registered.
    fn kick(&self) {
        lock(&self.kick).cancel();
    }

    /// Unregisters the bell; a `wait` running now returns False, and every later one.
    fn close(&self, py: Python<'_>) {
        self.closed.store(true, Ordering::SeqCst);
        self.kick();
        let taken = py.detach(|| lock(&self.bell).take());
        py.detach(move || drop(taken));
    }
}
