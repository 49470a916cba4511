"""agor.aio on both engines: every catalogue operation as an async method with the sync call's
result, waits that share one dispatcher thread (100 in one loop), cancellation, and watch.
Plain tests running `asyncio.run`, so no pytest plugin is needed."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import sys
import threading
from typing import Any, Awaitable, Callable, Iterator

import pytest

import agor
import agor.aio
from agor.aio import AsyncActor, AsyncStore


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    """Runs one async test body; a hang fails it (60 s) instead of stalling the suite."""

    async def bounded() -> Any:
        return await asyncio.wait_for(test(), 60)

    return asyncio.run(bounded())


def threads() -> int:
    """The process's threads: the OS's count on Linux (Rust threads too), else Python's."""
    if sys.platform.startswith("linux"):
        return len(os.listdir("/proc/self/task"))
    return threading.active_count()


async def until(condition: Callable[[], bool]) -> None:
    """Yields to the loop until `condition` holds (a wait registered, …)."""
    while not condition():
        await asyncio.sleep(0.01)


@contextlib.contextmanager
def made_waiters() -> Iterator[list]:
    """The Rust waiters (`_Waiter`) the waits made meanwhile take, in a list."""
    made: list = []
    real = agor.aio._Wait.__init__

    def spy(self: Any, hub: Any, waiter: Any) -> None:
        real(self, hub, waiter)
        made.append(waiter)

    agor.aio._Wait.__init__ = spy  # type: ignore[method-assign]
    try:
        yield made
    finally:
        agor.aio._Wait.__init__ = real  # type: ignore[method-assign]


def test_every_catalogue_operation_is_an_async_method() -> None:
    homes = {"agent": [AsyncActor], "operator": [AsyncStore], "either": [AsyncActor, AsyncStore]}
    missing = [
        f"{cls.__name__}.{op['name']}"
        for op in agor.operations()
        for cls in homes[op["caller"]]
        if not inspect.iscoroutinefunction(getattr(cls, op["name"], None))
    ]
    assert not missing, f"catalogue operations without an async method: {missing}"


def test_reads_give_what_the_sync_call_gives(store: agor.Store) -> None:
    """Every read of the catalogue that needs no argument, as each principal it is open to:
    the async method's result (or error) is the sync `call`'s."""
    reads = [
        op
        for op in agor.operations()
        if op["effect"] == "reads" and not op["request"].get("required") and op["name"] != "wait"
    ]
    assert len(reads) > 20

    async def body() -> None:
        astore = AsyncStore(store)
        compared = 0
        for op in reads:
            for who in ("boss", "mgr-1", "dev-1", None):
                handle = astore if who is None else astore.as_agent(who)
                caller = "operator" if who is None else "agent"
                if op["caller"] not in (caller, "either"):
                    continue
                try:
                    want: Any = handle.sync.call({"op": op["name"]})
                except agor.AgorError as e:
                    want = type(e)
                try:
                    got: Any = await getattr(handle, op["name"])()
                except agor.AgorError as e:
                    got = type(e)
                assert got == want, f"{op['name']} as {who or 'the operator'}"
                compared += 1
        assert compared > 30

    run(body)


