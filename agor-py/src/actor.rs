//! `agor.Actor`: the store seen as one agent. Every messaging and task-board call is checked
//! (ACL, role, tier) and audited as that agent by the core; this layer only converts arguments.

use std::sync::Arc;

use agor_core as core;
use pyo3::prelude::*;

use crate::acting::{call_operation_as, run_as, Acting};
use crate::errors::to_py_err;
use crate::records::ToPy;
use crate::slot::Slot;

/// Acts as one agent on a store. Get one with `store.as_agent(id)`.
///
/// Every call is one transaction, runs without the GIL, and is permission-checked and written
/// to the audit log as this agent. Ids of agents, messages, channels and tasks accept a unique
/// prefix; channels may also be named.
#[pyclass(frozen, extends = Acting, module = "agor")]
#[derive(Debug)]
pub struct Actor {
    /// The `Store` it was made from (returned by `.store`), and what that store shares with
    /// it: the slot of the open core store, and the path.
    store: Py<PyAny>,
    slot: Arc<Slot>,
    path: String,
    id: String,
}

impl Actor {
    pub(crate) fn new(store: Py<PyAny>, slot: Arc<Slot>, path: String, id: String) -> Self {
        Actor {
            store,
            slot,
            path,
            id,
        }
    }

    /// Runs `f` on the core actor with the GIL released and converts its result.
    fn call<'py, T: ToPy + Send>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&core::Actor) -> core::Result<T> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        run_as(py, &self.slot, Some(&self.id), f)
    }
}

