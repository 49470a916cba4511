//! `agor.Actor`: the store seen as one agent. Every messaging call is checked (ACL, role,
//! tier) and audited as that agent by the core; this layer only converts arguments and results.

use std::str::FromStr;

use agor_core as core;
use pyo3::prelude::*;

use crate::call_core;
use crate::errors::to_py_err;
use crate::records::ToPy;
use crate::store::Store;

/// Acts as one agent on a store. Get one with `store.as_agent(id)`.
///
/// Every call is one transaction, runs without the GIL, and is permission-checked and written
/// to the audit log as this agent. Ids of agents, messages and channels accept a unique prefix;
/// channels may also be named.
#[pyclass(frozen, module = "agor")]
#[derive(Debug)]
pub struct Actor {
    store: Py<Store>,
    id: String,
}

impl Actor {
    pub(crate) fn new(store: Py<Store>, id: String) -> Self {
        Actor { store, id }
    }

    /// Runs `f` on the core actor with the GIL released and converts its result.
    fn call<'py, T: ToPy + Send>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&core::Actor) -> core::Result<T> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.get().slot.get(py)?;
        let id = self.id.as_str();
        // `as_agent` is an Arc clone plus an id check: cheap enough to do per call, and it
        // means a closed store is noticed by every actor made from it.
        call_core(py, move || f(&store.as_agent(id)?))
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
    fn store(&self, py: Python<'_>) -> Py<Store> {
        self.store.clone_ref(py)
    }

