//! `agor.Store`: an open database file, and `agor.open()` that makes one.
//! Agent registry, ACL, audit, liveness and review-queue queries that need no acting agent
//! live here.

use std::sync::Arc;

use agor_core as core;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::actor::Actor;
use crate::args::seconds;
use crate::call::call_core;
use crate::errors::{invalid, to_py_err};
use crate::paths::path_arg;
use crate::records::ToPy;
use crate::slot::Slot;

/// Opens (creating if needed) an agor database file.
///
/// `path`: a str, bytes or path-like; None means `$AGOR_DB`, else `~/.local/share/agor/btmsg.db`.
/// A `postgresql://user:password@host/db` URL opens a PostgreSQL database instead.
/// `busy_timeout`: seconds a write waits for another process's lock (default 10).
/// `read_only`: refuse every write with `ReadOnlyError`.
/// `stale_after`: seconds without a heartbeat after which an agent counts as stale (default 300).
/// `create`: create a missing database (default True); with False a missing file (or a
/// PostgreSQL schema without agor's tables) raises `NotFoundError` naming it, and nothing is
/// created on disk.
///
/// Raises `SchemaError` for a file that is not an agor/btmsg database or is from a newer
/// agor (the file is left untouched), `StorageError` if it cannot be opened.
#[pyfunction]
#[pyo3(signature = (path=None, *, busy_timeout=None, read_only=false, stale_after=None, create=true))]
pub(crate) fn open(
    py: Python<'_>,
    path: Option<Bound<'_, PyAny>>,
    busy_timeout: Option<Bound<'_, PyAny>>,
    read_only: bool,
    stale_after: Option<Bound<'_, PyAny>>,
    create: bool,
) -> PyResult<Store> {
    let mut builder = core::Store::builder().read_only(read_only).create(create);
    if let Some(p) = path {
        builder = builder.path(path_arg(py, "path", &p)?);
    }
    if let Some(s) = busy_timeout {
        builder = builder.busy_timeout(seconds(py, "busy_timeout", &s)?);
    }
    if let Some(s) = stale_after {
        builder = builder.stale_after(seconds(py, "stale_after", &s)?);
    }
    // Opening may wait on another process's lock or run a migration: release the GIL.
    let store = crate::fork::detached(py, || builder.open()).map_err(|e| to_py_err(py, e))?;
    Ok(Store {
        path: store.path().to_string_lossy().into_owned(),
        slot: Arc::new(Slot::new(store)),
    })
}

/// An open agor database: one SQLite file shared by many processes.
///
/// Create it with `agor.open(path)`. Every method is one transaction. A store may be used from
/// several threads; calls release the GIL while they run. `close()` (or leaving a `with`
/// block) drops the connection for the store and every actor made from it; afterwards every
/// call, from any thread, raises `StorageError`. In a child made by `os.fork()` the store
/// raises `StorageError` ("opened in another process"): open the file again there. `fork()`
/// waits for calls running in other threads, so the child never inherits a lock mid-call.
#[pyclass(frozen, module = "agor")]
#[derive(Debug)]
pub struct Store {
    pub(crate) slot: Arc<Slot>,
    path: String,
}

impl Store {
    pub(crate) fn path_str(&self) -> &str {
        &self.path
    }
}

#[pymethods]
impl Store {
    /// The database file's path.
    #[getter]
    fn path(&self) -> &str {
        self.path_str()
    }

