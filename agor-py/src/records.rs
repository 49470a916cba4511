//! The records Python code gets back (Agent, Message, Channel, Task, Claim, ...): immutable
//! wrappers around the core structs with read-only attributes, `to_dict()`, `__repr__` and `==`.

use agor_core as core;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

/// How a core value becomes Python: `object` is what an attribute returns (records become
/// their classes), `plain` what `to_dict()` holds (records become dicts, recursively).
/// Attributes convert on access, so a record that is never inspected costs one allocation.
pub(crate) trait ToPy {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;

    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.object(py)
    }

    /// Like `object`, moving the value instead of cloning it (for results of core calls).
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>
    where
        Self: Sized,
    {
        self.object(py)
    }
}

macro_rules! scalar_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.into_bound_py_any(py)
            }
        }
    )*};
}
scalar_to_py!(String, i64, usize, bool, f64);

/// Task statuses and priorities are plain strings in Python (`"in_progress"`, `"critical"`).
macro_rules! label_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(PyString::intern(py, self.as_str()).into_any())
            }
        }
    )*};
}
label_to_py!(
    core::TaskStatus,
    core::Priority,
    core::ChangeKind,
    core::SearchKind,
    core::WorkState,
    core::ProposalStatus,
    core::Capability,
    core::Permission,
    core::Importance
);

/// Operations with nothing to return give Python `None` (pyo3 would make `()` an empty tuple).
impl ToPy for () {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl ToPy for &str {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.object(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.plain(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Some(v) => v.into_object(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// A Python list of `items`, each made by `one`.
fn py_list<'py, T>(
    py: Python<'py>,
    items: impl IntoIterator<Item = T>,
    one: impl Fn(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let items = items.into_iter().map(one).collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

/// A set (a role's capabilities and permissions) is a sorted list in Python.
impl<T: ToPy> ToPy for std::collections::BTreeSet<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.object(py))
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.object(py))
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.plain(py))
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        py_list(py, self, |v| v.into_object(py))
    }
}

impl<A: ToPy, B: ToPy> ToPy for (A, B) {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(py, [self.0.object(py)?, self.1.object(py)?])?.into_any())
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(py, [self.0.plain(py)?, self.1.plain(py)?])?.into_any())
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(PyTuple::new(py, [self.0.into_object(py)?, self.1.into_object(py)?])?.into_any())
    }
}

/// Text shown in a repr: long bodies are cut so a list of messages stays readable.
fn preview(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Declares the Python class for one core record: a getter per field, `to_dict`, `__repr__`
/// (showing the `repr` fields, and the `preview` field shortened), and `==` from the core's
/// `PartialEq`.
macro_rules! record {
    (
        $(#[doc = $doc:literal])*
        $name:ident wraps $core:path $(, $opt:ident)*;
        repr [$($rf:ident),*] $(preview $pf:ident)?;
        { $( $(#[doc = $fdoc:literal])* $field:ident ),* $(,)? }
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, eq, module = "agor" $(, $opt)*)]
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub(crate) $core);

        #[pymethods]
        impl $name {
            $(
                $(#[doc = $fdoc])*
                #[getter]
                // Names mirror the legacy columns, so `from_agent` is a getter, not a constructor.
                #[allow(clippy::wrong_self_convention)]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.0.$field.object(py)
                }
            )*

            /// The record as a dict of plain values (nested records become dicts too),
            /// ready for `json.dumps`.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.0.plain(py)
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let mut parts: Vec<String> = Vec::new();
                $( parts.push(format!(
                    concat!(stringify!($rf), "={}"),
                    self.0.$rf.object(py)?.repr()?
                )); )*
                $( parts.push(format!(
                    concat!(stringify!($pf), "={}"),
                    PyString::new(py, &preview(&self.0.$pf)).repr()?
                )); )?
                Ok(format!(concat!(stringify!($name), "({})"), parts.join(", ")))
            }
        }

        impl ToPy for $core {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(Bound::new(py, $name(self.clone()))?.into_any())
            }
            fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let d = PyDict::new(py);
                $( d.set_item(pyo3::intern!(py, stringify!($field)), self.$field.plain(py)?)?; )*
                Ok(d.into_any())
            }
            fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                Ok(Bound::new(py, $name(self))?.into_any())
            }
        }
    };
}