    /// The acting agent's own `Agent` record. Raises `NotFoundError` if it is not registered.
    fn whoami<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.whoami())
    }

    /// Agents this agent may message (tier 0: everyone else).
    fn contacts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.contacts())
    }

    /// Agents of this agent's group (tier 0: every group), with unread counts.
    fn list_agents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.list_agents())
    }

    /// Sets an agent's status (`active`, `sleeping`, `stopped`): its own by default, another
    /// agent's (`agent_id`) only for managers and tier 0. Returns the updated `Agent`.
    #[pyo3(signature = (status, agent_id=None))]
    fn set_status<'py>(
        &self,
        py: Python<'py>,
        status: String,
        agent_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = core::AgentStatus::from_str(&status).map_err(|e| to_py_err(py, e))?;
        self.call(py, |a| {
            a.set_status(agent_id.as_deref().unwrap_or(a.id()), status)
        })
    }

    /// Sends a direct message; returns the `Message`.
    ///
    /// Raises `NotFoundError` for an unknown recipient, `PermissionDeniedError` if it is not a
    /// contact, `InvalidInputError` for empty or over-256-KiB content, and
    /// `RecipientUnavailableError` when the recipient has stopped heartbeating (the message
    /// is then kept as a dead letter and redelivered on its next heartbeat).
    fn send<'py>(
        &self,
        py: Python<'py>,
        to: String,
        content: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.send(&to, &content))
    }

    /// Replies to a message (threaded with `reply_to`); the reply goes to the other party.
    fn reply<'py>(
        &self,
        py: Python<'py>,
        message_id: String,
        content: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.reply(&message_id, &content))
    }

    /// Unread messages oldest first, or with `all=True` every message newest first.
    /// Never marks anything read.
    #[pyo3(signature = (all=false, limit=None))]
    fn inbox<'py>(
        &self,
        py: Python<'py>,
        all: bool,
        limit: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = limit.map(|l| crate::limit(py, l)).transpose()?;
        self.call(py, |a| a.inbox(all, n))
    }

    /// Unread messages oldest first, without marking them read.
    fn peek<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.peek())
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
            None => self.read_unread(py),
        }
    }

    /// Every unread message, oldest first, marked read in the same transaction.
    fn read_unread<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.read_unread())
    }

    /// Marks every message from `other` to this agent read; returns how many changed.
    fn mark_conversation_read<'py>(
        &self,
        py: Python<'py>,
        other: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.mark_conversation_read(&other))
    }

    /// Records that `session_id` has seen a message addressed to this agent.
    /// Returns False if that session had already acknowledged it.
    fn ack<'py>(
        &self,
        py: Python<'py>,
        message_id: String,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.ack(&message_id, &session_id))
    }

    /// Number of unread messages addressed to this agent.
    fn unread_count<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.unread_count())
    }

    /// The last `limit` messages between this agent and `other`, oldest first.
    #[pyo3(signature = (other, limit=20))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        other: String,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::limit(py, limit)?;
        self.call(py, |a| a.history(&other, n))
    }

    /// The newest messages of a group (default: this agent's), newest first. Tier 0 only.
    #[pyo3(signature = (limit=50, group=None))]
    fn feed<'py>(
        &self,
        py: Python<'py>,
        limit: i64,
        group: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::limit(py, limit)?;
        self.call(py, |a| a.feed(group.as_deref(), n))
    }

    /// A one-line summary of unread mail for prompt hooks, or None when there is none.
    fn notify<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.notify())
    }

    /// Deletes a direct message. Managers and tier 0 only.
    fn delete_message<'py>(
        &self,
        py: Python<'py>,
        message_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.delete_message(&message_id))
    }

    /// Sends to every agent of `role` in this agent's group (tier 0: every group).
    /// Returns a `Delivery`; raises `NotFoundError` if no agent has that role.
    fn send_to_role<'py>(
        &self,
        py: Python<'py>,
        role: String,
        content: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.send_to_role(&role, &content))
    }

    /// Sends to every agent whose id matches the glob (`*`, `?`, `[...]`) in this agent's
    /// group (tier 0: every group). Returns a `Delivery`.
    fn send_to_pattern<'py>(
        &self,
        py: Python<'py>,
        pattern: String,
        content: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.send_to_pattern(&pattern, &content))
    }

    /// Sends to every other agent of this agent's group. Returns a `Delivery`
    /// (non-contacts are listed in `skipped`, silent agents in `dead_lettered`).
    fn broadcast<'py>(&self, py: Python<'py>, content: String) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.broadcast(&content))
    }

    /// Records that this agent is alive and redelivers dead letters waiting for it.
    /// Returns a `Heartbeat`.
    fn heartbeat<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.heartbeat())
    }

    /// Dead letters this agent may see (its own; managers and tier 0: all), oldest first.
    fn dead_letters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.dead_letters())
    }

    /// Moves dead letters into their recipients' inboxes now: one by `id`, or all this agent
    /// may act on. Returns the delivered `Message`s.
    #[pyo3(signature = (id=None))]
    fn redeliver_dead_letters<'py>(
        &self,
        py: Python<'py>,
        id: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.redeliver_dead_letters(id))
    }

    /// Deletes dead letters: one by `id`, or all this agent may act on. Returns how many.
    #[pyo3(signature = (id=None))]
    fn clear_dead_letters<'py>(
        &self,
        py: Python<'py>,
        id: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.clear_dead_letters(id))
    }

    /// Creates a channel in this agent's group and joins it. Managers and tier 0 only.
    fn create_channel<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.create_channel(&name))
    }

    /// Channels of this agent's group (tier 0: all), with member counts and last post.
    fn list_channels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.list_channels())
    }

    /// Posts to a channel (by name or id); members only, tier 0 bypasses.
    /// Returns the `ChannelMessage`.
    fn post<'py>(
        &self,
        py: Python<'py>,
        channel: String,
        content: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.post(&channel, &content))
    }

    /// The last `limit` posts of a channel, oldest first. Members, managers and tier 0.
    #[pyo3(signature = (channel, limit=30))]
    fn channel_history<'py>(
        &self,
        py: Python<'py>,
        channel: String,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = crate::limit(py, limit)?;
        self.call(py, |a| a.channel_history(&channel, n))
    }

    /// Adds an agent to a channel (managers, tier 0 and the channel's creator). Idempotent.
    /// Returns the updated `Channel`.
    fn add_member<'py>(
        &self,
        py: Python<'py>,
        channel: String,
        agent_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, |a| a.add_member(&channel, &agent_id))
    }

    fn __repr__(&self) -> String {
        format!(
            "Actor(id={:?}, path={:?})",
            self.id,
            self.store.get().path_str()
        )
    }
}
