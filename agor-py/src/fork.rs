//! fork() safety: no thread of this process is inside SQLite at the moment it forks, so the
//! child inherits no lock held mid-operation — neither agor's connection lock nor SQLite's own
//! process-wide mutexes — and can open the database again (the copied store refuses calls).
//!
//! Every call that runs SQLite without the GIL holds a pass; `os.fork()` first waits until no
//! pass is out and keeps new ones from being handed out until the fork is done. Atomics, not a
//! mutex: a mutex copied locked into the child would itself hang it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static FORKING: AtomicBool = AtomicBool::new(false);

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

/// `os.register_at_fork(before=…)`: waits for calls in flight (they need no GIL to finish)
/// and holds new ones back. Runs in the forking thread with the GIL held.
#[pyfunction]
fn _before_fork() {
    FORKING.store(true, SeqCst);
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
