//! Cancelling a blocking call from elsewhere: a [`CancelToken`] is shared between the code that
//! waits (a `wait` parked on the store's shared waiter) and the code that knows the wait is no
//! longer wanted (an MCP client that went away, Ctrl-C in Python, an async task dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A flag that, once set, stays set and wakes whatever registered to hear of it. Cheap to
/// clone; clones share the flag.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    cancelled: bool,
    next: u64,
    wakers: HashMap<u64, Box<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels: every wait using this token (now or later) returns promptly.
    pub fn cancel(&self) {
        let wakers = {
            let mut s = self.lock();
            if s.cancelled {
                return;
            }
            s.cancelled = true;
            std::mem::take(&mut s.wakers)
        };
        // Outside the lock: a waker takes the lock of what it wakes.
        for wake in wakers.values() {
            wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// Calls `wake` once when the token is cancelled (at once if it already is), unless the
    /// returned guard is dropped first.
    pub fn on_cancel(&self, wake: impl Fn() + Send + Sync + 'static) -> OnCancel {
        let mut s = self.lock();
        if s.cancelled {
            drop(s);
            wake();
            return OnCancel { token: None, id: 0 };
        }
        let id = s.next;
        s.next += 1;
        s.wakers.insert(id, Box::new(wake));
        OnCancel {
            token: Some(self.clone()),
            id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Keeps a waker registered with a [`CancelToken`]; dropping it unregisters the waker, so a
/// long-lived token (a Python session's) does not collect one per wait.
#[derive(Debug)]
#[must_use = "dropping it unregisters the waker"]
pub struct OnCancel {
    token: Option<CancelToken>,
    id: u64,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if let Some(t) = &self.token {
            t.lock().wakers.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn cancel_wakes_registered_wakers_once_and_dropped_ones_never() {
        let t = CancelToken::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let _kept = t.on_cancel(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        let h = hits.clone();
        drop(t.on_cancel(move || {
            h.fetch_add(100, Ordering::SeqCst);
        }));
        t.cancel();
        t.cancel();
        assert!(t.is_cancelled());
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        let h = hits.clone();
        let _late = t.on_cancel(move || {
            h.fetch_add(10, Ordering::SeqCst);
        });
        assert_eq!(hits.load(Ordering::SeqCst), 11, "a late waker runs at once");
    }
}
