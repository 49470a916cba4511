"""Type stubs of the native module ``agor._agor`` (implemented in Rust, crate ``agor-py``).

Import the public names from ``agor``; this module is private.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, final, overload

# --- records of the derived methods (python -m agor._stubs; do not edit) ---
from agor.aio import AttemptDict, BlockedTaskDict, ClaimDict, ClaimDoneDict, CompletionDict, CreateTaskDict, MessageDict, ReservationDict, SettingDict, StatusMoveDict, TaskDict, UsagePointDict, WaitingDict
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

class _Acting:
    """What ``Store`` (acting as the operator) and ``Actor`` (acting as its agent) share,
    defined once in the extension: the team's agents and roles, the board, search, the change
    feed, the audit log and usage. Each call runs with the caller's rights: the operator and
    tier 0 see every group (or ``group``), an agent its own group."""

    def register_agent(
        self,
        id: str,
        name: str,
        role: str,
        group: str,
        tier: Optional[int] = None,
        model: Optional[str] = None,
        cwd: Optional[str] = None,
    ) -> Agent:
        """Register or update an agent: the operator anyone; managers create roles below them
        in their group; anyone re-registers itself unchanged; no agent raises a rank."""
    def list_agents(self, group: Optional[str] = None) -> List[Agent]: ...
    def allow(self, from_id: str, to_id: str, bidirectional: bool = False) -> None:
        """Grant contacts: the operator between any agents, managers inside their group, tier 0
        anywhere; nobody to itself."""
    def contact_graph(self) -> List[Contact]:
        """Edges of the contacts ACL: all for the operator and tier 0, those touching an
        agent's group for the agent."""
    def roles(self) -> List[RoleDef]:
        """Every role: built-in rows, then custom ones."""
    def role(self, name: str) -> RoleDef:
        """One role's row; an undefined name raises ``NotFoundError``."""
    def define_role(
        self,
        name: str,
        tier: int = 2,
        capabilities: Optional[List[str]] = None,
        permissions: Optional[List[str]] = None,
        creates: Optional[List[str]] = None,
    ) -> RoleDef:
        """Define a custom role (an agent needs can_modify_roles, and the role sits below its
        tier)."""
    def has_capability(self, agent_id: str, capability: str) -> bool:
        """Whether an agent's role has a capability (an agent asks about its group)."""
    def check_permission(self, agent_id: str, permission: str) -> bool:
        """Whether an agent's role holds a permission (an agent asks about its group)."""
    def can_create_role(self, creator: str, role: str) -> bool:
        """Whether agents of role ``creator`` may create agents of role ``role``."""
    def remove_agent(self, agent_id: str) -> None:
        """Soft-delete an agent (the operator and tier 0 any; managers one below them in their
        group)."""
    def restore_agent(self, agent_id: str) -> Agent:
        """Restore a soft-deleted agent (the rights of removing it)."""
    def purge_agent(self, agent_id: str, force: bool = False) -> None:
        """Delete an agent for good: only a stopped one unless ``force``."""
    def rename_agent(self, agent_id: str, name: str) -> Agent:
        """Change an agent's display name (the operator any; an agent itself; managers agents
        below them)."""
    def audit_log(
        self, agent_id: Optional[str] = None, limit: Optional[int] = 50, group: Optional[str] = None
    ) -> List[AuditEntry]:
        """The audit log, newest first, of the caller's group (the operator and tier 0: all,
        or ``group``'s); an agent needs can_view_logs."""
    def board(self, group: Optional[str] = None) -> Dict[str, List[Task]]:
        """The board of the caller's group (the operator: every group's, or ``group``'s):
        every status in board order (backlog, todo, in_progress, review, done, blocked,
        failed, cancelled) mapped to its tasks, each column in priority order."""
    def list_tasks(
        self,
        all: bool = False,
        status: Optional[Union[TaskStatus, str]] = None,
        tag: Optional[str] = None,
        group: Optional[str] = None,
    ) -> List[Task]:
        """Tasks of the caller's group (the operator and tier 0: all, or ``group``'s),
        highest priority first; done and cancelled ones only with ``all=True`` or a
        ``status`` asking for them."""
    def search(
        self,
        query: str,
        kinds: Optional[List[str]] = None,
        limit: Optional[int] = None,
        group: Optional[str] = None,
    ) -> List[SearchHit]:
        """Full-text search (FTS5 syntax) of what the caller may read (the operator: every
        group, or ``group``), best first; ``limit`` None: 20."""
    def changes(self, since: int = 0, limit: Optional[int] = None, group: Optional[str] = None) -> List[Change]:
        """The change feed after cursor ``since``, oldest first, as far as the caller may see
        (the operator: every group's, or ``group``'s)."""
    def latest_change(self) -> int:
        """The newest cursor of the change feed: where a wait that must miss nothing starts."""
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
    def usage_summary(self, by: str = "agent", group: Optional[str] = None) -> List[UsageSummary]:
        """Usage summed by ``"agent"``, ``"task"``, ``"model"`` or ``"group"`` over the
        caller's group (the operator and tier 0: every group, or ``group``), biggest cost
        first."""

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
    def get_agent(self, id: str) -> Agent: ...
    def as_agent(self, id: str) -> Actor: ...
    def stale_agents(self, threshold_secs: Optional[int] = None) -> List[StaleAgent]: ...
    def lane(self, agent_id: str) -> List[Task]:
        """One agent's lane (any group)."""
    def ensure_review_channels(self, group: str) -> Tuple[Channel, Channel]: ...
    def issue_token(self, agent_id: str) -> str:
        """A new secret for ``agent mcp --http``, shown only now (agor keeps a hash)."""
    def revoke_tokens(self, agent_id: str) -> int:
        """Revokes every secret of ``agent_id``; returns how many there were."""
    def tokens(self) -> List[TokenInfo]:
        """The issued secrets (agent, fingerprint, when), never the secrets themselves."""
    def review_queue_count(self, group: str) -> int:
        """Number of tasks of ``group`` waiting in ``review``."""
    def reviewer_attention(self, group: str) -> int:
        """10 per task of ``group`` waiting in review, capped at 50."""
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
    def task_history(self, task_id: str, limit: int | None = None) -> list[StatusMoveDict]:
        """The status moves of one task (id or prefix), oldest first: the newest `limit` (default
        20), each with who moved it and when, from the change feed."""
    def task_attempts(self, task_id: str) -> list[AttemptDict]:
        """The attempts at one task (id or prefix), oldest first: each claim with who made it,
        when, and how it ended (completed, released, released_with_error, lapsed, taken_over)."""
    def approve_task(self, task_id: str) -> TaskDict:
        """Approve a task awaiting a person's approval (in review, with approval): it moves to
        done (an agent of role human, or the operator)."""
    def reject_task(self, task_id: str, reason: str) -> TaskDict:
        """Reject a task awaiting a person's approval, with a reason: it returns to todo,
        assigned to (and claimable only by) the agent that completed it, which is told
        (an agent of role human, or the operator)."""
    def waiting_on_people(self, limit: int | None = None, group: str | None = None) -> list[WaitingDict]:
        """Everything waiting on a person, in one list: tasks awaiting approval, pending
        proposals, unanswered messages to people (role human) and dead letters, in that order,
        each oldest first, at most `limit` (default 50) of each; of every group (or `group`)
        for people and the operator."""
    def usage_series(self, by: Literal['agent', 'task', 'group', 'model'] | None = None, bucket: Literal['hour', 'day'] | None = None, since: str | None = None, group: str | None = None) -> list[UsagePointDict]:
        """Usage over time: summed per `bucket` (hour or day, default day, UTC) and per agent,
        task, model or group (`by`, default model), of the groups usage_summary reads, from
        `since` on (`YYYY-MM-DD[ HH:MM:SS]` UTC; absent: all): oldest bucket first, within one
        the biggest cost first."""
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
    def whoami(self) -> Agent: ...
    def contacts(self) -> List[Agent]: ...
    def set_status(self, status: str, agent_id: Optional[str] = None) -> Agent: ...
    def send(
        self,
        to: str,
        content: str,
        importance: Optional[Literal["low", "normal", "high", "urgent"]] = None,
        ack_required: bool = False,
        deadline_secs: Optional[int] = None,
    ) -> Message:
        """Send a DM; ``importance`` orders the recipient's inbox, ``ack_required`` asks for a
        receipt (its ``ack`` or a reply), ``deadline_secs`` makes it ``overdue`` once past."""
    def reply(self, message_id: str, content: str) -> Message: ...
    def inbox(self, all: bool = False, limit: Optional[int] = None) -> List[Message]: ...
    def peek(self) -> List[Message]: ...
    @overload
    def read(self, message_id: str) -> Message: ...
    @overload
    def read(self, message_id: None = None) -> List[Message]: ...
    def read_unread(self) -> List[Message]: ...
    def mark_conversation_read(self, other: str) -> int: ...
    def ack(self, message_id: str, session_id: str) -> bool: ...
    def unread_count(self) -> int: ...
    def history(self, other: str, limit: Optional[int] = 20) -> List[Message]: ...
    def feed(self, limit: Optional[int] = 50, group: Optional[str] = None) -> List[Message]: ...
    def notify(self) -> Optional[str]: ...
    def delete_message(self, message_id: str) -> None: ...
    def send_to_role(self, role: str, content: str) -> Delivery: ...
    def send_to_pattern(self, pattern: str, content: str) -> Delivery: ...
    def broadcast(self, content: str) -> Delivery: ...
    def heartbeat(self) -> Heartbeat: ...
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
    def archive_task(self, task_id: str) -> Task:
        """Hide a done or cancelled task from the board, keeping it (managers)."""
    def unarchive_task(self, task_id: str) -> Task:
        """Put an archived task back on the board (managers)."""
    def archived_tasks(self) -> List[Task]:
        """Archived tasks of this group, most recently archived first."""
    def lane(self, agent_id: Optional[str] = None) -> List[Task]:
        """One agent's open tasks in its own order (default: this agent's)."""
    def reorder_lane(self, task_ids: List[str], agent_id: Optional[str] = None) -> List[Task]:
        """Put the named tasks first in a lane, in the order given; returns the lane."""
    def propose_task(self, task_id: str, agent_id: str) -> Proposal:
        """Offer a task to an agent (another group's through a contact) until it answers."""
    def proposals(self, all: bool = False) -> List[Proposal]:
        """Proposals offered to this agent or made from its group."""
    def accept_proposal(self, proposal_id: str) -> Task:
        """Accept a proposed task: it moves to this agent's group, assigned to it."""
    def decline_proposal(self, proposal_id: str, reason: Optional[str] = None) -> Proposal:
        """Decline a proposed task, with an optional reason."""
    def import_tasks(self, toml: str) -> ImportReport:
        """Import ``tasks.toml`` text: all or nothing, errors name the line."""
    def export_tasks(self) -> str:
        """This group's board as ``tasks.toml`` text."""
    def set_work_state(
        self, state: Optional[str] = None, task: Optional[str] = None, hook: Optional[str] = None
    ) -> AgentWork:
        """Set the work state (validated moves), or apply a coding agent's hook event."""
    def work_state(self, agent_id: Optional[str] = None) -> AgentWork:
        """The work state of an agent of this group (default: this one)."""
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
    def release_reservations(self, ids: Optional[List[str]] = None) -> int:
        """Release this agent's reservations (``ids``, None: all); returns how many."""
    def reservations(self, agent_id: Optional[str] = None, path: Optional[str] = None) -> List[Reservation]:
        """Live reservations of this agent's group: of one agent, and/or covering ``path``."""
    def dead_letters(self) -> List[DeadLetter]: ...
    def redeliver_dead_letters(self, id: Optional[int] = None) -> List[Message]: ...
    def clear_dead_letters(self, id: Optional[int] = None) -> int: ...
    def create_channel(self, name: str) -> Channel: ...
    def list_channels(self) -> List[Channel]: ...
    def post(self, channel: str, content: str) -> ChannelMessage: ...
    def channel_history(self, channel: str, limit: Optional[int] = 30) -> List[ChannelMessage]: ...
    def add_member(self, channel: str, agent_id: str) -> Channel: ...
    # Task board. Statuses and priorities are plain strings; unknown ones raise
    # InvalidInputError. Task ids accept unique prefixes.
    def create_task(
        self,
        title: str,
        description: str = "",
        priority: Union[Priority, str] = "medium",
        assign_to: Optional[str] = None,
        parent: Optional[str] = None,
        tags: Sequence[str] = (),
        definition_of_done: Optional[str] = None,
        status: Literal["todo", "backlog"] = "todo",
        paths: Sequence[str] = (),
        approval: bool = False,
        requires: Optional[str] = None,
        max_attempts: Optional[int] = None,
    ) -> Task:
        """Create a task on this agent's group board. Managers and tier 0 only. Claiming it
        reserves ``paths`` (globs) exclusively for the claim's lifetime; ``requires``
        (``capability:<word>`` or ``role:<name>``) offers it only to roles that have it."""
    def get_task(self, task_id: str) -> TaskDetail:
        """One task with its comments and subtasks."""
    def assign_task(self, task_id: str, agent_id: str) -> Task:
        """Assign a task. Managers and tier 0; ``AlreadyClaimedError`` under another's live claim."""
    def set_task_status(
        self,
        task_id: str,
        status: Union[TaskStatus, str],
        expected_version: Optional[int] = None,
    ) -> Task:
        """Move a task if it is still at ``expected_version`` (else ``ConflictError`` with
        ``current_version``; ``None``: at the current version, in one transaction).
        Managers, reviewers, tier 0, or the assignee (project agents)."""
    def comment(self, task_id: str, content: str) -> Comment:
        """Comment on a task. Every role may comment."""
    def delete_task(self, task_id: str) -> None:
        """Delete a task with its comments and tags. Managers and tier 0 only."""
    def add_dependency(self, task_id: str, depends_on: str) -> None:
        """Make `task_id` wait until `depends_on` is done; cycles raise InvalidInputError."""
    def remove_dependency(self, task_id: str, depends_on: str) -> None:
        """Remove a dependency (harmless when absent)."""
    def dependencies(self, task_id: str) -> List[str]:
        """Ids of the tasks `task_id` waits for."""
    def ready_tasks(self) -> List[Task]:
        """Todo tasks claimable now (dependencies done), in claim order."""
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
    def release_task(self, task_id: str, token: str, error: Optional[str] = None) -> Task:
        """Give a claimed task back to ``todo``; with ``error``, a failed attempt (counted
        toward ``max_attempts``); ``LeaseError`` on a wrong or lapsed token."""
    def complete_task(
        self,
        task_id: str,
        token: str,
        summary: str,
        artifacts: Sequence[str] = (),
        result_ref: Optional[str] = None,
        next: Optional[str] = None,
        review: bool = False,
    ) -> Task:
        """Complete a claimed task with its completion record: to ``done``, or ``review``
        (posting to the group's review-queue channel). ``LeaseError`` on a wrong or lapsed token."""
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    def overdue(self, limit: int | None = None) -> list[MessageDict]:
        """Your messages that asked for a receipt by a deadline now past and have none, the
        longest overdue first (`limit` absent: 50)."""
    def create_tasks(self, tasks: list[CreateTaskDict]) -> list[TaskDict]:
        """Create many tasks in one transaction, in order, each as create_task would (its
        arguments, checks, audit row and change); all or nothing: a bad item refuses the batch
        with an error naming its index (from 0). 1..=1000 tasks (managers)."""
    def task_history(self, task_id: str, limit: int | None = None) -> list[StatusMoveDict]:
        """The status moves of one task (id or prefix), oldest first: the newest `limit` (default
        20), each with who moved it and when, from the change feed."""
    def claim_blockers(self, task_id: str | None = None) -> list[BlockedTaskDict]:
        """Todo tasks the actor could claim but for files another agent holds (claim-next and
        ready_tasks skip them), each with what blocks it: the other agent's reservation or
        claimed task. `task_id` asks about one task."""
    def claim_tasks(self, count: int, lease_secs: int | None = None) -> list[ClaimDict]:
        """Claim up to `count` of the best next todo tasks at once, each under its own lease and
        token, chosen as claim_task chooses the best next (fit, files, deferral, dependencies,
        board order); fewer when fewer fit, none: an empty list."""
    def retry_task(self, task_id: str) -> TaskDict:
        """Put a `failed` task back in `todo`, its failed attempts and backoff cleared (managers)."""
    def defer_task(self, task_id: str, until: str | None = None) -> TaskDict:
        """Defer a task: not ready and not claimable before `until`, an RFC 3339 time or a
        duration from now (`90s`, `30m`, `2h`, `1d`); absent, "" or `now` clears it (managers)."""
    def task_attempts(self, task_id: str) -> list[AttemptDict]:
        """The attempts at one task (id or prefix), oldest first: each claim with who made it,
        when, and how it ended (completed, released, released_with_error, lapsed, taken_over)."""
    def complete_tasks(self, claims: list[ClaimDoneDict]) -> list[TaskDict]:
        """Complete several claims to done in one transaction, in order, each as complete_task
        would (its token the live claim; a summary, absent: "completed"); all or nothing: a bad
        item refuses the batch with an error naming its index (from 0). 1..=1000 claims."""
    def require_approval(self, task_id: str, approval: bool) -> TaskDict:
        """Say whether a task of your group needs a person's approval before it is done
        (managers); a task already in review keeps waiting for its answer."""
    def approve_task(self, task_id: str) -> TaskDict:
        """Approve a task awaiting a person's approval (in review, with approval): it moves to
        done (an agent of role human, or the operator)."""
    def reject_task(self, task_id: str, reason: str) -> TaskDict:
        """Reject a task awaiting a person's approval, with a reason: it returns to todo,
        assigned to (and claimable only by) the agent that completed it, which is told
        (an agent of role human, or the operator)."""
    def waiting_on_people(self, limit: int | None = None, group: str | None = None) -> list[WaitingDict]:
        """Everything waiting on a person, in one list: tasks awaiting approval, pending
        proposals, unanswered messages to people (role human) and dead letters, in that order,
        each oldest first, at most `limit` (default 50) of each; of every group (or `group`)
        for people and the operator."""
    def usage_series(self, by: Literal['agent', 'task', 'group', 'model'] | None = None, bucket: Literal['hour', 'day'] | None = None, since: str | None = None, group: str | None = None) -> list[UsagePointDict]:
        """Usage over time: summed per `bucket` (hour or day, default day, UTC) and per agent,
        task, model or group (`by`, default model), of the groups usage_summary reads, from
        `since` on (`YYYY-MM-DD[ HH:MM:SS]` UTC; absent: all): oldest bucket first, within one
        the biggest cost first."""
    # --- end of the derived methods ---

