# The types of agor.aio. The blocks between `do not edit` markers are generated from the
# catalogue by `python -m agor._stubs` (tests/python/test_stubs.py checks them; AGOR_BLESS=1
# rewrites them); the rest is written by hand, with agor/aio.py. The *Dict classes exist
# only for type checkers (import them under `typing.TYPE_CHECKING`).

from os import PathLike
from typing import Any, AsyncIterator, Generator, Literal, TypedDict

import agor

# --- records of the operations (python -m agor._stubs; do not edit) ---
class AgentDict(TypedDict):
    created_at: str
    cwd: str | None
    group_id: str
    id: str
    last_active_at: str | None
    last_heartbeat: int | None
    model: str | None
    name: str
    role: str
    status: str
    tier: int
    unread: int


class AgentWorkDict(TypedDict):
    agent_id: str
    state: Literal['idle', 'working', 'done', 'error', 'stopped']
    task_id: str | None
    updated_at: str


class AttemptDict(TypedDict):
    agent_id: str
    ended_at: str | None
    error: str | None
    id: int
    outcome: Literal['completed', 'released', 'released_with_error', 'lapsed', 'taken_over'] | None
    started_at: str
    task_id: str


class AuditEntryDict(TypedDict):
    agent_id: str | None
    created_at: str
    detail: str | None
    event_type: str
    id: int


class BlockedTaskDict(TypedDict):
    blocked_by: ReservationDict
    path: str
    task_id: str
    title: str


class BoardColumnDict(TypedDict):
    status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled']
    tasks: list[TaskDict]


class ChangeContentDict(TypedDict):
    assignee: str | None
    importance: str | None
    reply_to: str | None
    sender: str | None
    status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None
    text: str | None
    title: str | None
    version: int | None


class ChangeDict(TypedDict):
    actor: str | None
    agent_id: str | None
    channel_id: str | None
    content: ChangeContentDict | None
    created_at: str
    cursor: int
    event: str
    group_id: str | None
    kind: Literal['message', 'post', 'task', 'agent']
    subject: str | None


class ChannelDict(TypedDict):
    created_at: str
    created_by: str | None
    group_id: str | None
    id: str
    last_message: ChannelMessageDict | None
    member_count: int
    name: str


class ChannelMessageDict(TypedDict):
    channel_id: str
    content: str
    created_at: str
    from_agent: str
    id: str


class ClaimDict(TypedDict):
    expires_at: int
    expires_at_ms: int
    task: TaskDict
    token: str


class ClaimDoneDict(TypedDict):
    summary: str | None
    task_id: str
    token: str


class CommentDict(TypedDict):
    agent_id: str
    content: str
    created_at: str
    id: str
    task_id: str


class CompletionDict(TypedDict):
    artifacts: list[str]
    next: str | None
    result_ref: str | None
    summary: str


class ContactDict(TypedDict):
    agent_id: str
    contact_id: str


class CreateTaskDict(TypedDict):
    approval: bool
    assign_to: str | None
    definition_of_done: str | None
    description: str
    max_attempts: int | None
    parent: str | None
    paths: list[str]
    priority: Literal['low', 'medium', 'high', 'critical'] | None
    requires: str | None
    status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None
    tags: list[str]
    title: str


class DeadLetterDict(TypedDict):
    content: str
    created_at: str
    error: str | None
    from_agent: str
    id: int
    reply_to: str | None
    to_agent: str


class DeliveryDict(TypedDict):
    dead_lettered: list[tuple[str, int]]
    sent: list[MessageDict]
    skipped: list[str]


class HeartbeatDict(TypedDict):
    agent_id: str
    redelivered: list[MessageDict]
    timestamp: int


class ImportReportDict(TypedDict):
    created: list[str]
    unchanged: list[str]
    updated: list[str]


class MessageDict(TypedDict):
    ack_required: bool
    acked_at: str | None
    content: str
    created_at: str
    deadline: str | None
    from_agent: str
    group_id: str | None
    id: str
    importance: Literal['low', 'normal', 'high', 'urgent']
    read: bool
    reply_to: str | None
    sender_group_id: str | None
    to_agent: str


class ProposalDict(TypedDict):
    agent_id: str
    created_at: str
    decided_at: str | None
    from_group: str
    id: str
    proposed_by: str
    reason: str | None
    status: Literal['pending', 'accepted', 'declined']
    task_id: str
    task_title: str


