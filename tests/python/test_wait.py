"""Wake-ups and the change feed across real processes (SPEC §8): a waiter in one process
returns what another process commits — a DM, a channel post, a task becoming claimable, an
assignment — within moments, sees nothing it may not read, times out with nothing, and a
Ctrl-C interrupts it promptly. On each engine (the `store` fixture)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import agor
from cli_runner import Cli, command_under_test
from conftest import location, run_python

WAITER = textwrap.dedent(
    """
    import json, sys, time, agor
    db, me, kinds, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    actor = agor.open(db).as_agent(me)
    since = actor.latest_change()
    print("ready", flush=True)
    started = time.monotonic()
    got = actor.wait(kinds.split(",") if kinds else None, since=since, timeout=timeout)
    print(json.dumps({"took": time.monotonic() - started,
                      "changes": [c.to_dict() for c in got]}), flush=True)
    """
)


def start_waiter(store: agor.Store, me: str, kinds: str = "", timeout: float = 20) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", WAITER, location(store), me, kinds, str(timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    return p


def result(p: subprocess.Popen) -> dict:
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    return json.loads(out)


def test_a_dm_from_another_process_wakes_the_recipient(store: agor.Store) -> None:
    waiter = start_waiter(store, "dev-1")
    time.sleep(0.2)
    sent = store.as_agent("mgr-1").send("dev-1", "wake up")
    got = result(waiter)
    assert [(c["kind"], c["event"], c["subject"]) for c in got["changes"]] == [
        ("message", "message_sent", sent.id)
    ]
    assert got["took"] < 10


def test_posts_tasks_and_assignments_wake_those_they_concern(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    channel = mgr.create_channel("ops")
    mgr.post("ops", "first")  # before the wait: not returned
    posts = start_waiter(store, "mgr-1", "post")
    tasks = start_waiter(store, "dev-2", "task")
    time.sleep(0.2)
    store.as_agent("boss").post("ops", "from the boss")
    task = mgr.create_task("newly claimable")
    got_posts, got_tasks = result(posts), result(tasks)
    assert [(c["event"], c["channel_id"]) for c in got_posts["changes"]] == [("channel_post", channel.id)]
    assert [(c["event"], c["subject"]) for c in got_tasks["changes"]] == [("task_created", task.id)]
    assigned = start_waiter(store, "dev-1", "task")
    time.sleep(0.2)
    mgr.assign_task(task.id, "dev-1")
    changes = result(assigned)["changes"]
    assert [(c["event"], c["agent_id"]) for c in changes] == [("task_assigned", "dev-1")]


def test_a_waiter_sees_nothing_it_may_not_read_and_times_out(store: agor.Store) -> None:
    # ops-1 is in another group; dev-2 is not a party to a DM between mgr-1 and dev-1.
    other_group = start_waiter(store, "ops-1", timeout=1.5)
    bystander = start_waiter(store, "dev-2", "message", timeout=1.5)
    time.sleep(0.2)
    store.as_agent("mgr-1").send("dev-1", "private")
    store.as_agent("mgr-1").create_task("core only")
    assert result(other_group)["changes"] == []
    got = result(bystander)
    assert got["changes"] == [] and got["took"] >= 1.4
    # The feed itself obeys the same rule.
    assert all(c.group_id != "core" for c in store.as_agent("ops-1").changes())
    assert any(c.event == "message_sent" for c in store.as_agent("dev-1").changes())
    assert not any(c.event == "message_sent" for c in store.as_agent("dev-2").changes())


def test_ctrl_c_interrupts_a_python_wait_promptly(store: agor.Store) -> None:
    waiter = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            """
            import sys, agor
            actor = agor.open(sys.argv[1]).as_agent("dev-1")
            print("ready", flush=True)
            try:
                actor.wait(timeout=None)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
            """
        ), location(store)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert waiter.stdout is not None and waiter.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    sent = time.monotonic()
    waiter.send_signal(signal.SIGINT)
    out, err = waiter.communicate(timeout=10)
    assert out.strip() == "interrupted", err
    assert time.monotonic() - sent < 2


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="counts context switches in /proc")
def test_waiting_threads_sleep_until_something_comes(store: agor.Store) -> None:
    # Signals reach Python's main thread only, so a wait on any other thread is one GIL-free
    # call, not a slice every 100 ms to look at signals: 50 threads waiting for a second
    # switch context a few times in all, not 10 times a second each.
    out = run_python(
        """
        import json, os, sys, threading, time, agor
        actor = agor.open(sys.argv[1]).as_agent("dev-1")
        ids, ready = [], threading.Barrier(51)
        def wait():
            ids.append(threading.get_native_id())
            ready.wait()
            actor.wait(["message"], timeout=None)
        for _ in range(50):
            threading.Thread(target=wait, daemon=True).start()
        ready.wait()
        time.sleep(0.5)  # all parked
        def switches():
            total = 0
            for tid in ids:
                with open(f"/proc/self/task/{tid}/status") as f:
                    total += sum(int(l.split()[1]) for l in f if "ctxt_switches" in l)
            return total
        before = switches()
        time.sleep(1)
        print(json.dumps(switches() - before))
        """,
        location(store),
    )
    assert int(out) < 50, f"{out} context switches of 50 waiting threads in one second"


def test_wait_arguments_are_checked(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    with pytest.raises(agor.InvalidInputError, match="unknown change kind"):
        dev.wait(["mail"], timeout=0)
    with pytest.raises(agor.InvalidInputError):
        dev.wait(timeout=-1)
    assert dev.wait(timeout=0) == []
    with pytest.raises(agor.InvalidInputError):
        dev.changes(limit=0)


@pytest.fixture(scope="module")
def btmsg_cmd() -> list[str]:
    return command_under_test("btmsg", "AGOR_BTMSG")


def test_cli_wait_exits_6_on_timeout_and_0_with_what_arrived(store: agor.Store, btmsg_cmd, tmp_path) -> None:
    cli = Cli("btmsg", btmsg_cmd, location(store), tmp_path)
    line = cli.fails(6, "wait", "--timeout", "0.5", agent="dev-1")
    assert "nothing arrived within 0.5 s" in line
    waiting = subprocess.Popen(
        cli.argv("--json", "wait", "--timeout", "20", "--kind", "message"),
        env=cli.environ("dev-1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(0.5)
    store.as_agent("mgr-1").send("dev-1", "for the shell")
    out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 0, err
    assert [c["event"] for c in json.loads(out)] == ["message_sent"]
    assert "unknown change kind" in cli.fails(2, "wait", "--kind", "mail", agent="dev-1")


# issue 19 item 14: `--timeout 1e300` was called "not a number"; it is a number, too large.
def test_cli_wait_calls_a_huge_timeout_too_large(store: agor.Store, btmsg_cmd, tmp_path) -> None:
    cli = Cli("btmsg", btmsg_cmd, location(store), tmp_path)
    line = cli.fails(2, "wait", "--timeout", "1e300", agent="dev-1")
    assert "too large" in line and "not a number" not in line, line
    assert "not a number of seconds" in cli.fails(2, "wait", "--timeout", "-1", agent="dev-1")
    with pytest.raises(agor.InvalidInputError, match="too large"):
        store.as_agent("dev-1").wait(timeout=1e300)


def test_cli_watch_prints_each_change_as_it_arrives(store: agor.Store, btmsg_cmd, tmp_path) -> None:
    cli = Cli("btmsg", btmsg_cmd, location(store), tmp_path)
    since = store.as_agent("dev-1").latest_change()
    watching = subprocess.Popen(
        cli.argv("--json", "watch", "--since", str(since)),
        env=cli.environ("dev-1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        mgr = store.as_agent("mgr-1")
        sent = [mgr.send("dev-1", f"n{i}").id for i in range(3)]
        assert watching.stdout is not None
        seen = [json.loads(watching.stdout.readline())["subject"] for _ in range(3)]
        assert seen == sent
    finally:
        watching.send_signal(signal.SIGINT)
        watching.wait(timeout=10)


# issue 22 item 7: a wait returns what arrived with what the waiter may read of it.
def test_a_wait_returns_what_arrived_with_its_content_and_nothing_it_may_not_read(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    mgr.create_channel("ops")
    mgr.add_member("ops", "dev-1")
    recipient = start_waiter(store, "dev-1", "message")
    bystander = start_waiter(store, "dev-2")
    other_group = start_waiter(store, "ops-1", timeout=1.5)
    channel = start_waiter(store, "dev-1", "post")
    time.sleep(0.2)
    sent = mgr.send("dev-1", "the private words")
    mgr.post("ops", "the channel's words")
    task = mgr.create_task("the core task")
    dm = result(recipient)["changes"]
    assert [(c["subject"], c["content"]["text"], c["content"]["sender"]) for c in dm] == [
        (sent.id, "the private words", "mgr-1")
    ]
    posts = result(channel)["changes"]
    assert [(c["content"]["text"], c["content"]["sender"]) for c in posts] == [("the channel's words", "mgr-1")]
    seen = result(bystander)
    assert [(c["subject"], c["content"]["title"], c["content"]["status"]) for c in seen["changes"]] == [
        (task.id, "the core task", task.status)
    ]
    assert "private words" not in json.dumps(seen) and "channel's words" not in json.dumps(seen)
    assert "the core task" not in json.dumps(result(other_group))


def test_cli_wait_prints_a_dm_as_read_does_and_json_carries_its_content(store: agor.Store, btmsg_cmd, tmp_path) -> None:
    cli = Cli("btmsg", btmsg_cmd, location(store), tmp_path)
    since = str(store.as_agent("dev-1").latest_change())
    sent = store.as_agent("mgr-1").send("dev-1", "line one\nline two")
    waited = cli.ok("wait", "--timeout", "5", "--since", since, "--kind", "message", agent="dev-1")
    shown = cli.ok("read", sent.id, agent="dev-1")
    assert waited.replace(" *", "") == shown.replace(" *", ""), (waited, shown)
    assert "line two" in waited
    as_json = json.loads(cli.ok("--json", "wait", "--timeout", "5", "--since", since, agent="dev-1"))
    assert [(c["event"], c["content"]["text"]) for c in as_json] == [("message_sent", "line one\nline two")]
