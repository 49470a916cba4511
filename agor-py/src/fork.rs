//! fork() safety: no thread of this process is inside SQLite at the moment it forks, so the
//! child inherits no lock held mid-operation — neither agor's connection lock nor SQLite's own
//! process-wide mutexes — and can open the database again (the copied store refuses calls).
//!
//! Every call that runs SQLite without the GIL holds a pass; `os.fork()` first waits until no
//! pass is out and keeps new ones from being handed out until the fork is done. Atomics, not a
//! mutex: a mutex copied locked into the child would itself hang it. A blocking wait holds a
//! pass too, with a token the fork cancels (see [`detached_wait`]), so a fork never waits for
//! a parked wait.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use agor_core::CancelToken;
use pyo3::prelude::*;
use pyo3::types::PyDict;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static FORKING: AtomicBool = AtomicBool::new(false);

/// The waits in flight, each with the token a fork cancels. Only taken with a pass held (or by
/// the forking thread before it waits for the passes), so no thread holds it when the process
/// forks and the child never inherits it locked.
static WAITS: Mutex<Vec<(u64, CancelToken)>> = Mutex::new(Vec::new());
static NEXT_WAIT: AtomicU64 = AtomicU64::new(0);

fn waits() -> MutexGuard<'static, Vec<(u64, CancelToken)>> {
    WAITS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held while a call runs SQLite; dropped (inside the GIL-free section) when it returns.
struct Pass;

impl Pass {
    fn take() -> Pass {
        loop {
            while FORKING.load(SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            IN_FLIGHT.fetch_add(1, SeqCst);
            // The forking thread sets the flag before it counts, so re-checking after counting
            // closes the window in which both could proceed.
            if !FORKING.load(SeqCst) {
                return Pass;
            }
            IN_FLIGHT.fetch_sub(1, SeqCst);
        }
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, SeqCst);
    }
}

/// Runs `f` (which uses SQLite) with the GIL released and a pass held.
pub(crate) fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    py.detach(|| {
        let _pass = Pass::take();
        f()
    })
}

/// Runs a blocking wait `f` like [`detached`], handing it a token that a fork cancels: a
/// parked wait makes way for a fork at once (it returns as if its time ran out, keeping its
/// place in the feed, and its caller waits again once the fork is done) instead of holding the
/// fork back for as long as it waits.
pub(crate) fn detached_wait<T: Send>(
    py: Python<'_>,
    f: impl FnOnce(&CancelToken) -> T + Send,
) -> T {
    py.detach(|| {
        let _pass = Pass::take();
        let token = CancelToken::new();
        let id = NEXT_WAIT.fetch_add(1, SeqCst);
        waits().push((id, token.clone()));
        // A fork that began after this pass was taken may have cancelled the listed waits
        // before this one was listed.
        if FORKING.load(SeqCst) {
            token.cancel();
        }
        let out = f(&token);
        waits().retain(|(i, _)| *i != id);
        out
    })
}

/// `os.register_at_fork(before=…)`: cancels the waits in flight, waits for calls in flight
/// (they need no GIL to finish) and holds new ones back. Runs in the forking thread with the
/// GIL held.
#[pyfunction]
fn _before_fork() {
    FORKING.store(true, SeqCst);
    for (_, wait) in waits().iter() {
        wait.cancel();
    }
    while IN_FLIGHT.load(SeqCst) > 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// `os.register_at_fork(after_in_parent=…, after_in_child=…)`: calls may run again. In the
/// child the only thread is the forking one, and the counter is already zero.
#[pyfunction]
fn _after_fork() {
    FORKING.store(false, SeqCst);
}

/// Registers the hooks with `os.register_at_fork` (absent on platforms without fork).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let os = py.import("os")?;
    if !os.hasattr("register_at_fork")? {
        return Ok(());
    }
    let after = wrap_pyfunction!(_after_fork, m)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("before", wrap_pyfunction!(_before_fork, m)?)?;
    kwargs.set_item("after_in_parent", &after)?;
    kwargs.set_item("after_in_child", &after)?;
    os.call_method("register_at_fork", (), Some(&kwargs))?;
    Ok(())
}