class ReservationDict(TypedDict):
    agent_id: str
    created_at: str
    exclusive: bool
    expires_at_ms: int
    group_id: str
    id: str
    pattern: str
    reason: str | None
    task_id: str | None


class RoleDefDict(TypedDict):
    built_in: bool
    capabilities: list[Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']]
    creates: list[str]
    name: str
    permissions: list[Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']]
    tier: int


class SearchHitDict(TypedDict):
    channel: str | None
    created_at: str
    id: str
    kind: Literal['message', 'post', 'task', 'comment']
    parent_id: str | None
    rank: float
    snippet: str


class SettingDict(TypedDict):
    default: str
    description: str
    key: str
    set: bool
    value: str


class StaleAgentDict(TypedDict):
    agent_id: str
    last_heartbeat: int
    silent_secs: int


StatusMoveDict = TypedDict('StatusMoveDict', {
    'actor': str | None,
    'at': str,
    'cursor': int,
    'from': Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None,
    'to': Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'],
})

class TaskDict(TypedDict):
    approval: bool
    assigned_to: str | None
    completion: CompletionDict | None
    created_at: str
    created_by: str | None
    definition_of_done: str | None
    description: str
    failed_attempts: int
    group_id: str | None
    id: str
    lease_expires_at: int | None
    lease_expires_ms: int | None
    max_attempts: int | None
    not_before_ms: int | None
    parent_task_id: str | None
    paths: list[str]
    priority: Literal['low', 'medium', 'high', 'critical']
    requires: str | None
    sort_order: int
    status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled']
    tags: list[str]
    title: str
    updated_at: str
    version: int
    waits_for: list[str]


class TaskDetailDict(TaskDict):
    comments: list[CommentDict]
    subtasks: list[TaskDict]


class TokenInfoDict(TypedDict):
    agent_id: str
    created_at: str
    fingerprint: str
    operator: bool


class UsageSummaryDict(TypedDict):
    cost_usd: float
    input_tokens: int
    key: str | None
    output_tokens: int
    requests: int


class UsagePointDict(UsageSummaryDict):
    bucket_start: str


class UsageRecordDict(TypedDict):
    agent_id: str
    cost_usd: float
    created_at: str
    id: int
    input_tokens: int
    model: str
    output_tokens: int
    task_id: str | None


WaitingDict = TypedDict('WaitingDict', {
    'at': str,
    'detail': str | None,
    'from': str | None,
    'group_id': str | None,
    'id': str,
    'kind': Literal['approval', 'proposal', 'message', 'dead_letter'],
    'task_id': str | None,
    'text': str,
    'to': str | None,
})
# --- end of the records ---

class _Handle:
    def watch(
        self, *, kinds: list[str] | None = None, since: int | None = None, group: str | None = None
    ) -> AsyncIterator[ChangeDict]: ...
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    async def allow(self, *, from_: str, to: str, bidirectional: bool | None = None) -> None:
        """Let agent `from` message agent `to` (and back when `bidirectional`)."""
    async def approve_task(self, *, task_id: str) -> TaskDict:
        """Approve a task awaiting a person's approval (in review, with approval): it moves to
        done (an agent of role human, or the operator)."""
    async def audit_log(self, *, agent_id: str | None = None, group: str | None = None, limit: int | None = None) -> list[AuditEntryDict]:
        """The newest audit rows, optionally of one principal: the operator's and tier 0's of every
        group (or `group`), a manager's of its group's agents (needs can_view_logs)."""
    async def board(self, *, group: str | None = None) -> list[BoardColumnDict]:
        """The board of the actor's group (the operator: of every group), or of `group`: every
        status column with its tasks."""
    async def can_create_role(self, *, creator: str, role: str) -> bool:
        """Whether agents of role `creator` may create agents of role `role`."""
    async def changes(self, *, group: str | None = None, limit: int | None = None, since: int | None = None) -> list[ChangeDict]:
        """The change feed after a cursor, oldest first, as far as the actor may see it (the
        operator: every group), or of `group`."""
    async def check_permission(self, *, agent_id: str, permission: Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']) -> bool:
        """Whether an agent's role holds a permission."""
    async def contact_graph(self) -> list[ContactDict]:
        """Edges of the contacts ACL (an agent: those touching its group)."""
    async def define_role(self, *, name: str, capabilities: list[Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']] | None = None, creates: list[str] | None = None, permissions: list[Literal['can_create_agents', 'can_stop_agents', 'can_delete_agents', 'can_restart_agents', 'can_send_commands', 'can_view_logs', 'can_modify_config', 'can_modify_roles', 'can_create_channels', 'can_delete_channels', 'can_send_messages']] | None = None, tier: int | None = None) -> RoleDefDict:
        """Define or redefine a custom role (the operator; holders of can_modify_roles below their
        tier, with no right they lack). `creates`: roles its holders may create, `*` any lower."""
    async def has_capability(self, *, agent_id: str, capability: Literal['create_agents', 'assign_work', 'create_epics', 'implement_tasks', 'review_work', 'test_work']) -> bool:
        """Whether an agent's role has a capability."""
    async def lane(self, *, agent_id: str | None = None) -> list[TaskDict]:
        """One agent's lane (default: yours; the operator names one, in any group): its open
        tasks in its own order."""
    async def latest_change(self) -> int:
        """The newest cursor of the change feed: where a wait that must miss nothing starts."""
    async def list_agents(self, *, group: str | None = None) -> list[AgentDict]:
        """Agents with their unread counts: the operator sees every group (or `group`), an agent
        its own group (tier 0: all)."""
    async def list_tasks(self, *, all: bool | None = None, group: str | None = None, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None = None, tag: str | None = None) -> list[TaskDict]:
        """Tasks of the actor's group (the operator: of every group), or of `group`, open ones
        unless `all`, by priority then sort order."""
    async def purge_agent(self, *, agent_id: str, force: bool | None = None) -> None:
        """Delete an agent for good (its messages stay as history): only a stopped one (status or
        work state) unless `force`."""
    async def register_agent(self, *, group: str, id: str, name: str, role: str, cwd: str | None = None, model: str | None = None, tier: int | None = None) -> AgentDict:
        """Register an agent, or update it if the id exists: the operator registers anyone; an
        agent only within its rights (no rank at or above its own, inside its group)."""
    async def reject_task(self, *, reason: str, task_id: str) -> TaskDict:
        """Reject a task awaiting a person's approval, with a reason: it returns to todo,
        assigned to (and claimable only by) the agent that completed it, which is told
        (an agent of role human, or the operator)."""
    async def remove_agent(self, *, agent_id: str) -> None:
        """Soft-delete an agent: hidden from lists and lookups, mail to it refused as not found,
        its history kept, its id reserved (the operator; managers below them in their group)."""
    async def rename_agent(self, *, agent_id: str, name: str) -> AgentDict:
        """Change an agent's display name (yourself; managers: agents below them in the group)."""
    async def restore_agent(self, *, agent_id: str) -> AgentDict:
        """Bring a soft-deleted agent back (its exact id)."""
    async def role(self, *, name: str) -> RoleDefDict:
        """One role (built in or defined); an undefined name is not found."""
    async def roles(self) -> list[RoleDefDict]:
        """Every role: the built-in rows (fixed), then custom roles by name."""
    async def search(self, *, query: str, group: str | None = None, kinds: list[Literal['message', 'post', 'task', 'comment']] | None = None, limit: int | None = None) -> list[SearchHitDict]:
        """Full-text search over what the actor may read (its DMs, its channels' posts, its
        group's tasks and comments; the operator: every group's), or over `group`: FTS5 syntax
        (words, "phrases", prefix*, AND, OR, NOT, parentheses); hits best first with a
        snippet, matched words in `**`."""
    async def task_attempts(self, *, task_id: str) -> list[AttemptDict]:
        """The attempts at one task (id or prefix), oldest first: each claim with who made it,
        when, and how it ended (completed, released, released_with_error, lapsed, taken_over)."""
    async def task_history(self, *, task_id: str, limit: int | None = None) -> list[StatusMoveDict]:
        """The status moves of one task (id or prefix), oldest first: the newest `limit` (default
        20), each with who moved it and when, from the change feed."""
    async def usage_series(self, *, bucket: Literal['hour', 'day'] | None = None, by: Literal['agent', 'task', 'group', 'model'] | None = None, group: str | None = None, since: str | None = None) -> list[UsagePointDict]:
        """Usage over time: summed per `bucket` (hour or day, default day, UTC) and per agent,
        task, model or group (`by`, default model), of the groups usage_summary reads, from
        `since` on (`YYYY-MM-DD[ HH:MM:SS]` UTC; absent: all): oldest bucket first, within one
        the biggest cost first."""
    async def usage_summary(self, *, by: Literal['agent', 'task', 'group', 'model'] | None = None, group: str | None = None) -> list[UsageSummaryDict]:
        """Usage summed per agent, task, model or group (`by`, default agent) of your group (tier 0
        and the operator: every group), or of `group`, biggest cost first: tokens, cost, requests."""
    async def wait(self, *, group: str | None = None, kinds: list[Literal['message', 'post', 'task', 'agent']] | None = None, since: int | None = None, timeout_secs: float | None = None) -> list[ChangeDict]:
        """Block until changes made by others arrive for the actor (the operator: in every group),
        or in `group` (of `kinds`, all when absent, after `since`, default now); returns them,
        each with what the actor may read of it (`content`: a DM's or post's text and sender, a
        task's title, status and holder), or an empty list when `timeout_secs` passes."""
    async def waiting_on_people(self, *, group: str | None = None, limit: int | None = None) -> list[WaitingDict]:
        """Everything waiting on a person, in one list: tasks awaiting approval, pending
        proposals, unanswered messages to people (role human) and dead letters, in that order,
        each oldest first, at most `limit` (default 50) of each; of every group (or `group`)
        for people and the operator."""
    # --- end of the derived methods ---

class AsyncActor(_Handle):
    def __init__(self, store: AsyncStore, actor: agor.Actor) -> None: ...
    @property
    def id(self) -> str: ...
    @property
    def store(self) -> AsyncStore: ...
    @property
    def sync(self) -> agor.Actor: ...
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    async def accept_proposal(self, *, proposal_id: str) -> TaskDict:
        """Accept a task proposed to you: it moves to your group, assigned to you."""
    async def ack(self, *, message_id: str, session_id: str) -> bool:
        """Record that a session has seen a message; false when it had already. The first ack
        from any session of its recipient is the message's receipt (`acked_at`, which its
        sender sees)."""
    async def add_dependency(self, *, depends_on: str, task_id: str) -> None:
        """Make `task_id` wait for `depends_on` (cycles refused; managers)."""
    async def add_member(self, *, agent_id: str, channel: str) -> ChannelDict:
        """Add an agent of the group to a channel (managers)."""
    async def archive_task(self, *, task_id: str) -> TaskDict:
        """Hide a done or cancelled task from the board, keeping it (managers)."""
    async def archived_tasks(self) -> list[TaskDict]:
        """The archived tasks of your group, most recently archived first."""
    async def assign_task(self, *, agent_id: str, task_id: str) -> TaskDict:
        """Assign a task to an agent of the group (managers)."""
    async def broadcast(self, *, content: str) -> DeliveryDict:
        """Send to every other agent of the actor's group."""
    async def channel_history(self, *, channel: str, limit: int | None = None) -> list[ChannelMessageDict]:
        """The last posts of a channel, oldest first (members and managers)."""
    async def claim_blockers(self, *, task_id: str | None = None) -> list[BlockedTaskDict]:
        """Todo tasks the actor could claim but for files another agent holds (claim-next and
        ready_tasks skip them), each with what blocks it: the other agent's reservation or
        claimed task. `task_id` asks about one task."""
    async def claim_task(self, *, lease_secs: int | None = None, task_id: str | None = None, wait_secs: float | None = None) -> ClaimDict | None:
        """Claim a todo task (the given one or the best next) under a lease; null if none. With
        `wait_secs`, a claim that finds nothing (or the task held) waits that long for a task
        change to make one fit."""
    async def claim_tasks(self, *, count: int, lease_secs: int | None = None) -> list[ClaimDict]:
        """Claim up to `count` of the best next todo tasks at once, each under its own lease and
        token, chosen as claim_task chooses the best next (fit, files, deferral, dependencies,
        board order); fewer when fewer fit, none: an empty list."""
    async def clear_dead_letters(self, *, id: int | None = None) -> int:
        """Delete dead letters: one by id, or all the actor may act on; returns how many."""
    async def comment(self, *, content: str, task_id: str) -> CommentDict:
        """Comment on a task of the group."""
    async def complete_task(self, *, summary: str, task_id: str, token: str, artifacts: list[str] | None = None, next: str | None = None, result_ref: str | None = None, review: bool | None = None) -> TaskDict:
        """Complete a claimed task with its completion record: to `done`, or with `review` to
        `review` (posting to the group's `review-queue` channel). `summary` is one line;
        `artifacts` refs such as `file:src/x.rs` or `msg:<id>`. A token that is not the live
        lease (a lapsed one too) is a lease error."""
    async def complete_tasks(self, *, claims: list[ClaimDoneDict]) -> list[TaskDict]:
        """Complete several claims to done in one transaction, in order, each as complete_task
        would (its token the live claim; a summary, absent: "completed"); all or nothing: a bad
        item refuses the batch with an error naming its index (from 0). 1..=1000 claims."""
    async def contacts(self) -> list[AgentDict]:
        """Agents the acting agent may message."""
    async def create_channel(self, *, name: str) -> ChannelDict:
        """Create a channel in the actor's group and join it (managers)."""
    async def create_task(self, *, title: str, approval: bool | None = None, assign_to: str | None = None, definition_of_done: str | None = None, description: str | None = None, max_attempts: int | None = None, parent: str | None = None, paths: list[str] | None = None, priority: Literal['low', 'medium', 'high', 'critical'] | None = None, requires: str | None = None, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'] | None = None, tags: list[str] | None = None) -> TaskDict:
        """Create a task in the actor's group (managers)."""
    async def create_tasks(self, *, tasks: list[CreateTaskDict]) -> list[TaskDict]:
        """Create many tasks in one transaction, in order, each as create_task would (its
        arguments, checks, audit row and change); all or nothing: a bad item refuses the batch
        with an error naming its index (from 0). 1..=1000 tasks (managers)."""
    async def dead_letters(self) -> list[DeadLetterDict]:
        """Dead letters the actor may see, oldest first."""
    async def decline_proposal(self, *, proposal_id: str, reason: str | None = None) -> ProposalDict:
        """Decline a task proposed to you, with an optional reason."""
    async def defer_task(self, *, task_id: str, until: str | None = None) -> TaskDict:
        """Defer a task: not ready and not claimable before `until`, an RFC 3339 time or a
        duration from now (`90s`, `30m`, `2h`, `1d`); absent, "" or `now` clears it (managers)."""
    async def delete_message(self, *, message_id: str) -> None:
        """Delete a direct message of the actor's group (managers)."""
    async def delete_task(self, *, task_id: str) -> None:
        """Delete a task with its comments and tags (managers)."""
    async def dependencies(self, *, task_id: str) -> list[str]:
        """Ids of the tasks `task_id` waits for."""
    async def export_tasks(self) -> str:
        """Your group's board (archived tasks left out) as `tasks.toml` text."""
    async def feed(self, *, group: str | None = None, limit: int | None = None) -> list[MessageDict]:
        """The newest messages of a group, newest first (tier 0)."""
    async def get_task(self, *, task_id: str) -> TaskDetailDict:
        """One task (id or prefix) with its comments and subtasks."""
    async def heartbeat(self) -> HeartbeatDict:
        """Record that the acting agent is alive; redelivers its dead letters."""
    async def history(self, *, other: str, limit: int | None = None) -> list[MessageDict]:
        """The last messages between the actor and `other`, oldest first."""
    async def import_tasks(self, *, toml: str) -> ImportReportDict:
        """Import a `tasks.toml` (its text) into your group: unknown ids created, known ones
        updated where they differ; all or nothing, errors name the line (managers)."""
    async def inbox(self, *, all: bool | None = None, limit: int | None = None) -> list[MessageDict]:
        """Unread messages most important first, then oldest first; or with `all` every message
        newest first. Marks nothing."""
    async def list_channels(self) -> list[ChannelDict]:
        """Channels of the actor's group with member counts and last message."""
    async def mark_conversation_read(self, *, other: str) -> int:
        """Mark every message from `other` to the actor read; returns how many changed."""
    async def notify(self) -> str | None:
        """A one-line summary of unread mail, or null when there is none."""
    async def overdue(self, *, limit: int | None = None) -> list[MessageDict]:
        """Your messages that asked for a receipt by a deadline now past and have none, the
        longest overdue first (`limit` absent: 50)."""
    async def peek(self) -> list[MessageDict]:
        """Unread messages, oldest first, without marking them read."""
    async def post(self, *, channel: str, content: str) -> ChannelMessageDict:
        """Post to a channel (by name or id) the actor belongs to."""
    async def proposals(self, *, all: bool | None = None) -> list[ProposalDict]:
        """Proposals offered to you or made from your group, pending ones unless `all`."""
    async def propose_task(self, *, agent_id: str, task_id: str) -> ProposalDict:
        """Offer a task of your group to an agent you may reach (your group or a contact in
        another group): pending until that agent accepts or declines (managers)."""
    async def read(self, *, message_id: str) -> MessageDict:
        """One message by id or prefix; marks it read when the actor is its recipient."""
    async def read_unread(self) -> list[MessageDict]:
        """Every unread message, oldest first, marked read in the same transaction."""
    async def ready_tasks(self) -> list[TaskDict]:
        """Todo tasks the actor could claim now, in claim order."""
    async def record_usage(self, *, cost_usd: float, input_tokens: int, model: str, output_tokens: int, task_id: str | None = None) -> UsageRecordDict:
        """Record one model request: tokens in and out, cost in US dollars, model, and the task
        it served (optional, an id or prefix of your group's)."""
    async def redeliver_dead_letters(self, *, id: int | None = None) -> list[MessageDict]:
        """Move dead letters into the inbox now: one by id, or all the actor may act on."""
    async def release_reservations(self, *, ids: list[str] | None = None) -> int:
        """Release your reservations (the given ids, or all); returns how many."""
    async def release_task(self, *, task_id: str, token: str, error: str | None = None) -> TaskDict:
        """Give a claimed task back to `todo`, unassigned; with `error` (what went wrong), a failed
        attempt, counted toward the task's `max_attempts` (past it: `failed`) and maybe held
        back for a backoff. A token that is not the live lease is a lease error."""
    async def remove_dependency(self, *, depends_on: str, task_id: str) -> None:
        """Remove a dependency (managers)."""
    async def renew_lease(self, *, task_id: str, token: str, lease_secs: int | None = None) -> ClaimDict:
        """Extend a live lease to `lease_secs` from now."""
    async def renew_reservations(self, *, ids: list[str] | None = None, ttl_secs: int | None = None) -> list[ReservationDict]:
        """Extend your reservations (the given ids, or all) to `ttl_secs` from now."""
    async def reorder_lane(self, *, task_ids: list[str], agent_id: str | None = None) -> list[TaskDict]:
        """Reorder a lane (default: yours; managers: any of the group): the named tasks first, in
        the order given, the rest after them in their order. Returns the lane."""
    async def reply(self, *, content: str, message_id: str) -> MessageDict:
        """Reply to a message the actor sent or received, threading it."""
    async def require_approval(self, *, approval: bool, task_id: str) -> TaskDict:
        """Say whether a task of your group needs a person's approval before it is done
        (managers); a task already in review keeps waiting for its answer."""
    async def reservations(self, *, agent_id: str | None = None, path: str | None = None) -> list[ReservationDict]:
        """Live reservations of your group: of one agent, and/or covering a path."""
    async def reserve(self, *, paths: list[str], reason: str | None = None, shared: bool | None = None, ttl_secs: int | None = None) -> list[ReservationDict]:
        """Reserve path globs before editing them, exclusive (default) or shared, for `ttl_secs`
        (default 3600), all or none: a conflicting reservation of another agent of the group
        is refused (already_claimed) naming the holder and the paths."""
    async def retry_task(self, *, task_id: str) -> TaskDict:
        """Put a `failed` task back in `todo`, its failed attempts and backoff cleared (managers)."""
    async def send(self, *, content: str, to: str, ack_required: bool | None = None, deadline_secs: int | None = None, importance: Literal['low', 'normal', 'high', 'urgent'] | None = None) -> MessageDict:
        """Send a direct message to an agent (id or unique prefix) the ACL lets the actor reach;
        optionally ask for a receipt (ack or reply) by a deadline (see `overdue`)."""
    async def send_to_pattern(self, *, content: str, pattern: str) -> DeliveryDict:
        """Send to every agent whose id matches a glob, in the actor's group."""
    async def send_to_role(self, *, content: str, role: str) -> DeliveryDict:
        """Send to every agent of a role in the actor's group."""
    async def set_status(self, *, status: Literal['active', 'sleeping', 'stopped'], agent_id: str | None = None) -> AgentDict:
        """Set an agent's presence status (its own always; others': managers of its group)."""
    async def set_task_status(self, *, status: Literal['backlog', 'todo', 'in_progress', 'review', 'done', 'blocked', 'failed', 'cancelled'], task_id: str, expected_version: int | None = None) -> TaskDict:
        """Move a task to `status` if still at `expected_version` (absent: the current version)."""
    async def set_work_state(self, *, hook: str | None = None, state: Literal['idle', 'working', 'done', 'error', 'stopped'] | None = None, task_id: str | None = None) -> AgentWorkDict:
        """Set your work state (idle, working with an optional task, done, error, stopped; moves
        are validated), or apply a coding agent's hook event (`hook`: SessionStart,
        UserPromptSubmit, PreToolUse, Stop, SessionEnd …), which never fails on a move."""
    async def unarchive_task(self, *, task_id: str) -> TaskDict:
        """Put an archived task back on the board (managers)."""
    async def unread_count(self) -> int:
        """Number of unread messages addressed to the actor."""
    async def update_task(self, *, expected_version: int, task_id: str, definition_of_done: str | None = None, description: str | None = None, max_attempts: int | None = None, paths: list[str] | None = None, priority: Literal['low', 'medium', 'high', 'critical'] | None = None, requires: str | None = None, tags: list[str] | None = None, title: str | None = None) -> TaskDict:
        """Edit a task's title, description, priority, definition of done or tags (each only when
        given; tags replace the set) if still at `expected_version` (optimistic locking)."""
    async def whoami(self) -> AgentDict:
        """The acting agent's own record."""
    async def work_state(self, *, agent_id: str | None = None) -> AgentWorkDict:
        """The work state of an agent of your group (default: yours)."""
    # --- end of the derived methods ---

class AsyncStore(_Handle):
    def __init__(self, store: agor.Store) -> None: ...
    @property
    def sync(self) -> agor.Store: ...
    @property
    def path(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def pending_waits(self) -> int: ...
    def as_agent(self, id: str) -> AsyncActor: ...
    def close(self) -> None: ...
    async def __aenter__(self) -> AsyncStore: ...
    async def __aexit__(self, *exc: object) -> None: ...
    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---
    async def backup(self, *, path: str) -> str:
        """Write a consistent single-file copy of the database to `path` (never overwriting a
        file); returns the path written."""
    async def ensure_review_channels(self, *, group: str) -> tuple[ChannelDict, ChannelDict]:
        """Create a group's review-queue and review-log channels if missing."""
    async def get_agent(self, *, id: str) -> AgentDict:
        """One agent by id or unique prefix (operator view, any group)."""
    async def issue_token(self, *, agent_id: str | None = None, operator: bool | None = None) -> str:
        """Issue a secret with which an agent (or, with `operator`, the operator) reaches agor
        through `agor mcp --http`; it is returned once and stored only hashed. Earlier secrets
        stay valid."""
    async def review_queue_count(self, *, group: str) -> int:
        """Tasks of a group waiting in review."""
    async def reviewer_attention(self, *, group: str) -> int:
        """Reviewer attention score of a group: 10 per task in review, capped at 50."""
    async def revoke_tokens(self, *, agent_id: str | None = None, operator: bool | None = None) -> int:
        """Revoke every secret of an agent (or, with `operator`, the operator's); returns how many
        there were."""
    async def set_setting(self, *, key: str, value: str) -> SettingDict:
        """Set one setting for every process on this database; unknown keys and bad values are
        refused, saying what is allowed."""
    async def settings(self) -> list[SettingDict]:
        """Every setting of the store (max_attempts, backoff_base_secs, backoff_cap_secs,
        reviewers_claim_work) with its value, its default and what it governs."""
    async def stale_agents(self, *, threshold_secs: int | None = None) -> list[StaleAgentDict]:
        """Agents that heartbeated before but not within the threshold (default: the store's)."""
    async def tokens(self) -> list[TokenInfoDict]:
        """The issued secrets (agent, fingerprint, when issued), never the secrets themselves."""
    # --- end of the derived methods ---

class _Opening:
    def __await__(self) -> Generator[Any, None, AsyncStore]: ...
    async def __aenter__(self) -> AsyncStore: ...
    async def __aexit__(self, *exc: object) -> None: ...

def open(
    path: str | bytes | PathLike[str] | None = None,
    *,
    busy_timeout: float | None = None,
    read_only: bool = False,
    stale_after: float | None = None,
    create: bool = True,
) -> _Opening: ...

HOMES: dict[str, tuple[type, ...]]
WORKERS: int