class _Record:
    def to_dict(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...

@final
class Agent(_Record):
    """A registered agent, with its unread direct-message count."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def group_id(self) -> str: ...
    @property
    def tier(self) -> int: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def cwd(self) -> Optional[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def last_active_at(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def last_heartbeat(self) -> Optional[int]: ...
    @property
    def unread(self) -> int: ...

@final
class Message(_Record):
    """A direct message between two agents."""

    @property
    def id(self) -> str: ...
    @property
    def from_agent(self) -> str: ...
    @property
    def to_agent(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def read(self) -> bool: ...
    @property
    def reply_to(self) -> Optional[str]: ...
    @property
    def group_id(self) -> Optional[str]: ...
    @property
    def sender_group_id(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def importance(self) -> Literal["low", "normal", "high", "urgent"]: ...
    @property
    def ack_required(self) -> bool: ...
    @property
    def deadline(self) -> Optional[str]: ...
    @property
    def acked_at(self) -> Optional[str]: ...

@final
class ChannelMessage(_Record):
    """A post in a channel."""

    @property
    def id(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def from_agent(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def created_at(self) -> str: ...

@final
class Channel(_Record):
    """A channel, with its member count and last post."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def group_id(self) -> Optional[str]: ...
    @property
    def created_by(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def member_count(self) -> int: ...
    @property
    def last_message(self) -> Optional[ChannelMessage]: ...

@final
class DeadLetter(_Record):
    """A message kept because its recipient had gone silent; redelivered on its next heartbeat."""

    @property
    def id(self) -> int: ...
    @property
    def from_agent(self) -> str: ...
    @property
    def to_agent(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def reply_to(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...

@final
class Delivery(_Record):
    """Outcome of a fan-out send."""

    @property
    def sent(self) -> List[Message]: ...
    @property
    def dead_lettered(self) -> List[Tuple[str, int]]: ...
    @property
    def skipped(self) -> List[str]: ...

@final
class Heartbeat(_Record):
    """What a heartbeat did."""

    @property
    def agent_id(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def redelivered(self) -> List[Message]: ...

@final
class StaleAgent(_Record):
    """An agent whose last heartbeat is older than the threshold."""

    @property
    def agent_id(self) -> str: ...
    @property
    def last_heartbeat(self) -> int: ...
    @property
    def silent_secs(self) -> int: ...

@final
class Change(_Record):
    """One entry of the change feed."""

    @property
    def cursor(self) -> int: ...
    @property
    def kind(self) -> ChangeKind: ...
    @property
    def event(self) -> str: ...
    @property
    def actor(self) -> Optional[str]: ...
    @property
    def subject(self) -> Optional[str]: ...
    @property
    def group_id(self) -> Optional[str]: ...
    @property
    def agent_id(self) -> Optional[str]: ...
    @property
    def channel_id(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def content(self) -> Optional[ChangeContent]: ...

@final
class ChangeContent(_Record):
    """What a waiting agent may read of a change's subject (from `wait` and `watch`)."""

    @property
    def text(self) -> Optional[str]: ...
    @property
    def sender(self) -> Optional[str]: ...
    @property
    def reply_to(self) -> Optional[str]: ...
    @property
    def importance(self) -> Optional[str]: ...
    @property
    def title(self) -> Optional[str]: ...
    @property
    def status(self) -> Optional[TaskStatus]: ...
    @property
    def assignee(self) -> Optional[str]: ...
    @property
    def version(self) -> Optional[int]: ...

@final
class AgentWork(_Record):
    """An agent's work state."""

    @property
    def agent_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def task_id(self) -> Optional[str]: ...
    @property
    def updated_at(self) -> str: ...

@final
class RoleDef(_Record):
    """A role's row: tier, capabilities, permissions and the roles it may create."""

    @property
    def name(self) -> str: ...
    @property
    def tier(self) -> int: ...
    @property
    def capabilities(self) -> List[str]: ...
    @property
    def permissions(self) -> List[str]: ...
    @property
    def creates(self) -> List[str]: ...
    @property
    def built_in(self) -> bool: ...

@final
class Proposal(_Record):
    """A task offered to an agent: pending until it accepts or declines."""

    @property
    def id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def task_title(self) -> str: ...
    @property
    def from_group(self) -> str: ...
    @property
    def proposed_by(self) -> str: ...
    @property
    def agent_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def decided_at(self) -> Optional[str]: ...

@final
class ImportReport(_Record):
    """What a ``tasks.toml`` import did."""

    @property
    def created(self) -> List[str]: ...
    @property
    def updated(self) -> List[str]: ...
    @property
    def unchanged(self) -> List[str]: ...

@final
class UsageRecord(_Record):
    """One reported model request."""

    @property
    def id(self) -> int: ...
    @property
    def agent_id(self) -> str: ...
    @property
    def task_id(self) -> Optional[str]: ...
    @property
    def model(self) -> str: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float: ...
    @property
    def created_at(self) -> str: ...

@final
class UsageSummary(_Record):
    """Usage summed for one agent, task or group."""

    @property
    def key(self) -> Optional[str]: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float: ...
    @property
    def requests(self) -> int: ...

@final
class Reservation(_Record):
    """A file reservation: an advisory lease on a path glob."""

    @property
    def id(self) -> str: ...
    @property
    def agent_id(self) -> str: ...
    @property
    def group_id(self) -> str: ...
    @property
    def pattern(self) -> str: ...
    @property
    def exclusive(self) -> bool: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def expires_at_ms(self) -> int: ...
    @property
    def task_id(self) -> Optional[str]:
        """The claimed task whose paths these are (the reservation lives as long as the
        claim), or None for a reservation made with ``reserve``."""

@final
class SearchHit(_Record):
    """One search result; ``snippet`` has the matched words wrapped in ``**``."""

    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def parent_id(self) -> Optional[str]: ...
    @property
    def channel(self) -> Optional[str]:
        """The name of a post's channel; None otherwise."""
    @property
    def snippet(self) -> str: ...
    @property
    def rank(self) -> float: ...
    @property
    def created_at(self) -> str: ...

@final
class TokenInfo(_Record):
    """An issued secret for the MCP server's HTTP transport (never the secret itself)."""

    @property
    def agent_id(self) -> str:
        """The agent the secret acts as (`"operator"` for an operator secret)."""
    @property
    def operator(self) -> bool:
        """Whether the secret acts as the operator (`btmsg token issue --operator`)."""
    @property
    def fingerprint(self) -> str: ...
    @property
    def created_at(self) -> str: ...

class AuditEntry(_Record):
    """One row of the audit log."""

    @property
    def id(self) -> int: ...
    @property
    def agent_id(self) -> Optional[str]: ...
    @property
    def event_type(self) -> str: ...
    @property
    def detail(self) -> Optional[str]: ...
    @property
    def created_at(self) -> str: ...

@final
class Contact(_Record):
    """An edge of the contacts ACL: ``agent_id`` may message ``contact_id``."""

    @property
    def agent_id(self) -> str: ...
    @property
    def contact_id(self) -> str: ...

class Task(_Record):
    """A task on the board."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def status(self) -> TaskStatus: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def assigned_to(self) -> Optional[str]: ...
    @property
    def created_by(self) -> Optional[str]: ...
    @property
    def group_id(self) -> Optional[str]: ...
    @property
    def parent_task_id(self) -> Optional[str]: ...
    @property
    def sort_order(self) -> int: ...
    @property
    def tags(self) -> List[str]: ...
    @property
    def definition_of_done(self) -> Optional[str]: ...
    @property
    def version(self) -> int: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def lease_expires_at(self) -> Optional[int]: ...
    @property
    def lease_expires_ms(self) -> Optional[int]: ...
    @property
    def completion(self) -> Optional[Completion]: ...
    @property
    def waits_for(self) -> List[str]:
        """The tasks it waits for that are not done yet (full ids): it cannot be claimed,
        started or completed before they are."""
    @property
    def paths(self) -> List[str]:
        """The path globs its claim reserves exclusively; claim-next skips it while another
        agent holds one of them."""
    @property
    def approval(self) -> bool:
        """Whether a person approves it before it is done."""
    def requires(self) -> Optional[str]:
        """What the claimer's role must have: `capability:<word>` or `role:<name>`."""
    @property
    def max_attempts(self) -> Optional[int]:
        """Failed attempts before it goes to `failed`; None: the store's setting."""
    @property
    def failed_attempts(self) -> int:
        """Failed attempts (lapses, releases with an error) since it was created or retried."""
    @property
    def not_before_ms(self) -> Optional[int]:
        """Unix ms before which it is not ready or claimable (deferred, or backing off)."""

@final
class TaskDetail(Task):
    """A task with its comments (oldest first) and direct subtasks; never equal to a plain Task."""

    @property
    def comments(self) -> List[Comment]: ...
    @property
    def subtasks(self) -> List[Task]: ...

@final
class Completion(_Record):
    """What a worker left behind when it completed a task."""

    @property
    def summary(self) -> str: ...
    @property
    def artifacts(self) -> List[str]: ...
    @property
    def result_ref(self) -> Optional[str]: ...
    @property
    def next(self) -> Optional[str]: ...

@final
class Comment(_Record):
    """A comment on a task (status changes are recorded as comments too)."""

    @property
    def id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def agent_id(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def created_at(self) -> str: ...

@final
class Claim(_Record):
    """A successful claim: the task (now in_progress, assigned to the claimer) and its lease."""

    @property
    def task(self) -> Task: ...
    @property
    def token(self) -> str: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def expires_at_ms(self) -> int: ...
