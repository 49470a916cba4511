"""Type stubs of the native module ``agor._agor`` (implemented in Rust, crate ``agor-py``).

Import the public names from ``agor``; this module is private.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, final, overload

# --- records of the derived methods (python -m agor._stubs; do not edit) ---
from agor.aio import AttemptDict, BlockedTaskDict, ClaimDoneDict, CreateTaskDict, SettingDict, StatusMoveDict, UsagePointDict, WaitingDict
# --- end of the records ---

__version__: str
DEFAULT_LEASE_SECONDS: int
"""Lease length of ``claim_task`` and ``renew_lease`` when none is given (900 s)."""
MAX_LEASE_SECONDS: int
"""Longest lease one claim or renewal may ask for (one day)."""
MAX_LIMIT: int
"""Largest ``limit`` of any list call. A limit is None (the documented default) or
1..=MAX_LIMIT; 0, negatives and larger values raise ``InvalidInputError``."""

StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
"""A file path as Python's ``open()`` takes it: ``str``, ``bytes`` or any ``os.PathLike``."""

TaskStatus = Literal[
    "backlog", "todo", "in_progress", "review", "done", "blocked", "failed", "cancelled"
]
"""Task statuses. ``progress`` (written by the legacy script) is accepted as ``in_progress``."""
Priority = Literal["low", "medium", "high", "critical"]
ChangeKind = Literal["message", "post", "task", "agent"]

def open(
    path: Optional[StrPath] = None,
    *,
    busy_timeout: Optional[float] = None,
    read_only: bool = False,
    stale_after: Optional[float] = None,
    create: bool = True,
) -> Store:
    """Open (creating if needed) an agor database file.

    ``path``: str, bytes or path-like; None means ``$AGOR_DB``, else
    ``~/.local/share/agor/btmsg.db``. A ``postgresql://user:password@host/db`` URL (also in
    ``$AGOR_DB``) opens a PostgreSQL database instead: the same API for agents on several
    machines. An unreachable server or refused credentials raise ``StorageError``.
    ``busy_timeout``: seconds a write waits for another process's lock (default 10).
    ``read_only``: refuse every write with ``ReadOnlyError``.
    ``stale_after``: seconds without a heartbeat after which an agent is stale (default 300).
    ``create``: create a missing database (default True); with False a missing file (or a
    PostgreSQL schema without agor's tables) raises ``NotFoundError`` naming it and nothing is
    created on disk.
    Raises ``SchemaError`` for a file (or PostgreSQL schema) that is not an agor/btmsg database
    or is from a newer agor (it is left untouched).
    """

def operations() -> List[Dict[str, Any]]:
    """The catalogue of operations: ``name``, ``doc``, ``caller`` (``agent``, ``operator`` or
    ``either``), ``effect`` (``reads``, ``adds``, ``sets`` or ``removes``: what it does to the
    data), the permission ``action`` and the ``request``/``response`` JSON Schemas.
    Every operation runs through ``Store.call`` (operator) or ``Actor.call`` (agent)."""

def btmsg_main(argv: List[str]) -> int:
    """Run the ``btmsg`` command with ``argv`` (``argv[0]`` is the program name); return its exit code."""

def bttask_main(argv: List[str]) -> int:
    """Run the ``bttask`` command with ``argv`` (``argv[0]`` is the program name); return its exit code."""

def agor_main(argv: List[str]) -> int:
    """Run the ``agor`` command (``agor mcp``: the MCP server) with ``argv``; return its exit
    code when the server ends."""

def _sample_error(kind: str) -> Exception: ...
def _error_kinds() -> List[Tuple[str, str]]: ...
def _records() -> List[Tuple[type, List[str], str]]:
    """Each record class, its attributes in order and the JSON Schema of the core record it
    wraps (as text): what ``agor._stubs`` writes the record classes of this stub from."""

