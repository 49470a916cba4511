"""agor: coordination for teams of AI coding agents, on one database (a SQLite file or
PostgreSQL) shared by processes.

Agents, a contacts ACL, direct messages, channels, heartbeats, a dead-letter queue and a
task board with optimistic locking and leased claims, implemented in Rust (``agor-core``) and
exposed here with typed classes::

    import agor

    with agor.open("/tmp/team.db") as store:        # None: $AGOR_DB or ~/.local/share/agor/btmsg.db
        store.register_agent("mgr-1", "Manager", "manager", "core")
        store.register_agent("dev-1", "Developer", "project", "core")
        store.allow("mgr-1", "dev-1", bidirectional=True)
        mgr = store.as_agent("mgr-1")                  # every call below acts as mgr-1
        mgr.send("dev-1", "please take the parser task")
        for m in store.as_agent("dev-1").read():       # unread, oldest first; marks them read
            print(m.from_agent, m.content)

        task = mgr.create_task("parser", priority="high", tags=("core",))
        dev = store.as_agent("dev-1")
        claim = dev.claim_task()                        # best next todo task, or None
        dev.complete_task(claim.task.id, claim.token, "parser merged",
                          artifacts=["file:src/parser.rs"], review=True)

Every call is one transaction and releases the GIL while it runs; stores and actors may be
shared between threads, and any number of processes may open the same file. Task statuses
(``backlog``, ``todo``, ``in_progress``, ``review``, ``done``, ``blocked``, ``failed``,
``cancelled``) and priorities (``low``, ``medium``, ``high``, ``critical``) are plain strings. Failures raise
``agor.AgorError`` subclasses (see :mod:`agor.errors`); results are immutable records with
plain attributes and ``to_dict()``. For asyncio, :mod:`agor.aio` has every operation as an
``async`` method.

.. warning::
   Do not open the same database file with the stdlib ``sqlite3`` module *in the same
   process* as agor. agor bundles its own SQLite; two SQLite copies in one process do not
   see each other's POSIX advisory locks, and closing the file in one copy silently drops
   the other's locks, which can corrupt the database. Use agor's API, or a separate process
   (for example the ``sqlite3`` command or a ``subprocess``), to inspect the file.
"""

from agor._agor import (
    DEFAULT_LEASE_SECONDS,
    MAX_LEASE_SECONDS,
    MAX_LIMIT,
    Actor,
    Agent,
    AgentWork,
    AuditEntry,
    Change,
    ChangeContent,
    Channel,
    ChannelMessage,
    Claim,
    Comment,
    Completion,
    Contact,
    DeadLetter,
    Delivery,
    Heartbeat,
    ImportReport,
    Message,
    Proposal,
    RoleDef,
    Reservation,
    SearchHit,
    StaleAgent,
    Store,
    Task,
    TaskDetail,
    TokenInfo,
    UsageRecord,
    UsageSummary,
    __version__,
    open,
    operations,
)
from agor import _derived, errors
from agor.errors import (
    AgorError,
    AlreadyClaimedError,
    AmbiguousIdError,
    BusyError,
    ConflictError,
    InvalidInputError,
    LeaseError,
    NotFoundError,
    PermissionDeniedError,
    ReadOnlyError,
    RecipientUnavailableError,
    SchemaError,
    StorageError,
)

__all__ = [
    "open",
    "operations",
    "Store",
    "Actor",
    "Agent",
    "Message",
    "Channel",
    "ChannelMessage",
    "Contact",
    "DeadLetter",
    "Delivery",
    "Heartbeat",
    "StaleAgent",
    "TokenInfo",
    "SearchHit",
    "Reservation",
    "UsageRecord",
    "AgentWork",
    "Proposal",
    "RoleDef",
    "ImportReport",
    "UsageSummary",
    "AuditEntry",
    "Change",
    "ChangeContent",
    "Task",
    "TaskDetail",
    "Comment",
    "Claim",
    "Completion",
    "DEFAULT_LEASE_SECONDS",
    "MAX_LEASE_SECONDS",
    "MAX_LIMIT",
    "__version__",
]
__all__ += errors.__all__
# Operations with no hand-written method reach Store and Actor from the catalogue.
_derived.install()
__all__ += ["aio"]  # the asyncio API (`import agor.aio`), imported on demand


def __getattr__(name: str):
    # `agor.aio` without `import agor.aio` first (PEP 562): asyncio is imported only by
    # programs that use it.
    if name == "aio":
        import importlib

        return importlib.import_module("agor.aio")
    raise AttributeError(f"module 'agor' has no attribute {name!r}")