record! {
    /// A registered agent, with its unread direct-message count.
    Agent wraps core::Agent;
    repr [id, role, group_id, tier, status, unread];
    {
        /// Agent id: 1-64 characters of letters, digits, `_` and `-`.
        id,
        /// Display name.
        name,
        /// Role: admin, manager, architect, tester, reviewer, project or a custom one.
        role,
        /// The group (team) the agent belongs to.
        group_id,
        /// 0 admin (bypasses the ACL), 1 management, 2 project.
        tier,
        /// Model name, if registered with one.
        model,
        /// Working directory, if registered with one.
        cwd,
        /// `active`, `sleeping` or `stopped` (legacy rows may hold other text).
        status,
        /// When the agent last did something (`YYYY-MM-DD HH:MM:SS`, UTC), if ever.
        last_active_at,
        /// When the agent was registered (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// Unix seconds of the last heartbeat, or None if it never sent one.
        last_heartbeat,
        /// Unread direct messages addressed to this agent.
        unread,
    }
}

record! {
    /// A direct message between two agents.
    Message wraps core::Message;
    repr [id, from_agent, to_agent, read] preview content;
    {
        /// Message id (a UUID; any unique prefix is accepted where an id is expected).
        id,
        /// Sender's agent id.
        from_agent,
        /// Recipient's agent id.
        to_agent,
        /// The text.
        content,
        /// Whether the recipient has read it.
        read,
        /// Id of the message this one answers, if it is a reply.
        reply_to,
        /// Recipient's group.
        group_id,
        /// Sender's group.
        sender_group_id,
        /// When it was sent (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// `low`, `normal`, `high` or `urgent`: unread mail is listed most important first.
        importance,
        /// Whether the sender asked for a receipt (the recipient's `ack` or a reply).
        ack_required,
        /// When that receipt is due (`YYYY-MM-DD HH:MM:SS`, UTC), or None.
        deadline,
        /// The receipt: when the recipient acknowledged or answered it, or None.
        acked_at,
    }
}

