"""The exception hierarchy of agor: every failure of the library is an ``AgorError``.

The native module raises these classes; which class a core error becomes is decided in one
place (``agor-py/src/errors.rs``). Wrong argument *types* stay ordinary ``TypeError``\\ s.
"""

# Annotations only (quoted, so none is evaluated): `typing` is not imported at run time, where
# it would cost more than the rest of `import agor` (benches/INSTRUCTIONS.md). No `__future__`
# import either: it would leave a public `annotations` name here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Sequence

__all__ = [
    "AgorError",
    "NotFoundError",
    "PermissionDeniedError",
    "ConflictError",
    "AlreadyClaimedError",
    "LeaseError",
    "RecipientUnavailableError",
    "InvalidInputError",
    "AmbiguousIdError",
    "SchemaError",
    "StorageError",
    "ReadOnlyError",
    "BusyError",
]


class AgorError(Exception):
    """Base class of every agor error.

    ``str(err)`` is the one-line message. Keyword details given to the constructor become
    attributes (subclasses declare which ones they carry; absent details are ``None``).
    ``item``: for a batch refused because of one item (``create_tasks``, ``complete_tasks``),
    that item's index from 0; the other attributes are the item's error's.
    """

    item: "Optional[int]" = None

    def __init__(self, message: str, **details: "Any") -> None:
        super().__init__(message)
        self.message = message
        for name, value in details.items():
            setattr(self, name, value)


class NotFoundError(AgorError, LookupError):
    """An agent, message, channel, task or dead letter does not exist.

    Attributes: ``object_kind`` (``"agent"``, ``"message"``, ...) and ``object_id`` (what was asked for).
    """

    object_kind: "Optional[str]" = None
    object_id: "Optional[str]" = None


class PermissionDeniedError(AgorError):
    """The acting agent may not do this (contacts ACL, role or tier rules).

    Attributes: ``actor`` and ``action`` (what was refused, in words).
    """

    actor: "Optional[str]" = None
    action: "Optional[str]" = None


class ConflictError(AgorError):
    """An optimistic-locking update carried a stale version.

    Attributes: ``current_version`` (re-read the object, then retry with it),
    ``expected``, ``object_kind`` and ``object_id``.
    """

    current_version: "Optional[int]" = None
    expected: "Optional[int]" = None
    object_kind: "Optional[str]" = None
    object_id: "Optional[str]" = None


class AlreadyClaimedError(AgorError):
    """Another worker claimed the task first. Attributes: ``task_id``, ``claimed_by``."""

    task_id: "Optional[str]" = None
    claimed_by: "Optional[str]" = None


class LeaseError(AgorError):
    """A lease token is wrong or has lapsed. Attributes: ``task_id``, ``reason``."""

    task_id: "Optional[str]" = None
    reason: "Optional[str]" = None


class RecipientUnavailableError(AgorError):
    """The recipient has stopped heartbeating; the message was kept, not lost.

    It waits in the dead-letter queue and is redelivered on the recipient's next heartbeat.
    Attributes: ``recipient``, ``dead_letter_id`` and ``silent_secs``.
    """

    recipient: "Optional[str]" = None
    dead_letter_id: "Optional[int]" = None
    silent_secs: "Optional[int]" = None


class InvalidInputError(AgorError, ValueError):
    """An argument has the right type but a bad value: empty or oversized content
    (limit 256 KiB), a malformed id, an unknown status, a negative limit, ...

    Attributes: ``field`` and ``reason``.
    """

    field: "Optional[str]" = None
    reason: "Optional[str]" = None


class AmbiguousIdError(InvalidInputError):
    """An id prefix matches several objects; give more characters.

    A subclass of ``InvalidInputError`` rather than ``NotFoundError``: the objects exist, the
    input just does not pick one. Attributes: ``object_kind``, ``prefix`` and ``candidates``.
    """

    object_kind: "Optional[str]" = None
    prefix: "Optional[str]" = None
    candidates: "Sequence[str]" = ()


class SchemaError(AgorError):
    """The file is not an agor/btmsg database, or was written by a newer agor.

    The file is left untouched. Attribute: ``path``.
    """

    path: "Optional[str]" = None


class StorageError(AgorError):
    """The database could not be read or written (I/O, corruption, a closed store)."""

    path: "Optional[str]" = None


class ReadOnlyError(StorageError):
    """A write on a store opened read-only, or on a file that is not writable."""


class BusyError(StorageError):
    """Another process held the write lock for longer than the busy timeout; nothing was
    written. Attribute: ``waited_ms``."""

    waited_ms: "Optional[int]" = None
