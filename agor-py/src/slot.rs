//! Where an open core store lives while its Python handles use it: shared by a `Store` and
//! every `Actor` made from it, emptied by `close()`.

use std::sync::{Mutex, PoisonError};

use agor_core as core;
use pyo3::prelude::*;

use crate::errors::closed_store;

/// Where the core store lives while the Python handle is open. `close()` empties it; the
/// store and every actor made from it share it, so closing really drops the connection
/// (calls already running keep their own clone and finish first).
#[derive(Debug, Default)]
pub(crate) struct Slot(Mutex<Option<core::Store>>);

impl Slot {
    /// A clone of the open store (an `Arc` bump), taken without holding the lock during the call.
    ///
    /// The lock is released before the "closed" exception is built: building it calls into
    /// Python (importing `agor.errors` may let another thread take the GIL), and a thread that
    /// holds the GIL while waiting for this lock would then deadlock with us for ever.
    pub(crate) fn get(&self, py: Python<'_>) -> PyResult<core::Store> {
        let store = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        store.ok_or_else(|| closed_store(py))
    }

    pub(crate) fn take(&self) -> Option<core::Store> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Slot {
    /// A slot holding an open store.
    pub(crate) fn new(store: core::Store) -> Slot {
        Slot(Mutex::new(Some(store)))
    }

    /// True once the store was taken out (closed).
    pub(crate) fn is_empty(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }
}