record! {
    /// A post in a channel.
    ChannelMessage wraps core::ChannelMessage;
    repr [id, channel_id, from_agent] preview content;
    {
        /// Post id (a UUID).
        id,
        /// The channel's id.
        channel_id,
        /// Author's agent id.
        from_agent,
        /// The text.
        content,
        /// When it was posted (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// A channel, with its member count and last post.
    Channel wraps core::Channel;
    repr [id, name, group_id, member_count];
    {
        /// Channel id (a UUID); channels can also be addressed by name.
        id,
        /// Channel name, unique within its group.
        name,
        /// The group the channel belongs to.
        group_id,
        /// Agent id of its creator.
        created_by,
        /// When it was created (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// Number of members.
        member_count,
        /// The newest post (a `ChannelMessage`), or None.
        last_message,
    }
}

record! {
    /// A message that could not be delivered because its recipient had gone silent.
    /// It is redelivered to the inbox when the recipient heartbeats again.
    DeadLetter wraps core::DeadLetter;
    repr [id, from_agent, to_agent] preview content;
    {
        /// Queue id (an integer).
        id,
        /// Sender's agent id.
        from_agent,
        /// Intended recipient's agent id.
        to_agent,
        /// The text.
        content,
        /// Why it was not delivered.
        error,
        /// Id of the message it answers, if it was a reply.
        reply_to,
        /// When it was queued (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// Outcome of a fan-out send (`send_to_role`, `send_to_pattern`, `broadcast`).
    Delivery wraps core::Delivery;
    repr [sent, dead_lettered, skipped];
    {
        /// Messages now in their recipients' inboxes (list of `Message`).
        sent,
        /// `(recipient, dead_letter_id)` pairs for recipients that had gone silent.
        dead_lettered,
        /// Recipients left out because the sender may not message them (not contacts).
        skipped,
    }
}

record! {
    /// What a heartbeat did: when it was recorded and which dead letters it redelivered.
    Heartbeat wraps core::Heartbeat;
    repr [agent_id, timestamp, redelivered];
    {
        /// The agent that heartbeated.
        agent_id,
        /// Unix seconds recorded.
        timestamp,
        /// Dead letters moved into the inbox (list of `Message`).
        redelivered,
    }
}

record! {
    /// An agent whose last heartbeat is older than the staleness threshold.
    StaleAgent wraps core::StaleAgent;
    repr [agent_id, silent_secs];
    {
        /// The agent's id.
        agent_id,
        /// Unix seconds of its last heartbeat.
        last_heartbeat,
        /// Seconds since then.
        silent_secs,
    }
}

record! {
    /// One row of the audit log: every mutation is recorded with the agent that made it.
    AuditEntry wraps core::AuditEntry;
    repr [id, agent_id, event_type, detail];
    {
        /// Row id (increasing).
        id,
        /// The acting agent.
        agent_id,
        /// What happened, e.g. `message_sent`, `channel_created`.
        event_type,
        /// Human-readable detail.
        detail,
        /// When (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// An agent's work state: idle, working (on a task), done, error or stopped.
    AgentWork wraps core::AgentWork;
    repr [agent_id, state, task_id];
    {
        /// The agent.
        agent_id,
        /// `idle`, `working`, `done`, `error` or `stopped`.
        state,
        /// The task it works on, when it named one.
        task_id,
        /// When it last changed (`YYYY-MM-DD HH:MM:SS`, UTC; empty when never reported).
        updated_at,
    }
}

record! {
    /// A role's row: tier, capabilities, permissions and the roles its holders may create.
    RoleDef wraps core::RoleDef;
    repr [name, tier, built_in];
    {
        /// The role's name.
        name,
        /// The tier its agents get by default.
        tier,
        /// What kind of work it does (`assign_work`, `implement_tasks`, …).
        capabilities,
        /// What it may do (`can_create_agents`, `can_send_messages`, …).
        permissions,
        /// Roles its holders may give new agents (`*`: any of a lower tier).
        creates,
        /// A built-in role (fixed) or a custom one.
        built_in,
    }
}

record! {
    /// A task offered to an agent: pending until it accepts or declines.
    Proposal wraps core::Proposal;
    repr [id, task_id, agent_id, status];
    {
        /// Its id (a unique prefix names it).
        id,
        /// The task offered.
        task_id,
        /// The task's title when it was proposed.
        task_title,
        /// The group the task belonged to.
        from_group,
        /// Who proposed it.
        proposed_by,
        /// The agent it is offered to.
        agent_id,
        /// `pending`, `accepted` or `declined`.
        status,
        /// Why it was declined, if the agent said.
        reason,
        /// When (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// When it was answered, or None.
        decided_at,
    }
}

record! {
    /// What a `tasks.toml` import did: task ids created, updated and unchanged.
    ImportReport wraps core::ImportReport;
    repr [created, updated, unchanged];
    {
        /// Tasks the file added.
        created,
        /// Tasks whose fields the file changed.
        updated,
        /// Tasks already as the file says.
        unchanged,
    }
}

record! {
    /// One reported model request.
    UsageRecord wraps core::UsageRecord;
    repr [agent_id, model, cost_usd];
    {
        /// Its number.
        id,
        /// Who reported it.
        agent_id,
        /// The task it served, or None.
        task_id,
        /// The model used.
        model,
        /// Tokens in.
        input_tokens,
        /// Tokens out.
        output_tokens,
        /// Cost in US dollars.
        cost_usd,
        /// When (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// Usage summed for one agent, task or group.
    UsageSummary wraps core::UsageSummary;
    repr [key, cost_usd, requests];
    {
        /// The agent, task or group id (None: requests that named no task).
        key,
        /// Tokens in.
        input_tokens,
        /// Tokens out.
        output_tokens,
        /// Cost in US dollars.
        cost_usd,
        /// How many requests.
        requests,
    }
}

record! {
    /// A file reservation: an advisory lease on a path glob, exclusive or shared.
    Reservation wraps core::Reservation;
    repr [agent_id, pattern, exclusive];
    {
        /// Its id (renew and release take it).
        id,
        /// Who holds it.
        agent_id,
        /// The holder's group.
        group_id,
        /// The path glob.
        pattern,
        /// Exclusive, or shared with other shared holders.
        exclusive,
        /// Why.
        reason,
        /// When it was first taken (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// When it lapses unless renewed (Unix milliseconds).
        expires_at_ms,
        /// The claimed task whose paths these are (it lives as long as the claim), or None
        /// for a reservation made with `reserve`.
        task_id,
    }
}

record! {
    /// One search result: what was found, a snippet with the matched words in `**`, its rank.
    SearchHit wraps core::SearchHit;
    repr [kind, id, snippet];
    {
        /// `message`, `post`, `task` or `comment`.
        kind,
        /// The message, post, task or comment id.
        id,
        /// The channel of a post, the task of a comment; None otherwise.
        parent_id,
        /// The name of a post's channel; None otherwise.
        channel,
        /// A piece of the text around the first match, matched words wrapped in `**`.
        snippet,
        /// Relevance, higher is better (compare within one search).
        rank,
        /// When it was written (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// An issued secret for the MCP server's HTTP transport, as the operator sees it (never
    /// the secret itself).
    TokenInfo wraps core::TokenInfo;
    repr [agent_id, fingerprint];
    {
        /// The agent the secret acts as; `operator` for the operator's own secrets.
        agent_id,
        /// Whether it is an operator secret (`btmsg token issue --operator`).
        operator,
        /// The first 12 hex digits of the secret's SHA-256.
        fingerprint,
        /// When it was issued (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// One entry of the change feed: what happened, who did it, whom it concerns.
    Change wraps core::Change;
    repr [cursor, kind, event, subject];
    {
        /// Its position in the feed (increasing); pass it as `since` to read on from here.
        cursor,
        /// `message`, `post`, `task` or `agent`.
        kind,
        /// What happened, as the audit log names it (`message_sent`, `task_claimed`, …).
        event,
        /// Who acted.
        actor,
        /// The id of the message, post, task or agent.
        subject,
        /// The group it belongs to.
        group_id,
        /// The agent it is addressed to (a message's recipient, a task's assignee).
        agent_id,
        /// The channel of a post.
        channel_id,
        /// When (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// What you may read of the subject (`ChangeContent`), from `wait` and `watch`; None
        /// from `changes`, or when it is gone or not yours to read.
        content,
    }
}

record! {
    /// What a waiting agent may read of a change's subject: a DM's or post's text and sender,
    /// a task's title, status and holder (the other kind's fields are None).
    ChangeContent wraps core::ChangeContent;
    repr [sender, title, status];
    {
        /// The text of the DM or post.
        text,
        /// Who sent the DM or wrote the post.
        sender,
        /// The DM this one answers.
        reply_to,
        /// The DM's importance (`low`, `normal`, `high`, `urgent`).
        importance,
        /// The task's title.
        title,
        /// The task's status now.
        status,
        /// Who holds (or is assigned) the task now.
        assignee,
        /// The task's version now, read with its status (what a move expects).
        version,
    }
}

record! {
    /// An edge of the contacts ACL: `agent_id` may message `contact_id`.
    Contact wraps core::Contact;
    repr [agent_id, contact_id];
    {
        /// The agent allowed to send.
        agent_id,
        /// The agent it may message.
        contact_id,
    }
}

record! {
    /// A task on the board. `get_task` returns its `TaskDetail` subclass, with comments and
    /// subtasks.
    Task wraps core::Task, subclass;
    repr [id, title, status, priority, assigned_to, version];
    {
        /// Task id (a UUID; any unique prefix is accepted where an id is expected).
        id,
        /// One-line title.
        title,
        /// Longer description (may be empty).
        description,
        /// `backlog`, `todo`, `in_progress`, `review`, `done`, `blocked`, `failed` or `cancelled`.
        status,
        /// `low`, `medium`, `high` or `critical`.
        priority,
        /// Agent id of the assignee (the claimer while it is claimed), or None.
        assigned_to,
        /// Agent id of its creator.
        created_by,
        /// The group whose board it is on.
        group_id,
        /// Id of the parent task, if it is a subtask.
        parent_task_id,
        /// Position among tasks of equal priority (lower first).
        sort_order,
        /// Tags, sorted (list of str).
        tags,
        /// What "done" means for this task, if stated.
        definition_of_done,
        /// Optimistic-locking version: pass it to `set_task_status`; every change bumps it.
        version,
        /// When it was created (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
        /// When it last changed (`YYYY-MM-DD HH:MM:SS`, UTC).
        updated_at,
        /// Unix seconds at which the current claim lapses (rounded up), while it is claimed;
        /// else None.
        lease_expires_at,
        /// The same deadline in Unix milliseconds: leases are honoured to the millisecond.
        lease_expires_ms,
        /// The `Completion` record left by the worker that completed it, or None.
        completion,
        /// The tasks it waits for that are not done yet (full ids, sorted).
        waits_for,
        /// The path globs its claim reserves exclusively (list of str).
        paths,
        /// Whether a person (a human agent or the operator) approves it before it is done.
        approval,
        /// What the claimer's role must have (`capability:<word>` or `role:<name>`), or None.
        requires,
        /// Failed attempts before it goes to `failed`, or None (the store's setting).
        max_attempts,
        /// Failed attempts since it was created or retried.
        failed_attempts,
        /// Unix milliseconds before which it is not ready or claimable (deferred, or backing
        /// off after a failed attempt), or None.
        not_before_ms,
    }
}

record! {
    /// What a worker left behind when it completed a task.
    Completion wraps core::Completion;
    repr [result_ref, next] preview summary;
    {
        /// One-line summary.
        summary,
        /// References such as `file:src/lib.rs` or `msg:<id>` (list of str).
        artifacts,
        /// Where the result lives (a commit, a branch, a URL...), if given.
        result_ref,
        /// The suggested next step, if given.
        next,
    }
}

record! {
    /// A comment on a task (status changes are recorded as comments too).
    Comment wraps core::Comment;
    repr [id, task_id, agent_id] preview content;
    {
        /// Comment id (a UUID).
        id,
        /// The task it belongs to.
        task_id,
        /// Its author (`agor` for comments the board writes itself, e.g. a lapsed lease).
        agent_id,
        /// The text.
        content,
        /// When it was written (`YYYY-MM-DD HH:MM:SS`, UTC).
        created_at,
    }
}

record! {
    /// A successful claim: the task (now `in_progress` and assigned to the claimer) and its lease.
    Claim wraps core::Claim;
    repr [task, expires_at];
    {
        /// The claimed `Task`.
        task,
        /// The lease token: `renew_lease`, `release_task` and `complete_task` require it.
        token,
        /// Unix seconds at which the lease lapses unless renewed (rounded up).
        expires_at,
        /// The same deadline in Unix milliseconds.
        expires_at_ms,
    }
}

/// A task with its comments (oldest first) and direct subtasks, as `get_task` returns it.
///
/// A subclass of `Task`, so every task attribute is here too; `to_dict()` holds the task's
/// keys plus `comments` and `subtasks`.
#[pyclass(frozen, extends = Task, module = "agor")]
#[derive(Debug)]
pub struct TaskDetail {
    comments: Vec<core::Comment>,
    subtasks: Vec<core::Task>,
}

impl TaskDetail {
    fn task(slf: &Bound<'_, Self>) -> core::Task {
        slf.as_super().get().0.clone()
    }

    fn to_core(slf: &Bound<'_, Self>) -> core::TaskDetail {
        let me = slf.get();
        core::TaskDetail {
            task: Self::task(slf),
            comments: me.comments.clone(),
            subtasks: me.subtasks.clone(),
        }
    }
}

#[pymethods]
impl TaskDetail {
    /// Comments on the task, oldest first (list of `Comment`).
    #[getter]
    fn comments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.comments.object(py)
    }

    /// Direct subtasks, in sort order (list of `Task`).
    #[getter]
    fn subtasks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.subtasks.object(py)
    }

