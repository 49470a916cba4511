"""agor.aio: the agor API for asyncio, derived from the catalogue.

::

    import agor.aio

    async with agor.aio.open("/tmp/team.db") as store:
        dev = store.as_agent("dev-1")
        await dev.send(to="mgr-1", content="parser merged")
        changes = await dev.wait(kinds=["message"], timeout_secs=30)
        async for change in dev.watch(kinds=["task"]):
            ...

Every operation of the catalogue (``agor.operations()``) is an ``async`` method of
``AsyncActor`` (operations of an agent, and those open to either) or ``AsyncStore`` (the
operator's, and those open to either), made from the catalogue when this module is imported:
none is written out here. Arguments are the operation's request fields (``Store.call``'s
keys), by name (``from_`` for ``from``); leaving one out (or passing None) takes its default. Each call runs ``call``
on a pool of ``WORKERS`` (8) threads shared by the process (a store runs one statement at a
time anyway), and the Rust call releases the GIL, so the loop keeps running meanwhile.
**Results are what ``call`` returns: plain dicts, lists, str, int, bool or None** (not the
records of the typed sync methods); errors are the same ``agor.AgorError`` subclasses. The
stub ``aio.pyi``, generated from the catalogue, types them (``TaskDict``, ``ClaimDict`` …).

Waits do not hold a thread each. ``wait`` and ``watch`` (and ``claim_task`` with
``wait_secs``) register a wait with the store's shared waiter (agor-core's per-store hub: one
file watcher or one ``LISTEN`` connection for the whole process) and then only await an
asyncio future. One dispatcher thread per store blocks on the store's *change bell*, which
rings on any commit by anyone; when it rings (or a new wait is registered, or the store's
sign-of-life interval passes) it polls every registered wait without blocking — a wait whose
bells did not ring reads nothing — and resolves the futures of those that found changes with
``loop.call_soon_threadsafe``. So 100 waits cost one thread and 100 registrations; a poll
keeps a waiting agent alive as the sync wait does. A waiting claim's poll is a step of the
core's claim loop (the sync ``claim_task(wait=...)``'s): it tries to claim at first and after
a task change, and its future resolves with the claim.

Cancelling the task that awaits ``wait`` or ``claim_task`` (or leaving an ``async for`` over
``watch``) unregisters the wait at once: nothing is left blocked in Rust, since only the
dispatcher blocks, and its bell wait is itself ended through a ``CancelToken`` when the store
closes.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable

import agor
from agor import _derived

__all__ = ["open", "AsyncStore", "AsyncActor"]


class _Wait:
    """One registered wait: its `_Waiter` (cursor kept between batches), the future of the
    batch awaited now, and changes that arrived after that future was given up."""

    def __init__(self, hub: _Dispatcher, waiter: Any) -> None:
        self._hub = hub
        self.waiter = waiter
        self._lock = threading.Lock()
        self._future: asyncio.Future | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kept: list = []

    async def next(self, timeout: float | None) -> list:
        """The next batch of changes, or ``[]`` when `timeout` seconds pass first."""
        if self._kept:
            got, self._kept = self._kept, []
            return got
        if timeout is not None and timeout <= 0:
            # No time to wait: one look, like the sync wait's.
            return await _run(self.waiter.poll)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._future, self._loop = future, loop
        self._hub.register(self)
        try:
            if timeout is None:
                return await future
            try:
                return await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                return []
        finally:
            with self._lock:
                self._future = None
            self._hub.unregister(self)

    def poll(self) -> None:
        """Runs on the dispatcher thread: polls the waiter, and hands what it found (or the
        error) to the awaiting coroutine's loop."""
        with self._lock:
            future, loop = self._future, self._loop
            if future is None or loop is None:
                return
            try:
                got: Any = self.waiter.poll()
            except Exception as e:  # handed to the awaiting coroutine
                got = e
            if isinstance(got, list) and not got:
                return
            self._future = None
        self._hub.unregister(self)
        loop.call_soon_threadsafe(self._deliver, future, got)

    def fail(self, error: BaseException) -> None:
        """Ends the batch awaited now with `error` (the store was closed)."""
        with self._lock:
            future, loop = self._future, self._loop
            self._future = None
        if future is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._deliver, future, error)

    def _deliver(self, future: asyncio.Future, got: Any) -> None:
        if future.done():
            # Given up (timed out, cancelled) after the poll took the changes: keep them for
            # the next batch, so a watch misses nothing.
            if isinstance(got, list):
                self._kept.extend(got)
        elif isinstance(got, BaseException):
            future.set_exception(got)
        else:
            future.set_result(got)