    /// True once `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.slot.is_empty()
    }

    /// Seconds without a heartbeat after which an agent is stale.
    #[getter]
    fn stale_after(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.slot.get(py)?.stale_after().as_secs_f64())
    }

    /// Registers an agent, or updates it if the id exists, as the operator (who sets the team
    /// up); returns the `Agent`. Agents register others through `Actor.register_agent`.
    ///
    /// `tier` defaults from the role: admin 0; manager, architect, tester, reviewer 1;
    /// anything else 2 (an existing agent whose role is unchanged keeps its tier).
    /// Raises `InvalidInputError` for a malformed id, role, group or tier.
    #[pyo3(signature = (id, name, role, group, tier=None, model=None, cwd=None))]
    #[allow(clippy::too_many_arguments)]
    fn register_agent<'py>(
        &self,
        py: Python<'py>,
        id: String,
        name: String,
        role: String,
        group: String,
        tier: Option<Bound<'py, PyAny>>,
        model: Option<String>,
        cwd: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let new = crate::args::new_agent(py, id, name, role, group, tier, model, cwd)?;
        let store = self.slot.get(py)?;
        call_core(py, || store.register_agent(&new))
    }

    /// Runs any operation of the catalogue (`agor.operations()`) as the operator:
    /// `store.call({"op": "audit_log", "limit": 5})`. Operations that act as an agent raise
    /// `PermissionDeniedError` here; run them with `Actor.call`.
    fn call<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        crate::call::call_operation(py, request, move |req| {
            core::ops::call_json(&store.as_operator(), req)
        })
    }

    /// One agent by id or unique id prefix. Raises `NotFoundError` / `AmbiguousIdError`.
    fn get_agent<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.get_agent(&id))
    }

    /// Every agent (or those of one group), each with its `unread` count.
    #[pyo3(signature = (group=None))]
    fn list_agents<'py>(
        &self,
        py: Python<'py>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.list_agents(group.as_deref()))
    }

    /// Lets `from_id` message `to_id` (and back, with `bidirectional=True`), as the operator.
    /// Idempotent.
    #[pyo3(signature = (from_id, to_id, bidirectional=false))]
    fn allow<'py>(
        &self,
        py: Python<'py>,
        from_id: String,
        to_id: String,
        bidirectional: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.allow(&from_id, &to_id, bidirectional))
    }

    /// Every role: the built-in rows, then custom ones, as `RoleDef` records.
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.roles())
    }

    /// One role's `RoleDef`; an undefined name raises `NotFoundError`.
    fn role<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.role(&name))
    }

    /// Defines or redefines a custom role as the operator; returns its `RoleDef`.
    #[pyo3(signature = (name, tier=2, capabilities=None, permissions=None, creates=None))]
    fn define_role<'py>(
        &self,
        py: Python<'py>,
        name: String,
        tier: i64,
        capabilities: Option<Vec<String>>,
        permissions: Option<Vec<String>>,
        creates: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let def = crate::args::role_def(py, name, tier, capabilities, permissions, creates)?;
        let store = self.slot.get(py)?;
        call_core(py, || store.define_role(&def))
    }

    /// Whether an agent's role has a capability (`assign_work`, `implement_tasks`, …).
    fn has_capability<'py>(
        &self,
        py: Python<'py>,
        agent_id: String,
        capability: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let capability = capability
            .parse()
            .map_err(|e| crate::errors::to_py_err(py, e))?;
        let store = self.slot.get(py)?;
        call_core(py, || store.has_capability(&agent_id, capability))
    }

    /// Whether an agent's role holds a permission (`can_create_agents`, …).
    fn check_permission<'py>(
        &self,
        py: Python<'py>,
        agent_id: String,
        permission: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let permission = permission
            .parse()
            .map_err(|e| crate::errors::to_py_err(py, e))?;
        let store = self.slot.get(py)?;
        call_core(py, || store.check_permission(&agent_id, permission))
    }

    /// Whether agents of role `creator` may create agents of role `role`.
    fn can_create_role<'py>(
        &self,
        py: Python<'py>,
        creator: String,
        role: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.can_create_role(&creator, &role))
    }

    /// Soft-deletes an agent as the operator: hidden from lists and lookups, mail to it
    /// refused (`NotFoundError`), its history kept, its id reserved.
    fn remove_agent<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.remove_agent(&agent_id))
    }

    /// Brings a soft-deleted agent back (its exact id); returns the `Agent`.
    fn restore_agent<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.restore_agent(&agent_id))
    }

    /// Deletes an agent for good (its messages stay): only a stopped one unless `force`.
    #[pyo3(signature = (agent_id, force=false))]
    fn purge_agent<'py>(
        &self,
        py: Python<'py>,
        agent_id: String,
        force: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.purge_agent(&agent_id, force))
    }

    /// Changes an agent's display name; returns the `Agent`.
    fn rename_agent<'py>(
        &self,
        py: Python<'py>,
        agent_id: String,
        name: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.rename_agent(&agent_id, &name))
    }

    /// Every edge of the contacts ACL, as a list of `Contact`.
    fn contact_graph<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.contact_graph())
    }

    /// A handle acting as agent `id`: every call through it is permission-checked and audited
    /// as that agent. The id's format is checked now, its existence by each call.
    fn as_agent(slf: Bound<'_, Self>, id: String) -> PyResult<Actor> {
        let py = slf.py();
        core::validate_agent_id(&id).map_err(|e| to_py_err(py, e))?;
        let (slot, path) = (slf.get().slot.clone(), slf.get().path.clone());
        Ok(Actor::new(slf.into_any().unbind(), slot, path, id))
    }

    /// Agents that have heartbeated before but not within `threshold_secs`
    /// (default: the store's `stale_after`), as a list of `StaleAgent`.
    #[pyo3(signature = (threshold_secs=None))]
    fn stale_agents<'py>(
        &self,
        py: Python<'py>,
        threshold_secs: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let threshold_secs =
            crate::args::optional_int_arg(py, "threshold_secs", threshold_secs.as_ref())?;
        if let Some(t) = threshold_secs.filter(|t| *t < 0) {
            return Err(invalid(py, "threshold_secs", format!("{t} is negative")));
        }
        let store = self.slot.get(py)?;
        call_core(py, || store.stale_agents(threshold_secs))
    }

    /// The newest audit rows first (optionally one agent's; with `group`, only those of that
    /// group's agents), as a list of `AuditEntry`. `limit`: 1 to `MAX_LIMIT` (None: 50);
    /// anything else raises `InvalidInputError`.
    #[pyo3(
        signature = (agent_id=None, limit=None, group=None),
        text_signature = "($self, agent_id=None, limit=50, group=None)"
    )]
    fn audit_log<'py>(
        &self,
        py: Python<'py>,
        agent_id: Option<String>,
        limit: Option<Bound<'py, PyAny>>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::args::limit(py, limit.as_ref(), core::DEFAULT_AUDIT_LIMIT)?;
        let store = self.slot.get(py)?;
        call_core(py, || {
            store.audit_log_within(group.as_deref(), agent_id.as_deref(), n)
        })
    }

    /// The operator's board (no agent identity): every group's, or `group`'s. A dict from
    /// every status, in board order, to the list of `Task`s in that column.
    #[pyo3(signature = (group=None))]
    fn board<'py>(
        &self,
        py: Python<'py>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let store = self.slot.get(py)?;
        let columns = call_core(py, || store.board(group.as_deref()))?;
        pyo3::types::PyDict::from_sequence(&columns)
    }

    /// One agent's lane (id or unique prefix, any group): its open `Task`s in its order.
    fn lane<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.lane(&agent_id))
    }

    /// The operator's change feed after cursor `since` (0: from the start), oldest first, of
    /// every group or of `group`, as `Change` records. `limit`: None for 50, else 1 to
    /// `MAX_LIMIT`.
    #[pyo3(signature = (since=0, limit=None, group=None))]
    fn changes<'py>(
        &self,
        py: Python<'py>,
        since: i64,
        limit: Option<Bound<'py, PyAny>>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::args::count(py, core::Count::Limit, limit.as_ref())?
            .unwrap_or(core::DEFAULT_FEED_LIMIT);
        let store = self.slot.get(py)?;
        call_core(py, || store.changes(since, n, group.as_deref()))
    }

    /// Tasks of every group (or `group`) as the operator sees them, highest priority first;
    /// done and cancelled ones only with `all=True` (or a `status` asking for them).
    #[pyo3(signature = (all=false, status=None, tag=None, group=None))]
    fn list_tasks<'py>(
        &self,
        py: Python<'py>,
        all: bool,
        status: Option<&str>,
        tag: Option<String>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = core::TaskFilter {
            all,
            status: status.map(|s| crate::args::parse(py, s)).transpose()?,
            tag,
        };
        let store = self.slot.get(py)?;
        call_core(py, || store.list_tasks(&filter, group.as_deref()))
    }

    /// Blocks until changes arrive in any group (or `group`), made by anyone but the operator,
    /// and returns them (`Change`s, oldest first); `[]` when `timeout` seconds pass first
    /// (`None`: forever). `kinds` and `since` as for `Actor.wait`.
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
        crate::call::wait_in_slices(py, kinds, timeout, |kinds| {
            store.waiter(kinds, since, group.as_deref())
        })
    }

    /// A wait of the operator (as `wait`'s arguments) registered with the store's shared
    /// waiter and polled without blocking: what `agor.aio` waits with.
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
        crate::waits::Waiter::start(py, timeout, || {
            store.waiter(&kinds, since, group.as_deref())
        })
    }

    /// The store's `_ChangeBell`: rings on any change, whoever made it (see `agor.aio`).
    fn _change_bell(&self, py: Python<'_>) -> PyResult<crate::waits::ChangeBell> {
        crate::waits::ChangeBell::open(py, self.slot.get(py)?)
    }

    /// The newest cursor of the change feed.
    fn latest_change<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.latest_change())
    }

    /// Full-text search as the operator: every group's messages, posts, tasks and comments,
    /// or `group`'s (same query syntax, kinds and limit as `Actor.search`).
    #[pyo3(signature = (query, kinds=None, limit=None, group=None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: String,
        kinds: Option<Vec<String>>,
        limit: Option<Bound<'py, PyAny>>,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kinds: Vec<core::SearchKind> = crate::args::kinds(py, kinds)?;
        let n = crate::args::count(py, core::Count::Limit, limit.as_ref())?
            .unwrap_or(core::DEFAULT_SEARCH_LIMIT);
        let store = self.slot.get(py)?;
        call_core(py, || store.search(&query, &kinds, n, group.as_deref()))
    }

    /// Usage summed `by` `"agent"`, `"task"`, `"model"` or `"group"` over every group (or
    /// `group`), biggest cost first, as `UsageSummary` records.
    #[pyo3(signature = (by="agent", group=None))]
    fn usage_summary<'py>(
        &self,
        py: Python<'py>,
        by: &str,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let by: core::UsageBy = by.parse().map_err(|e| to_py_err(py, e))?;
        let store = self.slot.get(py)?;
        call_core(py, || store.usage_summary(by, group.as_deref()))
    }

    /// Creates the group's `review-queue` and `review-log` channels if missing; returns both.
    fn ensure_review_channels<'py>(
        &self,
        py: Python<'py>,
        group: String,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let store = self.slot.get(py)?;
        let (queue, log) = crate::fork::detached(py, || store.ensure_review_channels(&group))
            .map_err(|e| to_py_err(py, e))?;
        PyTuple::new(py, [queue.into_object(py)?, log.into_object(py)?])
    }

    /// Issues a secret with which `agent_id` reaches agor through `agor mcp --http`, and
    /// returns it: the only time it is shown (agor keeps a hash). Earlier secrets stay valid.
    fn issue_token<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.issue_token(&agent_id))
    }

    /// Revokes every secret of `agent_id`; returns how many there were.
    fn revoke_tokens<'py>(&self, py: Python<'py>, agent_id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || {
            store
                .revoke_tokens(&agent_id)
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
        })
    }

    /// The issued secrets as a list of `TokenInfo` (agent, fingerprint, when), never the
    /// secrets themselves.
    fn tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.tokens())
    }

    /// Number of tasks of `group` waiting in `review`.
    fn review_queue_count<'py>(
        &self,
        py: Python<'py>,
        group: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.review_queue_count(&group))
    }

    /// Reviewer attention score of `group`: 10 per task waiting in review, capped at 50.
    fn reviewer_attention<'py>(
        &self,
        py: Python<'py>,
        group: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.reviewer_attention(&group))
    }

    /// The agor schema version of the file (`PRAGMA user_version`).
    fn schema_version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.slot.get(py)?;
        call_core(py, || store.schema_version())
    }

    /// Writes a consistent copy of the whole database to `path` (str, bytes or path-like), a new
    /// single file that opens on its own, and returns its absolute path.
    ///
    /// Use this, not a file copy: in WAL mode recent commits sit in the `-wal` file until a
    /// checkpoint, so copying the main file alone loses them. Other processes may keep writing
    /// meanwhile; the copy is one snapshot. Refuses to overwrite an existing file
    /// (`StorageError`).
    fn backup<'py>(&self, py: Python<'py>, path: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let target = path_arg(py, "path", &path)?;
        let store = self.slot.get(py)?;
        call_core(py, move || {
            store
                .backup(&target)
                .map(|p| p.to_string_lossy().into_owned())
        })
    }

    /// Closes the connection (for this store and its actors). Safe to call twice.
    fn close(&self, py: Python<'_>) {
        let store = self.slot.take();
        // Closing the last connection checkpoints the WAL, which is file I/O.
        crate::fork::detached(py, move || drop(store));
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { ", closed" } else { "" };
        format!("Store(path={:?}{state})", self.path)
    }
}
