"""A closed store seen from many threads, and a store inherited across fork().

Both used to hang for ever, so each scenario runs in a child interpreter with a timeout: a
regression fails the test instead of freezing the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_python


def test_closed_store_raises_in_every_thread(db_path: Path) -> None:
    # The slot lock used to be held while the "closed" exception was built; building it runs
    # Python code, which lets another thread take the GIL and then block on that lock.
    out = run_python(
        """
        import sys, threading, agor
        sys.setswitchinterval(1e-6)  # switch threads as often as possible: widens the race
        store = agor.open(sys.argv[1])
        store.register_agent("a1", "A", "manager", "g")
        me = store.as_agent("a1")
        store.close()
        start = threading.Barrier(8)
        results = []
        def worker(i):
            start.wait()
            for _ in range(200):
                try:
                    (store.list_agents if i % 2 else me.whoami)()
                    results.append("returned")
                except agor.StorageError as e:
                    results.append("closed" if "closed" in str(e) else repr(e))
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert not any(t.is_alive() for t in threads), "a thread hung on the closed store"
        assert results == ["closed"] * 1600, set(results)
        print("ok")
        """,
        str(db_path),
        timeout=60,
    )
    assert out.strip() == "ok"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_child_after_fork_gets_clear_error_not_a_hang(db_path: Path) -> None:
    # A thread keeps the connection busy while the main thread forks, so children are often
    # born holding a copy of the locked connection mutex. The child must not wait on it and
    # must not use (or close) the parent's connection: it gets StorageError and opens anew.
    out = run_python(
        """
        import os, signal, sys, threading, time, warnings, agor
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads
        path = sys.argv[1]
        store = agor.open(path)
        store.register_agent("m1", "M", "manager", "g")
        store.register_agent("d1", "D", "project", "g")
        store.allow("m1", "d1")
        me = store.as_agent("m1")
        stop = False
        def busy():
            while not stop:
                me.send("d1", "tick")
                me.history("d1", limit=5)
        t = threading.Thread(target=busy, daemon=True)
        t.start()
        time.sleep(0.05)
        for _ in range(20):
            pid = os.fork()
            if pid == 0:
                signal.alarm(10)  # a hang becomes a visible failure
                code = 0
                try:
                    me.whoami()
                    code = 3
                except agor.StorageError as e:
                    if "another process" not in str(e) or "after fork" not in str(e):
                        code = 4
                try:
                    store.close()  # drops (leaks) the inherited connection; must not hang
                    fresh = agor.open(path)
                    fresh.as_agent("m1").send("d1", "from child")
                    fresh.close()
                except Exception:
                    code = 5
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, os.waitstatus_to_exitcode(status)
        stop = True
        t.join()
        # The parent's connection is unharmed by its children.
        me.send("d1", "parent still fine")
        got = [m.content for m in store.as_agent("d1").inbox()]
        assert got.count("from child") == 20 and got[-1] == "parent still fine"
        print("ok")
        """,
        str(db_path),
        timeout=120,
    )
    assert out.strip() == "ok"


def test_close_while_threads_are_calling(db_path: Path) -> None:
    # Calls already running finish on their own clone of the connection; every later call, in
    # every thread, raises StorageError; nothing waits for ever.
    out = run_python(
        """
        import sys, threading, time, agor
        sys.setswitchinterval(1e-6)
        store = agor.open(sys.argv[1])
        store.register_agent("m1", "M", "manager", "g")
        store.register_agent("d1", "D", "project", "g")
        store.allow("m1", "d1")
        me = store.as_agent("m1")
        outcomes = []
        def worker():
            while True:
                try:
                    me.send("d1", "x")
                    me.history("d1", limit=3)
                except agor.StorageError as e:
                    outcomes.append("closed" in str(e))
                    return
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        store.close()
        for t in threads:
            t.join(10)
        assert not any(t.is_alive() for t in threads), "a thread hung after close()"
        assert outcomes == [True] * 6, outcomes
        print("ok")
        """,
        str(db_path),
        timeout=40,
    )
    assert out.strip() == "ok"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_wait_on_another_thread_makes_way_for_a_fork_and_goes_on_after(db_path: Path) -> None:
    # Threads parked in wait(timeout=None) and claim_task(wait=…) do not hold a fork back
    # (each holds a pass that a fork waits for; the fork cancels their wait, which then waits
    # again): the fork happens, the child runs, and each waiter still gets what comes after.
    out = run_python(
        """
        import os, signal, sys, threading, agor
        path = sys.argv[1]
        store = agor.open(path)
        store.register_agent("m1", "M", "manager", "g")
        store.register_agent("d1", "D", "project", "g")
        store.allow("m1", "d1")
        got = {}
        def wait():
            got["wait"] = store.as_agent("d1").wait(["message"], timeout=None)
        def claim():
            got["claim"] = store.as_agent("d1").claim_task(wait=3600)
        threads = [threading.Thread(target=f, daemon=True) for f in (wait, claim)]
        for t in threads:
            t.start()
        threading.Event().wait(0.3)  # both parked
        signal.alarm(30)  # a fork held back by a wait becomes a visible failure
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        signal.alarm(0)
        assert not got, got  # the forks cut the waits short; they did not return
        store.as_agent("m1").send("d1", "after the forks")
        store.as_agent("m1").create_task("after the forks too")
        for t in threads:
            t.join(20)
        assert [m.kind for m in got["wait"]] == ["message"], got
        assert got["claim"] is not None and got["claim"].task.title == "after the forks too"
        print("ok")
        """,
        str(db_path),
        timeout=60,
    )
    assert out.strip() == "ok"