class _Acting:
    """What ``Store`` (acting as the operator) and ``Actor`` (acting as its agent) share,
    defined once in the extension: the team's agents and roles, the board, search, the change
    feed, the audit log and usage. Each call runs with the caller's rights: the operator and
    tier 0 see every group (or ``group``), an agent its own group."""

    def allow(self, from_id: str, to_id: str, bidirectional: bool = False) -> None:
        """Grant contacts: the operator between any agents, managers inside their group, tier 0
        anywhere; nobody to itself."""
    def board(self, group: Optional[str] = None) -> Dict[str, List[Task]]:
        """The board of the caller's group (the operator: every group's, or ``group``'s):
        every status in board order (backlog, todo, in_progress, review, done, blocked,
        failed, cancelled) mapped to its tasks, each column in priority order."""
    def wait(
        self,
        kinds: Optional[Sequence[Union[ChangeKind, str]]] = None,
        *,
        since: Optional[int] = None,
        timeout: Optional[float] = None,
        group: Optional[str] = None,
    ) -> List[Change]:
        """Block until changes made by others arrive for the caller (the operator: in any
        group; or in ``group``); ``[]`` after ``timeout`` seconds (None: wait forever).
        Releases the GIL; Ctrl-C raises ``KeyboardInterrupt``."""
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    def register_agent(self, id: str, name: str, role: str, group: str, tier: int | None = None, model: str | None = None, cwd: str | None = None) -> Agent:
        """Register an agent, or update it if the id exists: the operator registers anyone; an
        agent only within its rights (no rank at or above its own, inside its group)."""
    def remove_agent(self, agent_id: str) -> None:
        """Soft-delete an agent: hidden from lists and lookups, mail to it refused as not found,
        its history kept, its id reserved (the operator; managers below them in their group)."""
    def restore_agent(self, agent_id: str) -> Agent:
        """Bring a soft-deleted agent back (its exact id)."""
    def purge_agent(self, agent_id: str, force: bool | None = None) -> None:
        """Delete an agent for good (its messages stay as history): only a stopped one (status or
        work state) unless `force`."""
    def rename_agent(self, agent_id: str, name: str) -> Agent:
        """Change an agent's display name (yourself; managers: agents below them in the group)."""
    def roles(self) -> list[RoleDef]:
        """Every role: the built-in rows (fixed), then custom roles by name."""
    def role(self, name: str) -> RoleDef:
        """One role (built in or defined); an undefined name is not found."""
    def define_role(self, name: str, tier: int | None = None, capabilities: list[Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']] | None = None, permissions: list[Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']] | None = None, creates: list[str] | None = None) -> RoleDef:
        """Define or redefine a custom role (the operator; holders of can_modify_roles below their
        tier, with no right they lack). `creates`: roles its holders may create, `*` any lower."""
    def has_capability(self, agent_id: str, capability: Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']) -> bool:
        """Whether an agent's role has a capability."""
    def check_permission(self, agent_id: str, permission: Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']) -> bool:
        """Whether an agent's role holds a permission."""
    def can_create_role(self, creator: str, role: str) -> bool:
        """Whether agents of role `creator` may create agents of role `role`."""
    def list_agents(self, group: str | None = None) -> list[Agent]:
        """Agents with their unread counts: the operator sees every group (or `group`), an agent
        its own group (tier 0: all)."""
    def contact_graph(self) -> list[Contact]:
        """Edges of the contacts ACL (an agent: those touching its group)."""
    def audit_log(self, agent_id: str | None = None, limit: int | None = None, group: str | None = None) -> list[AuditEntry]:
        """The newest audit rows, optionally of one principal: the operator's and tier 0's of every
        group (or `group`), a manager's of its group's agents (needs can_view_logs)."""
    def list_tasks(self, all: bool | None = None, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None = None, tag: str | None = None, group: str | None = None) -> list[Task]:
        """Tasks of the actor's group (the operator: of every group), or of `group`, open ones
        unless `all`, by priority then sort order."""
    def task_history(self, task_id: str, limit: int | None = None) -> list[StatusMoveDict]:
        """The status moves of one task (id or prefix), oldest first: the newest `limit` (default
        20), each with who moved it and when, from the change feed."""
    def lane(self, agent_id: str | None = None) -> list[Task]:
        """One agent's lane (default: yours; the operator names one, in any group): its open
        tasks in its own order."""
    def task_attempts(self, task_id: str) -> list[AttemptDict]:
        """The attempts at one task (id or prefix), oldest first: each claim with who made it,
        when, and how it ended (completed, released, released_with_error, lapsed, taken_over)."""
    def approve_task(self, task_id: str) -> Task:
        """Approve a task awaiting a person's approval (in review, with approval): it moves to
        done (an agent of role human, or the operator)."""
    def reject_task(self, task_id: str, reason: str) -> Task:
        """Reject a task awaiting a person's approval, with a reason: it returns to todo,
        assigned to (and claimable only by) the agent that completed it, which is told
        (an agent of role human, or the operator)."""
    def waiting_on_people(self, limit: int | None = None, group: str | None = None) -> list[WaitingDict]:
        """Everything waiting on a person, in one list: tasks awaiting approval, pending
        proposals, unanswered messages to people (role human) and dead letters, in that order,
        each oldest first, at most `limit` (default 50) of each; of every group (or `group`)
        for people and the operator."""
    def changes(self, since: int | None = None, limit: int | None = None, group: str | None = None) -> list[Change]:
        """The change feed after a cursor, oldest first, as far as the actor may see it (the
        operator: every group), or of `group`."""
    def latest_change(self) -> int:
        """The newest cursor of the change feed: where a wait that must miss nothing starts."""
    def usage_summary(self, by: Literal['agent', 'task', 'group', 'model'] | None = None, group: str | None = None) -> list[UsageSummary]:
        """Usage summed per agent, task, model or group (`by`, default agent) of your group (tier 0
        and the operator: every group), or of `group`, biggest cost first: tokens, cost, requests."""
    def usage_series(self, by: Literal['agent', 'task', 'group', 'model'] | None = None, bucket: Literal['hour', 'day'] | None = None, since: str | None = None, group: str | None = None) -> list[UsagePointDict]:
        """Usage over time: summed per `bucket` (hour or day, default day, UTC) and per agent,
        task, model or group (`by`, default model), of the groups usage_summary reads, from
        `since` on (`YYYY-MM-DD[ HH:MM:SS]` UTC; absent: all): oldest bucket first, within one
        the biggest cost first."""
    def search(self, query: str, kinds: list[Literal['message', 'post', 'task', 'comment']] | None = None, limit: int | None = None, group: str | None = None) -> list[SearchHit]:
        """Full-text search over what the actor may read (its DMs, its channels' posts, its
        group's tasks and comments; the operator: every group's), or over `group`: FTS5 syntax
        (words, "phrases", prefix*, AND, OR, NOT, parentheses); hits best first with a
        snippet, matched words in `**`."""
    # --- end of the derived methods ---

@final
class Store(_Acting):
    """An open agor database: one SQLite file shared by many processes.

    After ``close()`` every call, from any thread, raises ``StorageError``. A child process
    forked while a store is open gets ``StorageError`` from that store ("opened in another
    process; open it again after fork") and calls ``agor.open`` again."""

    @property
    def path(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def stale_after(self) -> float: ...
    def call(self, request: Union[Dict[str, Any], str]) -> Any:
        """Run any catalogue operation as the operator: ``{"op": name, **arguments}``."""
    def as_agent(self, id: str) -> Actor: ...
    def schema_version(self) -> int: ...
    def backup(self, path: StrPath) -> str:
        """Write a consistent copy of the whole database to ``path``, a new single file that
        opens on its own; return its absolute path.

        Use this, not a file copy: in WAL mode recent commits sit in the ``-wal`` file until a
        checkpoint, so copying the main file alone loses them. Other processes may keep
        writing meanwhile; the copy is one snapshot. An existing file is never overwritten
        (``StorageError``).
        """
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> bool: ...
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    def get_agent(self, id: str) -> Agent:
        """One agent by id or unique prefix (operator view, any group)."""
    def stale_agents(self, threshold_secs: int | None = None) -> list[StaleAgent]:
        """Agents that heartbeated before but not within the threshold (default: the store's)."""
    def ensure_review_channels(self, group: str) -> tuple[Channel, Channel]:
        """Create a group's review-queue and review-log channels if missing."""
    def review_queue_count(self, group: str) -> int:
        """Tasks of a group waiting in review."""
    def reviewer_attention(self, group: str) -> int:
        """Reviewer attention score of a group: 10 per task in review, capped at 50."""
    def issue_token(self, agent_id: str | None = None, operator: bool | None = None) -> str:
        """Issue a secret with which an agent (or, with `operator`, the operator) reaches agor
        through `agor mcp --http`; it is returned once and stored only hashed. Earlier secrets
        stay valid."""
    def revoke_tokens(self, agent_id: str | None = None, operator: bool | None = None) -> int:
        """Revoke every secret of an agent (or, with `operator`, the operator's); returns how many
        there were."""
    def tokens(self) -> list[TokenInfo]:
        """The issued secrets (agent, fingerprint, when issued), never the secrets themselves."""
    def settings(self) -> list[SettingDict]:
        """Every setting of the store (max_attempts, backoff_base_secs, backoff_cap_secs,
        reviewers_claim_work) with its value, its default and what it governs."""
    def set_setting(self, key: str, value: str) -> SettingDict:
        """Set one setting for every process on this database; unknown keys and bad values are
        refused, saying what is allowed."""
    # --- end of the derived methods ---

@final
class Actor(_Acting):
    """The store seen as one agent: every call is checked and audited as that agent."""

    @property
    def id(self) -> str: ...
    @property
    def store(self) -> Store: ...
    def call(self, request: Union[Dict[str, Any], str]) -> Any:
        """Run any catalogue operation as this agent: ``{"op": name, **arguments}``."""
    @overload
    def read(self, message_id: str) -> Message: ...
    @overload
    def read(self, message_id: None = None) -> List[Message]: ...
    def feed(self, limit: Optional[int] = 50, group: Optional[str] = None) -> List[Message]: ...
    def update_task(
        self,
        task_id: str,
        expected_version: int,
        title: Optional[str] = None,
        description: Optional[str] = None,
        priority: Optional[str] = None,
        definition_of_done: Optional[str] = None,
        tags: Optional[List[str]] = None,
        paths: Optional[List[str]] = None,
        approval: Optional[bool] = None,
    ) -> Task:
        """Edit a task at ``expected_version``; a stale version raises ``ConflictError``.
        ``paths`` replaces its path globs (not while it is claimed)."""
    def set_work_state(
        self, state: Optional[str] = None, task: Optional[str] = None, hook: Optional[str] = None
    ) -> AgentWork:
        """Set the work state (validated moves), or apply a coding agent's hook event."""
    def record_usage(
        self, input_tokens: int, output_tokens: int, cost_usd: float, model: str, task: Optional[str] = None
    ) -> UsageRecord:
        """Record one model request: tokens in and out, cost in US dollars, model, task."""
    def reserve(
        self,
        paths: List[str],
        shared: bool = False,
        ttl: Optional[int] = 3600,
        reason: Optional[str] = None,
    ) -> List[Reservation]:
        """Reserve path globs (exclusive unless ``shared``), all or none; a conflict raises
        ``AlreadyClaimedError`` naming the holder."""
    def renew_reservations(self, ids: Optional[List[str]] = None, ttl: Optional[int] = 3600) -> List[Reservation]:
        """Extend this agent's reservations (``ids``, None: all) to ``ttl`` seconds from now."""
    # Task board. Statuses and priorities are plain strings; unknown ones raise
    # InvalidInputError. Task ids accept unique prefixes.
    def claim_task(
        self,
        task_id: Optional[str] = None,
        lease_seconds: Optional[int] = 900,
        *,
        wait: Optional[float] = None,
    ) -> Optional[Claim]:
        """Claim a todo task (the given one, or the best next one) under a lease; None when
        there is nothing to claim. ``AlreadyClaimedError`` if another worker holds it.
        ``wait``: seconds to block for a task change that makes one fit (woken by the change
        feed, not polling) before that answer."""
    def renew_lease(self, task_id: str, token: str, lease_seconds: Optional[int] = 900) -> Claim:
        """Extend a live lease; ``LeaseError`` if the token is not current or has lapsed."""
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    def whoami(self) -> Agent:
        """The acting agent's own record."""
    def contacts(self) -> list[Agent]:
        """Agents the acting agent may message."""
    def set_status(self, status: Literal['active', 'sleeping', 'stopped'], agent_id: str | None = None) -> Agent:
        """Set an agent's presence status (its own always; others': managers of its group)."""
    def heartbeat(self) -> Heartbeat:
        """Record that the acting agent is alive; redelivers its dead letters."""
    def send(self, to: str, content: str, importance: Literal['low', 'normal', 'high', 'urgent'] | None = None, ack_required: bool | None = None, deadline_secs: int | None = None) -> Message:
        """Send a direct message to an agent (id or unique prefix) the ACL lets the actor reach;
        optionally ask for a receipt (ack or reply) by a deadline (see `overdue`)."""
    def reply(self, message_id: str, content: str) -> Message:
        """Reply to a message the actor sent or received, threading it."""
    def inbox(self, all: bool | None = None, limit: int | None = None) -> list[Message]:
        """Unread messages most important first, then oldest first; or with `all` every message
        newest first. Marks nothing."""
    def peek(self) -> list[Message]:
        """Unread messages, oldest first, without marking them read."""
    def read_unread(self) -> list[Message]:
        """Every unread message, oldest first, marked read in the same transaction."""
    def mark_conversation_read(self, other: str) -> int:
        """Mark every message from `other` to the actor read; returns how many changed."""
    def ack(self, message_id: str, session_id: str) -> bool:
        """Record that a session has seen a message; false when it had already. The first ack
        from any session of its recipient is the message's receipt (`acked_at`, which its
        sender sees)."""
    def overdue(self, limit: int | None = None) -> list[Message]:
        """Your messages that asked for a receipt by a deadline now past and have none, the
        longest overdue first (`limit` absent: 50)."""
    def unread_count(self) -> int:
        """Number of unread messages addressed to the actor."""
    def history(self, other: str, limit: int | None = None) -> list[Message]:
        """The last messages between the actor and `other`, oldest first."""
    def notify(self) -> str | None:
        """A one-line summary of unread mail, or null when there is none."""
    def delete_message(self, message_id: str) -> None:
        """Delete a direct message of the actor's group (managers)."""
    def send_to_role(self, role: str, content: str) -> Delivery:
        """Send to every agent of a role in the actor's group."""
    def send_to_pattern(self, pattern: str, content: str) -> Delivery:
        """Send to every agent whose id matches a glob, in the actor's group."""
    def broadcast(self, content: str) -> Delivery:
        """Send to every other agent of the actor's group."""
    def create_channel(self, name: str) -> Channel:
        """Create a channel in the actor's group and join it (managers)."""
    def list_channels(self) -> list[Channel]:
        """Channels of the actor's group with member counts and last message."""
    def post(self, channel: str, content: str) -> ChannelMessage:
        """Post to a channel (by name or id) the actor belongs to."""
    def channel_history(self, channel: str, limit: int | None = None) -> list[ChannelMessage]:
        """The last posts of a channel, oldest first (members and managers)."""
    def add_member(self, channel: str, agent_id: str) -> Channel:
        """Add an agent of the group to a channel (managers)."""
    def dead_letters(self) -> list[DeadLetter]:
        """Dead letters the actor may see, oldest first."""
    def redeliver_dead_letters(self, id: int | None = None) -> list[Message]:
        """Move dead letters into the inbox now: one by id, or all the actor may act on."""
    def clear_dead_letters(self, id: int | None = None) -> int:
        """Delete dead letters: one by id, or all the actor may act on; returns how many."""
    def create_task(self, title: str, description: str | None = None, priority: Literal['low', 'medium', 'high', 'critical'] | None = None, assign_to: str | None = None, parent: str | None = None, tags: list[str] | None = None, definition_of_done: str | None = None, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None = None, paths: list[str] | None = None, approval: bool | None = None, requires: str | None = None, max_attempts: int | None = None) -> Task:
        """Create a task in the actor's group (managers)."""
    def create_tasks(self, tasks: list[CreateTaskDict]) -> list[Task]:
        """Create many tasks in one transaction, in order, each as create_task would (its
        arguments, checks, audit row and change); all or nothing: a bad item refuses the batch
        with an error naming its index (from 0). 1..=1000 tasks (managers)."""
    def get_task(self, task_id: str) -> TaskDetail:
        """One task (id or prefix) with its comments and subtasks."""
    def assign_task(self, task_id: str, agent_id: str) -> Task:
        """Assign a task to an agent of the group (managers)."""
    def set_task_status(self, task_id: str, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'], expected_version: int | None = None) -> Task:
        """Move a task to `status` if still at `expected_version` (absent: the current version)."""
    def comment(self, task_id: str, content: str) -> Comment:
        """Comment on a task of the group."""
    def delete_task(self, task_id: str) -> None:
        """Delete a task with its comments and tags (managers)."""
    def add_dependency(self, task_id: str, depends_on: str) -> None:
        """Make `task_id` wait for `depends_on` (cycles refused; managers)."""
    def remove_dependency(self, task_id: str, depends_on: str) -> None:
        """Remove a dependency (managers)."""
    def dependencies(self, task_id: str) -> list[str]:
        """Ids of the tasks `task_id` waits for."""
    def ready_tasks(self) -> list[Task]:
        """Todo tasks the actor could claim now, in claim order."""
    def claim_blockers(self, task_id: str | None = None) -> list[BlockedTaskDict]:
        """Todo tasks the actor could claim but for files another agent holds (claim-next and
        ready_tasks skip them), each with what blocks it: the other agent's reservation or
        claimed task. `task_id` asks about one task."""
    def archive_task(self, task_id: str) -> Task:
        """Hide a done or cancelled task from the board, keeping it (managers)."""
    def unarchive_task(self, task_id: str) -> Task:
        """Put an archived task back on the board (managers)."""
    def archived_tasks(self) -> list[Task]:
        """The archived tasks of your group, most recently archived first."""
    def reorder_lane(self, task_ids: list[str], agent_id: str | None = None) -> list[Task]:
        """Reorder a lane (default: yours; managers: any of the group): the named tasks first, in
        the order given, the rest after them in their order. Returns the lane."""
    def propose_task(self, task_id: str, agent_id: str) -> Proposal:
        """Offer a task of your group to an agent you may reach (your group or a contact in
        another group): pending until that agent accepts or declines (managers)."""
    def proposals(self, all: bool | None = None) -> list[Proposal]:
        """Proposals offered to you or made from your group, pending ones unless `all`."""
    def accept_proposal(self, proposal_id: str) -> Task:
        """Accept a task proposed to you: it moves to your group, assigned to you."""
    def decline_proposal(self, proposal_id: str, reason: str | None = None) -> Proposal:
        """Decline a task proposed to you, with an optional reason."""
    def import_tasks(self, toml: str) -> ImportReport:
        """Import a `tasks.toml` (its text) into your group: unknown ids created, known ones
        updated where they differ; all or nothing, errors name the line (managers)."""
    def export_tasks(self) -> str:
        """Your group's board (archived tasks left out) as `tasks.toml` text."""
    def claim_tasks(self, count: int, lease_secs: int | None = None) -> list[Claim]:
        """Claim up to `count` of the best next todo tasks at once, each under its own lease and
        token, chosen as claim_task chooses the best next (fit, files, deferral, dependencies,
        board order); fewer when fewer fit, none: an empty list."""
    def release_task(self, task_id: str, token: str, error: str | None = None) -> Task:
        """Give a claimed task back to `todo`, unassigned; with `error` (what went wrong), a failed
        attempt, counted toward the task's `max_attempts` (past it: `failed`) and maybe held
        back for a backoff. A token that is not the live lease is a lease error."""
    def retry_task(self, task_id: str) -> Task:
        """Put a `failed` task back in `todo`, its failed attempts and backoff cleared (managers)."""
    def defer_task(self, task_id: str, until: str | None = None) -> Task:
        """Defer a task: not ready and not claimable before `until`, an RFC 3339 time or a
        duration from now (`90s`, `30m`, `2h`, `1d`); absent, "" or `now` clears it (managers)."""
    def complete_task(self, task_id: str, token: str, summary: str, artifacts: list[str] | None = None, result_ref: str | None = None, next: str | None = None, review: bool | None = None) -> Task:
        """Complete a claimed task with its completion record: to `done`, or with `review` to
        `review` (posting to the group's `review-queue` channel). `summary` is one line;
        `artifacts` refs such as `file:src/x.rs` or `msg:<id>`. A token that is not the live
        lease (a lapsed one too) is a lease error."""
    def complete_tasks(self, claims: list[ClaimDoneDict]) -> list[Task]:
        """Complete several claims to done in one transaction, in order, each as complete_task
        would (its token the live claim; a summary, absent: "completed"); all or nothing: a bad
        item refuses the batch with an error naming its index (from 0). 1..=1000 claims."""
    def require_approval(self, task_id: str, approval: bool) -> Task:
        """Say whether a task of your group needs a person's approval before it is done
        (managers); a task already in review keeps waiting for its answer."""
    def release_reservations(self, ids: list[str] | None = None) -> int:
        """Release your reservations (the given ids, or all); returns how many."""
    def reservations(self, agent_id: str | None = None, path: str | None = None) -> list[Reservation]:
        """Live reservations of your group: of one agent, and/or covering a path."""
    def work_state(self, agent_id: str | None = None) -> AgentWork:
        """The work state of an agent of your group (default: yours)."""
    # --- end of the derived methods ---

class _Record:
    def to_dict(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...

# --- record classes, from the core records (python -m agor._stubs; do not edit) ---
@final
class Agent(_Record):
    """A registered agent."""

    @property
    def id(self) -> str:
        """1–64 characters of `[A-Za-z0-9_-]`."""
    @property
    def name(self) -> str:
        """Display name."""
    @property
    def role(self) -> str:
        """Role name (`manager`, `project`, a custom one…)."""
    @property
    def group_id(self) -> str:
        """Its group: the boundary of what it sees."""
    @property
    def tier(self) -> int:
        """0 admin, 1 management, 2 project."""
    @property
    def model(self) -> str | None:
        """The model it runs on, if recorded."""
    @property
    def cwd(self) -> str | None:
        """Its working directory, if recorded."""
    @property
    def status(self) -> str:
        """Free text; legacy rows may hold values other than active/sleeping/stopped."""
    @property
    def last_active_at(self) -> str | None:
        """`YYYY-MM-DD HH:MM:SS` UTC of its last heartbeat or status change."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def last_heartbeat(self) -> int | None:
        """Unix seconds of the last heartbeat, if the agent ever sent one."""
    @property
    def unread(self) -> int:
        """Unread direct messages addressed to this agent."""

@final
class Message(_Record):
    """A direct message."""

    @property
    def id(self) -> str:
        """A uuid; commands accept a unique prefix."""
    @property
    def from_agent(self) -> str:
        """The sender."""
    @property
    def to_agent(self) -> str:
        """The recipient."""
    @property
    def content(self) -> str:
        """The text."""
    @property
    def read(self) -> bool:
        """Whether the recipient has read it."""
    @property
    def reply_to(self) -> str | None:
        """The message it answers."""
    @property
    def group_id(self) -> str | None:
        """The recipient's group."""
    @property
    def sender_group_id(self) -> str | None:
        """The sender's group."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def importance(self) -> Literal['low', 'normal', 'high', 'urgent']:
        """How urgent the sender says it is: `low`, `normal`, `high`, `urgent`."""
    @property
    def ack_required(self) -> bool:
        """Whether the sender asked for a receipt (an `ack` or a reply)."""
    @property
    def deadline(self) -> str | None:
        """When a receipt is due, `YYYY-MM-DD HH:MM:SS` UTC (None: no deadline)."""
    @property
    def acked_at(self) -> str | None:
        """When the recipient acked or replied, `YYYY-MM-DD HH:MM:SS` UTC."""

@final
class ChannelMessage(_Record):
    """A post in a channel."""

    @property
    def id(self) -> str:
        """A uuid."""
    @property
    def channel_id(self) -> str:
        """The channel posted to."""
    @property
    def from_agent(self) -> str:
        """Who posted (`agor` for review notices)."""
    @property
    def content(self) -> str:
        """The text."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class Channel(_Record):
    """A channel with its member count and last message."""

    @property
    def id(self) -> str:
        """A uuid."""
    @property
    def name(self) -> str:
        """Unique in its group."""
    @property
    def group_id(self) -> str | None:
        """Its group."""
    @property
    def created_by(self) -> str | None:
        """Who created it (`agor` for the review channels)."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def member_count(self) -> int:
        """How many agents belong to it."""
    @property
    def last_message(self) -> ChannelMessage | None:
        """Its newest post."""

@final
class DeadLetter(_Record):
    """A message that could not be delivered."""

    @property
    def id(self) -> int:
        """Queue number."""
    @property
    def from_agent(self) -> str:
        """Who sent it."""
    @property
    def to_agent(self) -> str:
        """Whom it was meant for."""
    @property
    def content(self) -> str:
        """The message text."""
    @property
    def error(self) -> str | None:
        """Why it was not delivered."""
    @property
    def reply_to(self) -> str | None:
        """The message it answers, kept so a redelivery stays in its thread."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class Delivery(_Record):
    """Result of a fan-out send (to a role, a glob or the group)."""

    @property
    def sent(self) -> list[Message]:
        """Messages now in their recipients' inboxes."""
    @property
    def dead_lettered(self) -> list[tuple[str, int]]:
        """Recipients whose copy went to the dead-letter queue, with its id."""
    @property
    def skipped(self) -> list[str]:
        """Recipients the sender may not message (not in its contacts)."""

@final
class Heartbeat(_Record):
    """What a heartbeat did."""

    @property
    def agent_id(self) -> str:
        """The agent that heartbeated."""
    @property
    def timestamp(self) -> int:
        """Unix seconds recorded."""
    @property
    def redelivered(self) -> list[Message]:
        """Dead letters moved into the inbox by this heartbeat."""

@final
class StaleAgent(_Record):
    """An agent whose heartbeat is older than the threshold."""

    @property
    def agent_id(self) -> str:
        """The silent agent."""
    @property
    def last_heartbeat(self) -> int:
        """Unix seconds of its last heartbeat."""
    @property
    def silent_secs(self) -> int:
        """Seconds since then."""

@final
class AuditEntry(_Record):
    """One audit row."""

    @property
    def id(self) -> int:
        """Row number, increasing."""
    @property
    def agent_id(self) -> str | None:
        """Who acted (`operator`, `agor` for the system, or an agent id)."""
    @property
    def event_type(self) -> str:
        """What happened (`message_sent`, `task_status`, …)."""
    @property
    def detail(self) -> str | None:
        """Human-readable detail naming the subject."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class AgentWork(_Record):
    """An agent's work state."""

    @property
    def agent_id(self) -> str:
        """The agent."""
    @property
    def state(self) -> Literal['idle', 'working', 'done', 'error', 'stopped']:
        """What it is doing."""
    @property
    def task_id(self) -> str | None:
        """The task it works on, when `working` named one."""
    @property
    def updated_at(self) -> str:
        """When it last changed, `YYYY-MM-DD HH:MM:SS` UTC (empty when never reported)."""

@final
class RoleDef(_Record):
    """A role as data (SPEC §9): its tier, capabilities, permissions and the roles its holders may
    create. The built-in rows are fixed in code and reproduce SPEC §2's table; custom roles are
    rows of the `agor_roles` table; a custom role nobody defined has a project agent's rights."""

    @property
    def name(self) -> str:
        """The role's name, as `agents.role` stores it."""
    @property
    def tier(self) -> int:
        """The tier its agents get by default (0 admin, 1 management, 2 project)."""
    @property
    def capabilities(self) -> list[Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']]:
        """What kind of work it does."""
    @property
    def permissions(self) -> list[Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']]:
        """What it may do to agents, channels and configuration."""
    @property
    def creates(self) -> list[str]:
        """Roles its holders may give new agents (`*`: any role of a lower tier)."""
    @property
    def built_in(self) -> bool:
        """A built-in role (fixed), or one defined as data."""

@final
class Proposal(_Record):
    """A task offered to an agent."""

    @property
    def id(self) -> str:
        """Its id (a uuid; a unique prefix names it)."""
    @property
    def task_id(self) -> str:
        """The task offered."""
    @property
    def task_title(self) -> str:
        """The task's title when it was proposed."""
    @property
    def from_group(self) -> str:
        """The group the task belonged to."""
    @property
    def proposed_by(self) -> str:
        """Who proposed it."""
    @property
    def agent_id(self) -> str:
        """The agent it is offered to."""
    @property
    def status(self) -> Literal['pending', 'accepted', 'declined']:
        """Pending, accepted or declined."""
    @property
    def reason(self) -> str | None:
        """Why it was declined, if the agent said."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def decided_at(self) -> str | None:
        """When it was accepted or declined."""

@final
class ImportReport(_Record):
    """What an import did, task ids in file order."""

    @property
    def created(self) -> list[str]:
        """Tasks the file added to the board."""
    @property
    def updated(self) -> list[str]:
        """Tasks whose fields the file changed."""
    @property
    def unchanged(self) -> list[str]:
        """Tasks already as the file says."""

@final
class UsageRecord(_Record):
    """One reported request."""

    @property
    def id(self) -> int:
        """Its number."""
    @property
    def agent_id(self) -> str:
        """Who reported it."""
    @property
    def task_id(self) -> str | None:
        """The task it served, if any."""
    @property
    def model(self) -> str:
        """The model used."""
    @property
    def input_tokens(self) -> int:
        """Tokens in."""
    @property
    def output_tokens(self) -> int:
        """Tokens out."""
    @property
    def cost_usd(self) -> float:
        """Cost in US dollars (kept to the micro-dollar)."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class UsageSummary(_Record):
    """The sums of one agent, task, model or group."""

    @property
    def key(self) -> str | None:
        """The agent, task or group id, or the model (null: requests that named no task)."""
    @property
    def input_tokens(self) -> int:
        """Tokens in."""
    @property
    def output_tokens(self) -> int:
        """Tokens out."""
    @property
    def cost_usd(self) -> float:
        """Cost in US dollars."""
    @property
    def requests(self) -> int:
        """How many requests."""

@final
class Reservation(_Record):
    """A live reservation."""

    @property
    def id(self) -> str:
        """Its id (renew and release take it)."""
    @property
    def agent_id(self) -> str:
        """Who holds it."""
    @property
    def group_id(self) -> str:
        """The holder's group."""
    @property
    def pattern(self) -> str:
        """The path glob: `*` any run of characters (slashes too), `?` one, `[abc]` a class."""
    @property
    def exclusive(self) -> bool:
        """Exclusive, or shared with other shared holders."""
    @property
    def reason(self) -> str | None:
        """Why, for whoever runs into it."""
    @property
    def created_at(self) -> str:
        """When it was first taken, `YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def expires_at_ms(self) -> int:
        """When it lapses unless renewed, Unix milliseconds."""
    @property
    def task_id(self) -> str | None:
        """The claimed task whose paths these are: such a reservation lives exactly as long as
        the claim (renewing the lease keeps it, completing, releasing or a lapse ends it) and
        is not renewed or released by itself. Absent for a reservation made with `reserve`."""

@final
class SearchHit(_Record):
    """One search result."""

    @property
    def kind(self) -> Literal['message', 'post', 'task', 'comment']:
        """What was found."""
    @property
    def id(self) -> str:
        """The message, post, task or comment id."""
    @property
    def parent_id(self) -> str | None:
        """The channel of a post, the task of a comment."""
    @property
    def channel(self) -> str | None:
        """The name of a post's channel, which people read where an id says nothing."""
    @property
    def snippet(self) -> str:
        """A piece of the text around the first match, matched words wrapped in `**`."""
    @property
    def rank(self) -> float:
        """Relevance, higher is better; compare hits of one search only."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class TokenInfo(_Record):
    """An issued secret, as the operator sees it: never the secret itself."""

    @property
    def agent_id(self) -> str:
        """The agent the secret acts as; `operator` for the operator's own secrets."""
    @property
    def operator(self) -> bool:
        """Whether it is an operator secret (`btmsg token issue --operator`)."""
    @property
    def fingerprint(self) -> str:
        """The first 12 hex digits of the secret's SHA-256: tells two secrets apart."""
    @property
    def created_at(self) -> str:
        """When it was issued, `YYYY-MM-DD HH:MM:SS` UTC."""

@final
class Change(_Record):
    """One entry of the change feed."""

    @property
    def cursor(self) -> int:
        """Its position: increasing, never reused. Pass it as `since` to read on from here."""
    @property
    def kind(self) -> ChangeKind:
        """What it is about."""
    @property
    def event(self) -> str:
        """What happened, as the audit log names it (`message_sent`, `task_claimed`, …)."""
    @property
    def actor(self) -> str | None:
        """Who acted (`operator`, `agor` or an agent)."""
    @property
    def subject(self) -> str | None:
        """The id of the message, post, task or agent."""
    @property
    def group_id(self) -> str | None:
        """The group it belongs to."""
    @property
    def agent_id(self) -> str | None:
        """The agent it is addressed to (a message's recipient, a task's assignee)."""
    @property
    def channel_id(self) -> str | None:
        """The channel of a post."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def content(self) -> ChangeContent | None:
        """What the actor may read of the subject, as it is when the change is returned: filled
        by `wait` and `watch` (and the streams built on them), absent from `changes`, and
        absent when the subject is gone or not the actor's to read (another group's task,
        someone else's DM)."""

@final
class ChangeContent(_Record):
    """What a waiting actor may read of a change's subject: a DM's or post's text and sender, a
    task's title, status and holder. The fields of the other kinds are null."""

    @property
    def text(self) -> str | None:
        """The text of the DM or post."""
    @property
    def sender(self) -> str | None:
        """Who sent the DM or wrote the post."""
    @property
    def reply_to(self) -> str | None:
        """The DM this one answers."""
    @property
    def importance(self) -> str | None:
        """The DM's importance (`low`, `normal`, `high`, `urgent`)."""
    @property
    def title(self) -> str | None:
        """The task's title."""
    @property
    def status(self) -> TaskStatus | None:
        """The task's status now."""
    @property
    def assignee(self) -> str | None:
        """Who holds (or is assigned) the task now."""
    @property
    def version(self) -> int | None:
        """The task's version now, read with its status: what a move of it expects
        (`expected_version`) to be current."""

@final
class Contact(_Record):
    """A contact edge of the ACL: `agent_id` may message `contact_id`."""

    @property
    def agent_id(self) -> str:
        """Who may message."""
    @property
    def contact_id(self) -> str:
        """Whom it may message."""

class Task(_Record):
    """A task on the board.

    `get_task` returns its `TaskDetail` subclass, with comments and subtasks."""

    @property
    def id(self) -> str:
        """A uuid; commands accept a unique prefix."""
    @property
    def title(self) -> str:
        """One line."""
    @property
    def description(self) -> str:
        """Free text ("" when none)."""
    @property
    def status(self) -> TaskStatus:
        """Where it stands."""
    @property
    def priority(self) -> Priority:
        """Claim order: critical first."""
    @property
    def assigned_to(self) -> str | None:
        """The agent working on it (or meant to)."""
    @property
    def created_by(self) -> str | None:
        """Who created it."""
    @property
    def group_id(self) -> str | None:
        """Its group; only that group's agents (and tier 0) see it."""
    @property
    def parent_task_id(self) -> str | None:
        """The task it is a subtask of."""
    @property
    def sort_order(self) -> int:
        """Position among tasks of the same priority."""
    @property
    def tags(self) -> list[str]:
        """Tags, sorted."""
    @property
    def definition_of_done(self) -> str | None:
        """What "done" means for it."""
    @property
    def version(self) -> int:
        """Bumped by every change; status changes name the version they expect."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def updated_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""
    @property
    def lease_expires_at(self) -> int | None:
        """Unix seconds at which the current claim lapses, while the task is claimed (rounded up)."""
    @property
    def lease_expires_ms(self) -> int | None:
        """The same deadline in Unix milliseconds: leases are honoured to the millisecond."""
    @property
    def completion(self) -> Completion | None:
        """What the worker left when it completed the task."""
    @property
    def waits_for(self) -> list[str]:
        """The tasks it waits for that are not done yet (full ids, sorted): it cannot be claimed,
        started or completed before they are. Empty when nothing holds it back."""
    @property
    def paths(self) -> list[str]:
        """The files it touches, as path globs: claiming it reserves them exclusively for the
        claim's lifetime, and claim-next skips it while another agent holds any of them."""
    @property
    def approval(self) -> bool:
        """Needs a person's approval."""
    @property
    def requires(self) -> str | None:
        """What the claimer's role must have: `capability:<word>` or `role:<name>`."""
    @property
    def max_attempts(self) -> int | None:
        """Failed attempts before `failed` (absent: the store's setting)."""
    @property
    def failed_attempts(self) -> int:
        """Failed attempts since created or retried."""
    @property
    def not_before_ms(self) -> int | None:
        """Unix ms before which it is not claimable (deferred, backing off)."""

@final
class Completion(_Record):
    """What a worker leaves behind when it completes a task."""

    @property
    def summary(self) -> str:
        """One line."""
    @property
    def artifacts(self) -> list[str]:
        """References such as `file:src/lib.rs` or `msg:<id>`."""
    @property
    def result_ref(self) -> str | None:
        """Where the result lives (a commit, a PR, a file)."""
    @property
    def next(self) -> str | None:
        """What should happen next, if anything."""

@final
class Comment(_Record):
    """A comment on a task."""

    @property
    def id(self) -> str:
        """A uuid."""
    @property
    def task_id(self) -> str:
        """The task commented on."""
    @property
    def agent_id(self) -> str:
        """Who wrote it (`agor` for the board's own notes)."""
    @property
    def content(self) -> str:
        """The text."""
    @property
    def created_at(self) -> str:
        """`YYYY-MM-DD HH:MM:SS` UTC."""

@final
class Claim(_Record):
    """A successful claim: the task (now `in_progress`, assigned to the claimer) and the lease."""

    @property
    def task(self) -> Task:
        """The claimed task."""
    @property
    def token(self) -> str:
        """Proof of ownership, required by renew, release and complete."""
    @property
    def expires_at(self) -> int:
        """Unix seconds at which the lease lapses unless renewed (rounded up)."""
    @property
    def expires_at_ms(self) -> int:
        """The same deadline in Unix milliseconds."""

# --- end of the record classes ---

@final
class TaskDetail(Task):
    """A task with its comments (oldest first) and direct subtasks; never equal to a plain Task."""

    @property
    def comments(self) -> List[Comment]: ...
    @property
    def subtasks(self) -> List[Task]: ...