def test_writes_and_their_errors_match_the_sync_surface(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        task = await mgr.create_task(title="parser", priority="high", tags=["core"])
        assert task in mgr.sync.call({"op": "list_tasks"})
        claim = await dev.claim_task()
        assert claim["task"]["id"] == task["id"]
        done = await dev.complete_task(task_id=task["id"], token=claim["token"], summary="merged")
        assert done["status"] == "done"
        assert store.as_agent("mgr-1").get_task(task["id"]).status == "done"
        with pytest.raises(agor.PermissionDeniedError):
            await dev.send(to="dev-2", content="not a contact")
        with pytest.raises(agor.PermissionDeniedError):
            dev.sync.call({"op": "send", "to": "dev-2", "content": "not a contact"})
        with pytest.raises(TypeError, match="missing 1 required argument: 'content'"):
            await dev.send(to="dev-2")
        # A keyword the request has no field for is the core's to refuse, whatever its value.
        with pytest.raises(agor.InvalidInputError, match="unknown field `bogus`"):
            await dev.send(to="dev-2", content="x", bogus=5)
        assert await astore.register_agent(id="dev-3", name="D3", role="project", group="core")
        assert store.get_agent("dev-3").name == "D3"
        # A field named by a Python keyword is passed with a trailing underscore.
        await astore.allow(from_="dev-3", to="dev-2")
        assert "dev-2" in [a.id for a in store.as_agent("dev-3").contacts()]

    run(body)


def test_wait_returns_changes_made_by_others_and_times_out(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        assert await dev.wait(timeout_secs=0.05) == []
        with pytest.raises(agor.InvalidInputError):
            await dev.wait(timeout_secs=-1)
        waiting = asyncio.ensure_future(dev.wait(kinds=["message"]))
        await until(lambda: astore.pending_waits == 1)
        sent = await mgr.send(to="dev-1", content="hello")
        got = await waiting
        assert [c["subject"] for c in got] == [sent["id"]]
        # With what dev-1 may read of it (issue 22 item 7).
        assert [(c["content"]["text"], c["content"]["sender"]) for c in got] == [("hello", "mgr-1")]
        assert astore.pending_waits == 0
        # `since` catches up at once, as the sync wait does.
        again = await dev.wait(since=got[0]["cursor"] - 1, timeout_secs=5)
        assert again == got
        operator = asyncio.ensure_future(astore.wait(kinds=["message"]))
        await until(lambda: astore.pending_waits == 1)
        await mgr.send(to="dev-1", content="seen by the operator")
        assert [c["kind"] for c in await operator] == ["message"]
        astore.close()

    run(body)


def test_cancelling_a_wait_unregisters_it(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        with made_waiters() as closed:
            pending = asyncio.ensure_future(dev.wait())
            await until(lambda: astore.pending_waits == 1)
        before = threads()
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        assert astore.pending_waits == 0
        # The Rust waiter is closed (unregistered from the shared waiter), not left behind.
        assert closed[0].cursor is None
        assert threads() <= before
        # Waits go on working after a cancelled one.
        later = asyncio.ensure_future(dev.wait(kinds=["message"]))
        await until(lambda: astore.pending_waits == 1)
        await mgr.send(to="dev-1", content="after the cancel")
        assert len(await later) == 1
        astore.close()

    run(body)


def test_100_waiters_in_one_loop_share_one_thread(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr = astore.as_agent("mgr-1")
        devs = [astore.as_agent("dev-1"), astore.as_agent("dev-2")]
        waits = [asyncio.ensure_future(devs[i % 2].wait(kinds=["message"])) for i in range(100)]
        await until(lambda: astore.pending_waits == 100)
        waiting_threads, python_threads = threads(), threading.active_count()
        sent = [await mgr.send(to=d.id, content=f"for {d.id}") for d in devs]
        got = await asyncio.gather(*waits)
        for i, changes in enumerate(got):
            assert [c["subject"] for c in changes] == [sent[i % 2]["id"]], i
        # One dispatcher and a bounded executor, not a thread per wait.
        assert waiting_threads < 20, waiting_threads
        assert python_threads < 20, python_threads
        assert threads() < 20
        astore.close()

    run(body)


def test_watch_yields_changes_as_they_come(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        seen: list = []

        async def watch() -> None:
            async for change in dev.watch(kinds=["message"]):
                seen.append(change)
                if len(seen) == 3:
                    break

        watching = asyncio.ensure_future(watch())
        await until(lambda: astore.pending_waits == 1)
        sent = []
        for i in range(3):
            sent.append(await mgr.send(to="dev-1", content=f"m{i}"))
            await until(lambda: len(seen) > i or watching.done())
        await watching
        assert [c["subject"] for c in seen] == [m["id"] for m in sent]
        assert astore.pending_waits == 0
        astore.close()

    run(body)


def test_claim_task_waits_for_work_without_a_thread(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        assert await dev.claim_task(wait_secs=0.05) is None
        claiming = asyncio.ensure_future(dev.claim_task(wait_secs=30))
        await until(lambda: astore.pending_waits == 1)
        task = await mgr.create_task(title="fresh work")
        claim = await claiming
        assert claim["task"]["id"] == task["id"]
        assert astore.pending_waits == 0
        astore.close()

    run(body)


def test_cancelling_a_waiting_claim_unregisters_it(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
        with made_waiters() as made:
            claiming = asyncio.ensure_future(dev.claim_task(wait_secs=30))
            await until(lambda: astore.pending_waits == 1)
        claiming.cancel()
        with pytest.raises(asyncio.CancelledError):
            await claiming
        assert astore.pending_waits == 0
        task = await mgr.create_task(title="after the cancel")
        # The Rust claim waiter is closed: a poll claims nothing, though a task fits now.
        assert made[0].poll() == []
        assert (await mgr.get_task(task_id=task["id"]))["status"] == "todo"
        assert (await dev.claim_task())["task"]["id"] == task["id"]
        astore.close()

    run(body)


def test_a_waiting_claim_of_a_held_task_takes_it_once_released(store: agor.Store) -> None:
    async def body() -> None:
        astore = AsyncStore(store)
        mgr, dev1, dev2 = (astore.as_agent(a) for a in ("mgr-1", "dev-1", "dev-2"))
        with pytest.raises(agor.InvalidInputError, match="wait_secs"):
            await dev2.claim_task(wait_secs=-1)
        task = await mgr.create_task(title="contested")
        held = await dev1.claim_task(task_id=task["id"])
        # When the time passes, the answer is a claim's without a wait: held by another.
        with pytest.raises(agor.AlreadyClaimedError):
            await dev2.claim_task(task_id=task["id"], wait_secs=0.05)
        claiming = asyncio.ensure_future(dev2.claim_task(task_id=task["id"], wait_secs=30))
        await until(lambda: astore.pending_waits == 1)
        await dev1.release_task(task_id=task["id"], token=held["token"])
        claim = await claiming
        assert (claim["task"]["id"], claim["task"]["assigned_to"]) == (task["id"], "dev-2")
        assert astore.pending_waits == 0
        astore.close()

    run(body)


def test_open_and_close(db: str) -> None:
    async def body() -> None:
        async with agor.aio.open(db) as astore:
            await astore.register_agent(id="solo", name="Solo", role="admin", group="g")
            solo = astore.as_agent("solo")
            assert (await solo.whoami())["id"] == "solo"
            waiting = asyncio.ensure_future(solo.wait(timeout_secs=30))
            await until(lambda: astore.pending_waits == 1)
        # Closing the store ends the waits left on it, as it ends every other call.
        with pytest.raises(agor.StorageError, match="closed"):
            await waiting
        assert astore.closed
        with pytest.raises(agor.StorageError):
            await solo.wait(timeout_secs=1)
        store = await agor.aio.open(db)
        assert [a["id"] for a in await store.list_agents()] == ["solo"]
        store.close()

    run(body)
    assert not [t for t in threading.enumerate() if t.name == "agor.aio dispatcher"]