    /// The task as a dict of plain values, with `comments` and `subtasks` as lists of dicts.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_core(slf).plain(slf.py())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let task = slf.as_super().get().__repr__(slf.py())?;
        let fields = task
            .strip_prefix("Task(")
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(&task);
        let me = slf.get();
        Ok(format!(
            "TaskDetail({fields}, comments={}, subtasks={})",
            me.comments.len(),
            me.subtasks.len()
        ))
    }

    /// Equal to another `TaskDetail` with the same task, comments and subtasks; never equal
    /// to a plain `Task` (it carries more).
    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<TaskDetail>()
            .is_ok_and(|o| Self::to_core(slf) == Self::to_core(o))
    }
}

impl ToPy for core::TaskDetail {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.clone().into_object(py)
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // The same shape as the core's JSON (the task's keys flattened in).
        let d = self.task.plain(py)?.cast_into::<PyDict>()?;
        d.set_item(pyo3::intern!(py, "comments"), self.comments.plain(py)?)?;
        d.set_item(pyo3::intern!(py, "subtasks"), self.subtasks.plain(py)?)?;
        Ok(d.into_any())
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let init = PyClassInitializer::from(Task(self.task)).add_subclass(TaskDetail {
            comments: self.comments,
            subtasks: self.subtasks,
        });
        Ok(Bound::new(py, init)?.into_any())
    }
}

/// Registers every record class on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Agent>()?;
    m.add_class::<Message>()?;
    m.add_class::<ChannelMessage>()?;
    m.add_class::<Channel>()?;
    m.add_class::<DeadLetter>()?;
    m.add_class::<Delivery>()?;
    m.add_class::<Heartbeat>()?;
    m.add_class::<StaleAgent>()?;
    m.add_class::<AuditEntry>()?;
    m.add_class::<TokenInfo>()?;
    m.add_class::<SearchHit>()?;
    m.add_class::<Reservation>()?;
    m.add_class::<UsageRecord>()?;
    m.add_class::<AgentWork>()?;
    m.add_class::<Proposal>()?;
    m.add_class::<RoleDef>()?;
    m.add_class::<ImportReport>()?;
    m.add_class::<UsageSummary>()?;
    m.add_class::<Contact>()?;
    m.add_class::<Change>()?;
    m.add_class::<ChangeContent>()?;
    m.add_class::<Task>()?;
    m.add_class::<TaskDetail>()?;
    m.add_class::<Completion>()?;
    m.add_class::<Comment>()?;
    m.add_class::<Claim>()?;
    Ok(())
}