class _Dispatcher:
    """The one thread of a store that blocks on the change bell and polls the registered
    waits when it rings. Started by the first wait; stopped by `close()`."""

    def __init__(self, store: agor.Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._waits: dict[int, _Wait] = {}
        self._bell: Any = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def pending(self) -> int:
        """How many waits are registered now."""
        with self._lock:
            return len(self._waits)

    def register(self, wait: _Wait) -> None:
        with self._lock:
            if self._closed:
                raise agor.StorageError("the store is closed")
            self._waits[id(wait)] = wait
            if self._thread is None:
                self._bell = self._store._change_bell()
                self._thread = threading.Thread(
                    target=self._run, name="agor.aio dispatcher", daemon=True
                )
                self._thread.start()
            bell = self._bell
        # Its first poll catches up from its cursor, at once.
        bell.kick()

    def unregister(self, wait: _Wait) -> None:
        with self._lock:
            self._waits.pop(id(wait), None)

    def _run(self) -> None:
        while self._bell.wait():
            with self._lock:
                waits = list(self._waits.values())
            for wait in waits:
                wait.poll()

    def close(self) -> None:
        """Stops the thread; the waits still registered raise `StorageError`, as every call
        on a closed store does."""
        with self._lock:
            self._closed = True
            bell, thread = self._bell, self._thread
        if bell is not None:
            bell.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._lock:
            waits, self._waits = list(self._waits.values()), {}
        for wait in waits:
            wait.fail(agor.StorageError("the store is closed"))


WORKERS = 8
"""Threads that run agor.aio's calls, for every store and loop of the process. A store runs
one statement at a time on its connection, so more would only queue there."""

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


async def _run(fn: Callable[..., Any], *args: Any) -> Any:
    """Runs a blocking call (one that releases the GIL) on agor.aio's executor."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="agor.aio")
    return await asyncio.get_running_loop().run_in_executor(_executor, functools.partial(fn, *args))


class _Handle:
    """What `AsyncStore` and `AsyncActor` share: the catalogue's calls and the waits."""

    _sync: Any
    _hub: _Dispatcher

    async def _call(self, request: dict) -> Any:
        return await _run(self._sync.call, request)

    async def _waiter(self, kinds: Any, since: Any, group: Any, timeout_secs: Any = None) -> _Wait:
        waiter = await _run(self._sync._waiter, kinds, since, group, timeout_secs)
        return _Wait(self._hub, waiter)

    async def wait(
        self,
        *,
        kinds: list[str] | None = None,
        since: int | None = None,
        timeout_secs: float | None = None,
        group: str | None = None,
    ) -> list[dict[str, Any]]:
        """Waits until changes made by others arrive (of `kinds`, after cursor `since`,
        default now; in `group`) and returns them as dicts, oldest first; ``[]`` when
        `timeout_secs` pass first (None: forever). Cancelling the awaiting task unregisters
        the wait at once. Holds no thread while it waits (see the module's docs)."""
        wait = await self._waiter(kinds, since, group, timeout_secs)
        try:
            return await wait.next(wait.waiter.timeout)
        finally:
            wait.waiter.close()

    async def watch(
        self,
        *,
        kinds: list[str] | None = None,
        since: int | None = None,
        group: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yields changes made by others (dicts, as `wait` returns them) as they arrive, for
        ever: one registered wait whose cursor carries from batch to batch, so nothing is
        missed between two. Leaving the ``async for`` unregisters it."""
        wait = await self._waiter(kinds, since, group)
        try:
            while True:
                for change in await wait.next(None):
                    yield change
        finally:
            wait.waiter.close()


class AsyncStore(_Handle):
    """An open agor database for asyncio: every operator (and either) operation of the
    catalogue as an ``async`` method returning plain data (see the module's docs).

    Make one with ``await agor.aio.open(path)`` (or ``async with agor.aio.open(path)``), or
    wrap an open ``agor.Store`` with ``AsyncStore(store)``.
    """

    def __init__(self, store: agor.Store) -> None:
        self._sync = store
        self._hub = _Dispatcher(store)

    @property
    def sync(self) -> agor.Store:
        """The sync `agor.Store` underneath."""
        return self._sync

    @property
    def path(self) -> str:
        return self._sync.path

    @property
    def closed(self) -> bool:
        return self._sync.closed

    @property
    def pending_waits(self) -> int:
        """How many waits (`wait`, `watch`, a waiting `claim_task`) are registered now."""
        return self._hub.pending

    def as_agent(self, id: str) -> AsyncActor:
        """An `AsyncActor` acting as agent `id` (like `Store.as_agent`)."""
        return AsyncActor(self, self._sync.as_agent(id))

    def close(self) -> None:
        """Stops the store's dispatcher and closes the store (and its actors)."""
        self._hub.close()
        self._sync.close()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await _run(self.close)

    def __repr__(self) -> str:
        return f"Async{self._sync!r}"


class AsyncActor(_Handle):
    """One agent acting on an `AsyncStore`: every agent (and either) operation of the
    catalogue as an ``async`` method returning plain data (see the module's docs). Get one
    with ``store.as_agent(id)``."""

    def __init__(self, store: AsyncStore, actor: agor.Actor) -> None:
        self._store = store
        self._sync = actor
        self._hub = store._hub

    @property
    def id(self) -> str:
        return self._sync.id

    @property
    def store(self) -> AsyncStore:
        return self._store

    @property
    def sync(self) -> agor.Actor:
        """The sync `agor.Actor` underneath."""
        return self._sync

    async def claim_task(
        self,
        *,
        task_id: str | None = None,
        lease_secs: int | None = None,
        wait_secs: float | None = None,
    ) -> dict[str, Any] | None:
        """Claims a todo task under a lease, as the catalogue's ``claim_task``; with
        `wait_secs`, when nothing fits it waits (holding no thread) for task changes and tries
        again after each, until the time passes; then the answer of a claim without a wait."""
        request = _derived.request("claim_task", {"task_id": task_id, "lease_secs": lease_secs})
        if wait_secs is None:
            return await self._call(request)
        # The core's claim loop, a step each time the store's bell rings (registered before
        # its first try, so a task made between that try and the wait wakes it).
        claims = await _run(self._sync._claim_waiter, task_id, lease_secs, wait_secs)
        try:
            got = await _Wait(self._hub, claims).next(claims.timeout)
        finally:
            claims.close()
        # Nothing claimed in time: the answer of a claim without a wait.
        return got[0] if got else await self._call(request)

    def __repr__(self) -> str:
        return f"Async{self._sync!r}"


class _Opening:
    """What `open` returns: await it for the `AsyncStore`, or use it with ``async with``."""

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self._args, self._kwargs = args, kwargs
        self._store: AsyncStore | None = None

    async def _open(self) -> AsyncStore:
        store = await _run(functools.partial(agor.open, *self._args, **self._kwargs))
        return AsyncStore(store)

    def __await__(self):
        return self._open().__await__()

    async def __aenter__(self) -> AsyncStore:
        self._store = await self._open()
        return self._store

    async def __aexit__(self, *exc: Any) -> None:
        if self._store is not None:
            await _run(self._store.close)


def open(*args: Any, **kwargs: Any) -> _Opening:
    """Opens a database as `agor.open` does (same arguments), off the event loop:
    ``store = await agor.aio.open(path)`` or ``async with agor.aio.open(path) as store``."""
    return _Opening(args, kwargs)


def _operation(op: dict) -> Callable[..., Any]:
    """The ``async`` method of one catalogue operation."""
    name = op["name"]
    fields = ", ".join(op["request"].get("properties", {})) or "none"

    async def method(self: _Handle, **arguments: Any) -> Any:
        _derived.check_arguments(op, arguments)
        return await self._call(_derived.request(name, arguments))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{op['doc']}\n\nKeyword arguments: {fields}. Returns plain data, as `call`."
    return method


HOMES = {"agent": (AsyncActor,), "operator": (AsyncStore,), "either": (_Handle,)}
"""Which async class carries the operations of each kind of caller: those either may call,
the base both classes share."""


def _derive() -> None:
    """Gives each class the catalogue's operations it does not define itself (`wait`,
    `claim_task` are written above: they wait without a thread)."""
    for op in _derived.catalogue().values():
        for cls in HOMES[op["caller"]]:
            if op["name"] not in vars(cls) and op["name"] not in vars(_Handle):
                setattr(cls, op["name"], _operation(op))


_derive()