#[pymethods]
impl Actor {
    /// The acting agent's id.
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }

    /// The store this actor works on.
    #[getter]
    fn store(&self, py: Python<'_>) -> Py<PyAny> {
        self.store.clone_ref(py)
    }

    /// Runs any operation of the catalogue (`agor.operations()`) as this agent:
    /// `actor.call({"op": "send", "to": "dev-1", "content": "hi"})`. Returns the response as
    /// plain Python data; raises the same errors as the typed methods.
    #[pyo3(name = "call")]
    fn call_operation<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call_operation_as(py, &self.slot, Some(&self.id), request)
    }

    /// `read(message_id)`: one message, marked read if addressed to this agent.
    /// `read()`: every unread message, oldest first, all marked read (like `read_unread`).
    #[pyo3(signature = (message_id=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        message_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match message_id {
            Some(id) => self.call(py, |a| a.read(&id)),
            None => self.call(py, |a| a.read_unread()),
        }
    }

    /// The newest messages of a group (default: this agent's), newest first. Tier 0 only.
    /// `limit`: 1 to `MAX_LIMIT` (None: 50); anything else raises `InvalidInputError`.
    #[pyo3(signature = (limit=None, group=None), text_signature = "($self, limit=50, group=None)")]
    fn feed<'py>(
        &self,
        py: Python<'py>,
        limit: Option<Bound<'py, PyAny>>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::args::limit(py, limit.as_ref(), core::DEFAULT_FEED_LIMIT)?;
        self.call(py, |a| a.feed(group.as_deref(), n))
    }

    /// Sets this agent's work state (`idle`, `working` with an optional `task`, `done`,
    /// `error`, `stopped`; a move the rules forbid raises `InvalidInputError`), or applies a
    /// coding agent's `hook` event (`SessionStart`, `UserPromptSubmit`, `Stop` …), which never
    /// fails on a move. Returns the `AgentWork`.
    #[pyo3(signature = (state=None, task=None, hook=None))]
    fn set_work_state<'py>(
        &self,
        py: Python<'py>,
        state: Option<String>,
        task: Option<String>,
        hook: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let state = state
            .map(|s| s.parse::<core::WorkState>())
            .transpose()
            .map_err(|e| to_py_err(py, e))?;
        self.call(py, |a| match (state, hook.as_deref()) {
            (Some(s), None) => a.set_work_state(s, task.as_deref()),
            (None, Some(h)) if task.is_none() => a.apply_hook(h),
            _ => Err(core::Error::InvalidInput {
                field: "state",
                reason: "give a state (with an optional task) or a hook event".into(),
            }),
        })
    }

    /// Records one model request of this agent: tokens in and out, cost in US dollars, the
    /// model, and optionally the task it served. Returns the `UsageRecord`.
    #[pyo3(signature = (input_tokens, output_tokens, cost_usd, model, task=None))]
    fn record_usage<'py>(
        &self,
        py: Python<'py>,
        input_tokens: i64,
        output_tokens: i64,
        cost_usd: f64,
        model: String,
        task: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| {
            a.record_usage(
                input_tokens,
                output_tokens,
                cost_usd,
                &model,
                task.as_deref(),
            )
        })
    }

    /// Reserves path globs before editing them: exclusive unless `shared`, for `ttl` seconds
    /// (None: an hour), all or none. A conflicting reservation of another agent of the group
    /// raises `AlreadyClaimedError` naming the holder and paths. Returns the `Reservation`s.
    #[pyo3(signature = (paths, shared=false, ttl=None, reason=None))]
    fn reserve<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<String>,
        shared: bool,
        ttl: Option<Bound<'py, PyAny>>,
        reason: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let secs = crate::args::count(py, core::Count::LeaseSecs, ttl.as_ref())?
            .unwrap_or(core::DEFAULT_RESERVATION_SECS);
        self.call(py, |a| a.reserve(&paths, !shared, secs, reason.as_deref()))
    }

    /// Extends this agent's reservations (`ids`, None: all) to `ttl` seconds from now.
    #[pyo3(signature = (ids=None, ttl=None))]
    fn renew_reservations<'py>(
        &self,
        py: Python<'py>,
        ids: Option<Vec<String>>,
        ttl: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let secs = crate::args::count(py, core::Count::LeaseSecs, ttl.as_ref())?
            .unwrap_or(core::DEFAULT_RESERVATION_SECS);
        let ids = ids.unwrap_or_default();
        self.call(py, |a| a.renew_reservations(&ids, secs))
    }

    /// Edits a task's `title`, `description`, `priority`, `definition_of_done`, `tags` or
    /// `paths` (each only when given; tags and paths replace the set) if it is still at `expected_version`; a stale
    /// version raises `ConflictError` with the current one. Returns the updated `Task`.
    #[pyo3(signature = (task_id, expected_version, title=None, description=None, priority=None, definition_of_done=None, tags=None, paths=None, approval=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_task<'py>(
        &self,
        py: Python<'py>,
        task_id: String,
        expected_version: i64,
        title: Option<String>,
        description: Option<String>,
        priority: Option<String>,
        definition_of_done: Option<String>,
        tags: Option<Vec<String>>,
        paths: Option<Vec<String>>,
        approval: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let priority = priority
            .map(|p| p.parse::<core::Priority>())
            .transpose()
            .map_err(|e| to_py_err(py, e))?;
        let change = core::TaskUpdate {
            title,
            description,
            priority,
            definition_of_done,
            tags,
            paths,
            approval,
            requires: None,
            max_attempts: None,
        };
        self.call(py, |a| a.update_task(&task_id, expected_version, &change))
    }

    /// Claims a todo task under a lease: `task_id`, or the best next one of this agent's group
    /// (highest priority, then sort order) that is unassigned or assigned to this agent.
    ///
    /// Returns a `Claim` (`.task`, `.token`, `.expires_at`), or None when there is nothing to
    /// claim. The task becomes `in_progress` and assigned to this agent until the lease
    /// (`lease_seconds`, 1 to `MAX_LEASE_SECONDS`, None for 900) lapses; keep the token for
    /// `renew_lease`, `release_task` and `complete_task`. Raises `AlreadyClaimedError` if
    /// another worker holds the task, `InvalidInputError` if it is not `todo`, and
    /// `PermissionDeniedError` for architects and testers.
    ///
    /// `wait` (seconds): when nothing fits (no free task, or the named one held by another),
    /// block up to that long for a task change (created, assigned, released, completed …)
    /// that may make one fit, woken by the change feed rather than polling; then the usual
    /// answer (None, or `AlreadyClaimedError`). The GIL is released meanwhile, and Ctrl-C
    /// raises `KeyboardInterrupt`.
    #[pyo3(
        signature = (task_id=None, lease_seconds=None, *, wait=None),
        text_signature = "($self, task_id=None, lease_seconds=900, *, wait=None)"
    )]
    fn claim_task<'py>(
        &self,
        py: Python<'py>,
        task_id: Option<String>,
        lease_seconds: Option<Bound<'py, PyAny>>,
        wait: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let secs = crate::args::lease(py, lease_seconds.as_ref())?;
        let Some(wait) = wait else {
            return self.call(py, |a| a.claim_task(task_id.as_deref(), secs));
        };
        let wait = crate::args::seconds(py, "wait", &wait)?;
        let deadline = std::time::Instant::now().checked_add(wait);
        let store = self.slot.get(py)?;
        let id = self.id.as_str();
        let mut claims = crate::fork::detached(py, || {
            store.as_agent(id)?.claim_waiter(task_id.as_deref(), secs)
        })
        .map_err(|e| to_py_err(py, e))?;
        // A claim waits a bounded time; "as long as it takes" is its deadline's own cap.
        let got = crate::call::wait_in_pieces(py, deadline, |time, fork| {
            claims.claim(time.unwrap_or(std::time::Duration::MAX), Some(fork))
        })?;
        match got {
            Some(claim) => claim.object(py),
            // The time has passed: the answer a claim without a wait gives now.
            None => self.call(py, |a| a.claim_task(task_id.as_deref(), secs)),
        }
    }

    /// A waiting `claim_task` (`task_id`, `lease_secs` and `wait_secs` checked as the
    /// catalogue's) registered with the store's shared waiter and polled without blocking, each
    /// poll a step of the core's claim loop: what `agor.aio` waits for work with.
    #[pyo3(signature = (task_id, lease_secs, wait_secs))]
    fn _claim_waiter(
        &self,
        py: Python<'_>,
        task_id: Option<String>,
        lease_secs: Option<i64>,
        wait_secs: f64,
    ) -> PyResult<crate::waits::Waiter> {
        let request = core::ops::args::ClaimTask {
            task_id,
            lease_secs,
            wait_secs: Some(wait_secs),
        };
        let (lease, wait) = request
            .lease()
            .and_then(|lease| Ok((lease, request.wait()?)))
            .map_err(|e| to_py_err(py, e))?;
        let store = self.slot.get(py)?;
        let id = self.id.as_str();
        crate::waits::Waiter::start(py, wait, || {
            store
                .as_agent(id)?
                .claim_waiter(request.task_id.as_deref(), lease)
        })
    }

    /// Extends a live lease to `lease_seconds` from now (1 to `MAX_LEASE_SECONDS`; None: 900);
    /// returns the renewed `Claim`. Raises `LeaseError` if `token` is not the current lease or
    /// it has lapsed, `InvalidInputError` for a lease length out of range.
    #[pyo3(
        signature = (task_id, token, lease_seconds=None),
        text_signature = "($self, task_id, token, lease_seconds=900)"
    )]
    fn renew_lease<'py>(
        &self,
        py: Python<'py>,
        task_id: String,
        token: String,
        lease_seconds: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let secs = crate::args::lease(py, lease_seconds.as_ref())?;
        self.call(py, |a| a.renew_lease(&task_id, &token, secs))
    }

    fn __repr__(&self) -> String {
        format!("Actor(id={:?}, path={:?})", self.id, self.path)
    }
}
