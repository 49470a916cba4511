"""The task board through the Python API: every task method, the records it returns, the
permission rules, optimistic locking, claims under leases (races between processes, fencing
of wrong and lapsed tokens), completion records and the review queue."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from typing import List

import pytest

import agor

from conftest import location, sql_behind_api

STATUSES = ["backlog", "todo", "in_progress", "review", "done", "blocked", "failed", "cancelled"]
TASK_KEYS = {
    "id", "title", "description", "status", "priority", "assigned_to", "created_by",
    "group_id", "parent_task_id", "sort_order", "tags", "definition_of_done", "version",
    "created_at", "updated_at", "lease_expires_at", "lease_expires_ms", "completion",
    "waits_for",  # issue 21 item 4.2
    "paths",  # issue 22 item 2
    "approval",  # issue 22 item 6
    "requires", "max_attempts", "failed_attempts", "not_before_ms",  # issue 22 items 1, 3, 4
}


@pytest.fixture
def mgr(store: agor.Store) -> agor.Actor:
    return store.as_agent("mgr-1")


@pytest.fixture
def tester(store: agor.Store) -> agor.Actor:
    """A tester of the core group (the shared TEAM has none)."""
    store.register_agent("test-1", "Tester", "tester", "core")
    return store.as_agent("test-1")


def age_lease(store: agor.Store, task_id: str) -> None:
    """Makes the task's lease lapse one second ago, from another process (stdlib sqlite3
    must never open the file inside this one)."""
    past = int(time.time()) - 1
    sql_behind_api(
        store,
        f"UPDATE tasks SET lease_expires_at = {past}, lease_expires_ms = {past * 1000} "
        f"WHERE id = '{task_id}'",
    )


# --- creating, reading, records ---------------------------------------------------------


def test_create_task_defaults(mgr: agor.Actor) -> None:
    t = mgr.create_task("Write the parser")
    assert isinstance(t, agor.Task) and not isinstance(t, agor.TaskDetail)
    assert (t.title, t.description, t.status, t.priority) == ("Write the parser", "", "todo", "medium")
    assert (t.assigned_to, t.created_by, t.group_id, t.parent_task_id) == (None, "mgr-1", "core", None)
    assert t.tags == [] and t.definition_of_done is None and t.completion is None
    assert t.version == 1 and t.lease_expires_at is None and t.created_at and t.updated_at
    assert len(t.id) == 36


def test_create_task_with_every_argument(mgr: agor.Actor) -> None:
    parent = mgr.create_task("Epic")
    t = mgr.create_task(
        "Lexer",
        description="tokens first",
        priority="critical",
        assign_to="dev-1",
        parent=parent.id[:8],
        tags=("parser", "core"),
        definition_of_done="tests pass",
        status="backlog",
    )
    assert (t.description, t.priority, t.assigned_to, t.parent_task_id) == (
        "tokens first", "critical", "dev-1", parent.id,
    )
    assert t.tags == ["core", "parser"]  # sorted
    assert t.definition_of_done == "tests pass" and t.status == "backlog"
    assert t.sort_order > parent.sort_order
    # Lists work as well as tuples; statuses and priorities are case-insensitive strings.
    assert mgr.create_task("x", tags=["a"], priority="HIGH").priority == "high"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"priority": "urgent"}, "priority"),
        ({"status": "sideways"}, "status"),
        ({"status": "done"}, "status"),  # a new task starts in todo or backlog
        ({"tags": ["has space"]}, "tag"),
        ({"title": ""}, "title"),
        ({"title": "x" * 1025}, "title"),  # the cap is 1024 bytes
    ],
)
def test_create_task_invalid(mgr: agor.Actor, kwargs: dict, field: str) -> None:
    args = {"title": "ok", **kwargs}
    with pytest.raises(agor.InvalidInputError) as e:
        mgr.create_task(**args)
    assert e.value.field == field


def test_create_task_bad_types_and_unknown_references(mgr: agor.Actor) -> None:
    with pytest.raises(TypeError):
        mgr.create_task("x", tags="core")  # a str is not a list of tags
    with pytest.raises(TypeError):
        mgr.create_task("x", priority=3)  # type: ignore[arg-type]
    with pytest.raises(agor.NotFoundError) as e:
        mgr.create_task("x", assign_to="ghost")
    assert e.value.object_kind == "agent"
    with pytest.raises(agor.NotFoundError) as e:
        mgr.create_task("x", parent="ffffffff")
    assert e.value.object_kind == "task"


def test_task_records(mgr: agor.Actor) -> None:
    t = mgr.create_task("Record", tags=["a"])
    assert set(t.to_dict()) == TASK_KEYS
    assert json.loads(json.dumps(t.to_dict()))["tags"] == ["a"]
    assert repr(t).startswith(f"Task(id='{t.id}', title='Record', status='todo', priority='medium'")
    assert t == mgr.list_tasks()[0] and t != mgr.create_task("Other") and t != t.id
    with pytest.raises(AttributeError):
        t.title = "renamed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        agor.Task()  # records come only from the library
    assert agor.Task.__doc__ and agor.Task.version.__doc__ and agor.Claim.token.__doc__
    assert agor.Actor.claim_task.__doc__ and "lease" in agor.Actor.claim_task.__doc__


def test_get_task_detail_comments_and_subtasks(store: agor.Store, mgr: agor.Actor) -> None:
    parent = mgr.create_task("Epic")
    child = mgr.create_task("Child", parent=parent.id)
    c1 = mgr.comment(parent.id, "first")
    c2 = store.as_agent("dev-1").comment(parent.id[:6], "second ✓")
    assert isinstance(c1, agor.Comment)
    assert (c2.task_id, c2.agent_id, c2.content) == (parent.id, "dev-1", "second ✓")
    assert set(c1.to_dict()) == {"id", "task_id", "agent_id", "content", "created_at"}

    d = mgr.get_task(parent.id[:8])
    assert isinstance(d, agor.TaskDetail) and isinstance(d, agor.Task)
    assert d.id == parent.id and d.title == "Epic" and d.version == parent.version
    assert d.comments == [c1, c2]
    assert d.subtasks == [child]
    assert repr(d).startswith("TaskDetail(") and repr(d).endswith("comments=2, subtasks=1)")
    dd = d.to_dict()
    assert set(dd) == TASK_KEYS | {"comments", "subtasks"}
    assert [c["content"] for c in dd["comments"]] == ["first", "second ✓"]
    assert dd["subtasks"][0]["id"] == child.id
    # Equal to the same detail, never to the bare task (it carries more).
    assert d == mgr.get_task(parent.id)
    assert d != parent and parent != d and not (d == parent)
    mgr.comment(parent.id, "third")
    assert d != mgr.get_task(parent.id)
    with pytest.raises(agor.NotFoundError):
        mgr.get_task("ffffffff")


def test_ambiguous_task_prefix(mgr: agor.Actor) -> None:
    ids = [mgr.create_task(f"t{i}").id for i in range(40)]
    # 40 UUIDs over 16 first hex digits: some first digit is shared.
    first = [i[0] for i in ids]
    shared = next(c for c in first if first.count(c) > 1)
    with pytest.raises(agor.AmbiguousIdError) as e:
        mgr.get_task(shared)
    assert e.value.object_kind == "task" and len(e.value.candidates) >= 2


def test_list_tasks_filters_and_order(store: agor.Store, mgr: agor.Actor) -> None:
    low = mgr.create_task("low", priority="low", tags=["x"])
    crit = mgr.create_task("crit", priority="critical")
    med1 = mgr.create_task("med1", tags=["x", "y"])
    med2 = mgr.create_task("med2")
    gone = mgr.create_task("gone")
    mgr.set_task_status(gone.id, "cancelled", gone.version)
    store.as_agent("ops-1").create_task("other group")

    assert [t.title for t in mgr.list_tasks()] == ["crit", "med1", "med2", "low"]
    assert "gone" in [t.title for t in mgr.list_tasks(all=True)]
    assert [t.title for t in mgr.list_tasks(status="cancelled")] == ["gone"]
    assert [t.title for t in mgr.list_tasks(tag="x")] == ["med1", "low"]
    assert [t.title for t in mgr.list_tasks(tag="y")] == ["med1"]
    assert mgr.list_tasks(tag="nope") == []
    assert mgr.list_tasks(status="in_progress") == []
    with pytest.raises(agor.InvalidInputError):
        mgr.list_tasks(status="nonsense")
    # Tier 0 sees every group's board; others only their own.
    assert "other group" in [t.title for t in store.as_agent("boss").list_tasks()]
    assert [t.title for t in store.as_agent("ops-1").list_tasks()] == ["other group"]
    assert {t.id for t in store.as_agent("dev-1").list_tasks()} == {low.id, crit.id, med1.id, med2.id}


def test_board(store: agor.Store, mgr: agor.Actor) -> None:
    a = mgr.create_task("a")
    b = mgr.create_task("b", status="backlog", priority="high")
    c = mgr.create_task("c")
    claim = store.as_agent("dev-1").claim_task(c.id)
    assert claim is not None
    board = mgr.board()
    assert list(board) == STATUSES
    assert board["todo"] == [a] and board["backlog"] == [b]
    assert [t.id for t in board["in_progress"]] == [c.id]
    assert all(board[s] == [] for s in STATUSES if s not in ("todo", "backlog", "in_progress"))
    assert store.as_agent("ops-1").board() == {s: [] for s in STATUSES}


# --- permissions ------------------------------------------------------------------------


def test_only_managers_create_assign_and_delete(
    store: agor.Store, mgr: agor.Actor, tester: agor.Actor
) -> None:
    t = mgr.create_task("managed")
    for who in ("dev-1", "arch-1", "rev-1", "test-1"):
        me = store.as_agent(who)
        with pytest.raises(agor.PermissionDeniedError) as e:
            me.create_task("nope")
        assert e.value.actor == who
        with pytest.raises(agor.PermissionDeniedError):
            me.assign_task(t.id, "dev-1")
        with pytest.raises(agor.PermissionDeniedError):
            me.delete_task(t.id)
    # Tier 0 counts as management.
    boss_task = store.as_agent("boss").create_task("from the top")
    assert boss_task.created_by == "boss"
    assert store.as_agent("boss").assign_task(boss_task.id, "dev-2").assigned_to == "dev-2"


def test_every_role_may_comment(store: agor.Store, mgr: agor.Actor, tester: agor.Actor) -> None:
    t = mgr.create_task("talk")
    for who in ("boss", "mgr-1", "arch-1", "rev-1", "dev-1", "test-1"):
        store.as_agent(who).comment(t.id, f"hello from {who}")
    assert [c.agent_id for c in mgr.get_task(t.id).comments] == [
        "boss", "mgr-1", "arch-1", "rev-1", "dev-1", "test-1",
    ]
    with pytest.raises(agor.InvalidInputError):
        mgr.comment(t.id, "")
    with pytest.raises(agor.NotFoundError):
        mgr.comment("ffffffff", "to nowhere")


def test_who_may_change_status(store: agor.Store, mgr: agor.Actor, tester: agor.Actor) -> None:
    t = mgr.create_task("move me")
    # Managers and reviewers move any task.
    t = mgr.set_task_status(t.id, "blocked", t.version)
    t = store.as_agent("rev-1").set_task_status(t.id, "todo", t.version)
    # Project agents: not a task that is not theirs (they claim instead) ...
    with pytest.raises(agor.PermissionDeniedError) as e:
        store.as_agent("dev-1").set_task_status(t.id, "blocked", t.version)
    assert "claim" in e.value.action
    # ... but yes once it is assigned to them, and still not someone else's.
    t = mgr.assign_task(t.id, "dev-1")
    t = store.as_agent("dev-1").set_task_status(t.id, "blocked", t.version)
    assert t.status == "blocked"
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-2").set_task_status(t.id, "todo", t.version)
    # Architects and testers never change task status, even on their own task.
    for who in ("arch-1", "test-1"):
        t = mgr.assign_task(t.id, who)
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).set_task_status(t.id, "todo", t.version)
    assert mgr.get_task(t.id).status == "blocked"


def test_architects_and_testers_cannot_claim(
    store: agor.Store, mgr: agor.Actor, tester: agor.Actor
) -> None:
    # Review work: since issue 22 a reviewer claims only tasks that require what it has.
    t = mgr.create_task("claimable", requires="capability:review_work")
    for who in ("arch-1", "test-1"):
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).claim_task(t.id)
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).claim_task()
    assert mgr.get_task(t.id).status == "todo"
    # Reviewers and managers may work on tasks.
    assert store.as_agent("rev-1").claim_task(t.id) is not None


# --- status changes and optimistic locking ----------------------------------------------


def test_set_task_status_records_and_validates(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("flow")
    t2 = mgr.set_task_status(t.id[:8], "in_progress", t.version)
    assert (t2.status, t2.version) == ("in_progress", t.version + 1)
    assert mgr.get_task(t.id).comments[-1].content == "Status: todo → in_progress"
    assert store.audit_log(limit=1)[0].event_type == "task_status"
    with pytest.raises(agor.InvalidInputError) as e:
        mgr.set_task_status(t.id, "backlog", t2.version)  # in_progress cannot go to backlog
    assert e.value.field == "status"
    with pytest.raises(agor.InvalidInputError):
        mgr.set_task_status(t.id, "finished", t2.version)
    with pytest.raises(agor.NotFoundError):
        mgr.set_task_status("ffffffff", "done", 1)
    assert mgr.get_task(t.id).version == t2.version  # refused moves changed nothing


def test_legacy_progress_status_is_in_progress(mgr: agor.Actor) -> None:
    t = mgr.create_task("legacy")
    moved = mgr.set_task_status(t.id, "progress", t.version)
    assert moved.status == "in_progress"
    assert mgr.list_tasks(status="progress") == [moved]


def test_stale_version_is_a_conflict_with_current_version(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("contended")
    rev = store.as_agent("rev-1")
    # Both read version 1; the manager moves first.
    mgr.set_task_status(t.id, "blocked", t.version)
    with pytest.raises(agor.ConflictError) as e:
        rev.set_task_status(t.id, "in_progress", t.version)
    err = e.value
    assert (err.current_version, err.expected) == (t.version + 1, t.version)
    assert (err.object_kind, err.object_id) == ("task", t.id)
    assert f"current version is {t.version + 1}" in str(err)
    # Stale is reported before the move is judged (blocked -> review is not allowed either).
    with pytest.raises(agor.ConflictError):
        rev.set_task_status(t.id, "review", t.version)
    # Retrying with the current version works, and nothing was lost in between.
    moved = rev.set_task_status(t.id, "todo", err.current_version)
    assert (moved.status, moved.version) == ("todo", t.version + 2)
    # Details survive pickling (multiprocessing hands exceptions between processes).
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, agor.ConflictError) and again.current_version == t.version + 1


MOVER = """
import json, sys
import agor
db, me_id, task_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
me = agor.open(db).as_agent(me_id)
moves = conflicts = 0
while moves < n:
    t = me.get_task(task_id)
    target = "blocked" if t.status == "todo" else "todo"
    try:
        me.set_task_status(task_id, target, t.version)
        moves += 1
    except agor.ConflictError:
        conflicts += 1
print(json.dumps({"moves": moves, "conflicts": conflicts}))
"""


def test_no_lost_update_between_processes(store: agor.Store, mgr: agor.Actor) -> None:
    """Two processes flip one task with read-modify-write: every successful move bumps the
    version exactly once and leaves its comment; the losers see conflicts, not lost writes."""
    t = mgr.create_task("flip-flop")
    n = 60
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MOVER, location(store), who, t.id, str(n)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for who in ("mgr-1", "rev-1")
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    final = mgr.get_task(t.id)
    assert final.version == 1 + 2 * n
    moves = [c for c in final.comments if c.content.startswith("Status: ")]
    assert len(moves) == 2 * n


# --- assignment, deletion ----------------------------------------------------------------


def test_assign_task(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("assign me")
    a = mgr.assign_task(t.id[:8], "dev-2")
    assert (a.assigned_to, a.version) == ("dev-2", t.version + 1)
    with pytest.raises(agor.NotFoundError):
        mgr.assign_task(t.id, "ghost")
    with pytest.raises(agor.NotFoundError):
        mgr.assign_task("ffffffff", "dev-1")
    # An assigned todo task is dev-2's: dev-1 cannot claim it, dev-2 can.
    with pytest.raises(agor.AlreadyClaimedError):
        store.as_agent("dev-1").claim_task(t.id)
    claim = store.as_agent("dev-2").claim_task(t.id)
    assert claim is not None
    # Under a live claim, nobody else can be given the task.
    with pytest.raises(agor.AlreadyClaimedError) as e:
        mgr.assign_task(t.id, "dev-1")
    assert (e.value.task_id, e.value.claimed_by) == (t.id, "dev-2")
    assert mgr.assign_task(t.id, "dev-2").assigned_to == "dev-2"  # re-assigning the holder is fine


def test_delete_task(store: agor.Store, mgr: agor.Actor) -> None:
    parent = mgr.create_task("parent")
    child = mgr.create_task("child", parent=parent.id)
    mgr.comment(parent.id, "soon gone")
    assert mgr.delete_task(parent.id[:8]) is None
    with pytest.raises(agor.NotFoundError):
        mgr.get_task(parent.id)
    assert mgr.get_task(child.id).parent_task_id is None
    assert store.audit_log(limit=1)[0].event_type == "task_deleted"
    with pytest.raises(agor.NotFoundError):
        mgr.delete_task(parent.id)


# --- claims and leases -------------------------------------------------------------------


def test_claim_best_next_then_none(store: agor.Store, mgr: agor.Actor) -> None:
    dev = store.as_agent("dev-1")
    assert dev.claim_task() is None  # empty board
    low = mgr.create_task("low", priority="low")
    high = mgr.create_task("high", priority="high")
    mgr.create_task("backlog", status="backlog", priority="critical")  # not claimable
    theirs = mgr.create_task("theirs", priority="critical", assign_to="dev-2")
    before = time.time()
    c = dev.claim_task(lease_seconds=120)
    assert isinstance(c, agor.Claim) and c.task.id == high.id
    assert (c.task.status, c.task.assigned_to) == ("in_progress", "dev-1")
    # Milliseconds are the deadline; the seconds field is the same deadline rounded up.
    assert before * 1000 + 120_000 - 1 <= c.expires_at_ms <= time.time() * 1000 + 120_000
    assert c.expires_at == -(-c.expires_at_ms // 1000)
    assert c.task.lease_expires_at == c.expires_at and c.task.lease_expires_ms == c.expires_at_ms
    assert len(c.token) >= 32
    assert c.token not in repr(c)  # the token is a credential; repr does not show it
    assert set(c.to_dict()) == {"task", "token", "expires_at", "expires_at_ms"}
    assert c.to_dict()["task"]["id"] == high.id
    assert c == c and c != dev.claim_task()
    assert dev.claim_task() is None  # low was taken by the line above
    assert mgr.get_task(low.id).assigned_to == "dev-1"
    # dev-2's own assigned task is claimable by dev-2 only.
    c2 = store.as_agent("dev-2").claim_task()
    assert c2 is not None and c2.task.id == theirs.id
    assert c.task.lease_expires_at is not None


def test_claim_specific_task_errors(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("one")
    c = store.as_agent("dev-1").claim_task(t.id[:8])
    assert c is not None and c.task.id == t.id
    with pytest.raises(agor.AlreadyClaimedError) as e:
        store.as_agent("dev-2").claim_task(t.id)
    assert (e.value.task_id, e.value.claimed_by) == (t.id, "dev-1")
    parked = mgr.create_task("parked", status="backlog")
    with pytest.raises(agor.InvalidInputError):
        store.as_agent("dev-2").claim_task(parked.id)
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-2").claim_task("ffffffff")


@pytest.mark.parametrize("secs", [0, -1, agor.MAX_LEASE_SECONDS + 1, 2**40])
def test_lease_length_is_checked(store: agor.Store, mgr: agor.Actor, secs: int) -> None:
    t = mgr.create_task("lease")
    dev = store.as_agent("dev-1")
    with pytest.raises(agor.InvalidInputError) as e:
        dev.claim_task(t.id, lease_seconds=secs)
    assert e.value.field == "lease"
    c = dev.claim_task(t.id)
    assert c is not None
    with pytest.raises(agor.InvalidInputError):
        dev.renew_lease(t.id, c.token, lease_seconds=secs)


def test_default_lease(store: agor.Store, mgr: agor.Actor) -> None:
    assert agor.DEFAULT_LEASE_SECONDS == 900 and agor.MAX_LEASE_SECONDS == 86400
    mgr.create_task("default")
    now = int(time.time())
    c = store.as_agent("dev-1").claim_task()
    assert c is not None and now + 900 <= c.expires_at <= int(time.time()) + 901


def test_renew_and_release(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("renewable")
    dev = store.as_agent("dev-1")
    c = dev.claim_task(t.id, lease_seconds=60)
    assert c is not None
    r = dev.renew_lease(t.id[:8], c.token, lease_seconds=3600)
    assert isinstance(r, agor.Claim) and r.token == c.token
    assert r.expires_at >= c.expires_at + 3000 and r.task.lease_expires_at == r.expires_at
    # Only the holder with the current token may renew or release.
    with pytest.raises(agor.LeaseError) as e:
        dev.renew_lease(t.id, "not-the-token")
    assert e.value.task_id == t.id and "token" in e.value.reason
    with pytest.raises(agor.LeaseError):
        store.as_agent("dev-2").release_task(t.id, c.token)
    released = dev.release_task(t.id, c.token)
    assert (released.status, released.assigned_to, released.lease_expires_at) == ("todo", None, None)
    # The released token is dead: it can neither renew, release nor complete.
    with pytest.raises(agor.LeaseError):
        dev.renew_lease(t.id, c.token)
    with pytest.raises(agor.LeaseError):
        dev.release_task(t.id, c.token)
    with pytest.raises(agor.LeaseError):
        dev.complete_task(t.id, c.token, "too late")
    # Someone else may claim it now; the old token does not work on the new claim either.
    c2 = store.as_agent("dev-2").claim_task(t.id)
    assert c2 is not None and c2.token != c.token
    with pytest.raises(agor.LeaseError):
        dev.complete_task(t.id, c.token, "not mine")


def test_lapsed_lease_is_fenced_and_reopened(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("slow work")
    dev1, dev2 = store.as_agent("dev-1"), store.as_agent("dev-2")
    c = dev1.claim_task(t.id)
    assert c is not None
    age_lease(store, t.id)
    # The lapsed worker can neither complete, renew nor release ...
    with pytest.raises(agor.LeaseError) as e:
        dev1.complete_task(t.id, c.token, "finished late")
    assert e.value.task_id == t.id
    with pytest.raises(agor.LeaseError):
        dev1.renew_lease(t.id, c.token)
    with pytest.raises(agor.LeaseError):
        dev1.release_task(t.id, c.token)
    # ... the task is back in todo, unassigned, with a note from the board itself ...
    d = mgr.get_task(t.id)
    assert (d.status, d.assigned_to, d.lease_expires_at, d.completion) == ("todo", None, None, None)
    assert d.comments[-1].agent_id == "agor" and "lease of dev-1 expired" in d.comments[-1].content
    # ... and another worker can take it over and finish it.
    c2 = dev2.claim_task()
    assert c2 is not None and c2.task.id == t.id
    done = dev2.complete_task(t.id, c2.token, "finished")
    assert (done.status, done.assigned_to) == ("done", "dev-2")


def test_lapsed_lease_reopens_on_read(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("read reopens")
    c = store.as_agent("dev-1").claim_task(t.id)
    assert c is not None
    age_lease(store, t.id)
    # A plain read is enough: no daemon, no write by anyone.
    assert [x.status for x in mgr.list_tasks() if x.id == t.id] == ["todo"]


def test_complete_with_record_round_trip(store: agor.Store, mgr: agor.Actor) -> None:
    t = mgr.create_task("ship it")
    dev = store.as_agent("dev-1")
    c = dev.claim_task(t.id)
    assert c is not None
    artifacts = ["file:src/parser.rs", "msg:1234abcd"]
    done = dev.complete_task(
        t.id[:8], c.token, "parser merged ✓", artifacts=artifacts,
        result_ref="commit 0a1b2c", next="wire it into the CLI",
    )
    assert isinstance(done, agor.Task)
    assert (done.status, done.lease_expires_at, done.version) == ("done", None, c.task.version + 1)
    rec = done.completion
    assert isinstance(rec, agor.Completion)
    assert (rec.summary, rec.artifacts, rec.result_ref, rec.next) == (
        "parser merged ✓", artifacts, "commit 0a1b2c", "wire it into the CLI",
    )
    assert rec.to_dict() == {
        "summary": "parser merged ✓", "artifacts": artifacts,
        "result_ref": "commit 0a1b2c", "next": "wire it into the CLI",
    }
    # The record is stored: other processes' reads (and this one's) return it.
    assert mgr.get_task(t.id).completion == rec
    assert mgr.list_tasks(all=True)[0].completion == rec
    assert done.to_dict()["completion"] == rec.to_dict()
    assert mgr.get_task(t.id).comments[-1].content == "Status: in_progress → done"
    # The token died with the completion.
    with pytest.raises(agor.LeaseError):
        dev.complete_task(t.id, c.token, "twice")
    # Tuples and the minimal form work too.
    t2 = mgr.create_task("minimal")
    c2 = dev.claim_task(t2.id)
    assert c2 is not None
    rec2 = dev.complete_task(t2.id, c2.token, "ok", artifacts=("file:a",)).completion
    assert rec2 is not None and (rec2.artifacts, rec2.result_ref, rec2.next) == (["file:a"], None, None)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"summary": ""}, "summary"),
        ({"summary": "two\nlines"}, "summary"),
        ({"summary": "ok", "artifacts": [""]}, "artifact"),
        ({"summary": "ok", "artifacts": ["a\nb"]}, "artifact"),
    ],
)
def test_complete_invalid_record(store: agor.Store, mgr: agor.Actor, kwargs: dict, field: str) -> None:
    t = mgr.create_task("bad record")
    dev = store.as_agent("dev-1")
    c = dev.claim_task(t.id)
    assert c is not None
    with pytest.raises(agor.InvalidInputError) as e:
        dev.complete_task(t.id, c.token, **kwargs)
    assert e.value.field == field
    assert mgr.get_task(t.id).status == "in_progress"  # still claimed, nothing written
    with pytest.raises(TypeError):
        dev.complete_task(t.id, c.token, "ok", artifacts="file:a")


# --- review queue -------------------------------------------------------------------------


def test_review_queue_count_and_attention(store: agor.Store, mgr: agor.Actor) -> None:
    assert store.review_queue_count("core") == 0 and store.reviewer_attention("core") == 0
    dev = store.as_agent("dev-1")
    reviewed: List[agor.Task] = []
    for i in range(6):
        mgr.create_task(f"r{i}")
        c = dev.claim_task()
        assert c is not None
        reviewed.append(dev.complete_task(c.task.id, c.token, f"r{i} done", review=True))
        assert store.review_queue_count("core") == i + 1
        assert store.reviewer_attention("core") == min(10 * (i + 1), 50)
    assert all(t.status == "review" for t in reviewed)
    # Entering review posts a notice to the group's review-queue channel.
    posts = store.as_agent("boss").channel_history("review-queue", limit=10)
    assert len(posts) == 6 and reviewed[0].id in posts[0].content
    # A reviewer finishes one; the count follows. Other groups are untouched.
    rev = store.as_agent("rev-1")
    rev.set_task_status(reviewed[0].id, "done", reviewed[0].version)
    assert store.review_queue_count("core") == 5 and store.reviewer_attention("core") == 50
    assert store.review_queue_count("ops") == 0 and store.review_queue_count("nobody") == 0
    assert [t.status for t in mgr.list_tasks(status="review")] == ["review"] * 5


# --- several processes -------------------------------------------------------------------


CLAIMER = """
import json, sys
import agor
db, me_id = sys.argv[1], sys.argv[2]
me = agor.open(db).as_agent(me_id)
claimed = []
while True:
    c = me.claim_task(lease_seconds=600)
    if c is None:
        break
    assert c.task.assigned_to == me_id and c.task.status == "in_progress"
    me.complete_task(c.task.id, c.token, f"done by {me_id}")
    claimed.append(c.task.id)
print(json.dumps(claimed))
"""


def test_claim_race_between_processes(store: agor.Store, mgr: agor.Actor) -> None:
    """Two processes drain one board: every task is claimed exactly once."""
    n = 80
    ids = {mgr.create_task(f"job {i}", priority=("low", "high")[i % 2]).id for i in range(n)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, location(store), who],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for who in ("dev-1", "dev-2")
    ]
    claimed = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        claimed.append(json.loads(out))
    everything = claimed[0] + claimed[1]
    assert len(everything) == n and set(everything) == ids
    assert set(claimed[0]).isdisjoint(claimed[1])
    # The file agrees: one claim per task, each completed by the worker that claimed it.
    assert sql_behind_api(store, "SELECT count(*) FROM audit_log WHERE event_type = 'task_claimed'") == [(n,)]
    by_id = {t.id: t for t in mgr.list_tasks(all=True)}
    for worker, got in zip(("dev-1", "dev-2"), claimed):
        for task_id in got:
            t = by_id[task_id]
            assert t.status == "done" and t.assigned_to == worker
            assert t.completion is not None and t.completion.summary == f"done by {worker}"


def test_dependencies_gate_ready_tasks_and_claims(store: agor.Store, mgr: agor.Actor) -> None:
    design = mgr.create_task("design", priority="low")
    build = mgr.create_task("build", priority="critical")
    assert mgr.add_dependency(build.id[:8], design.id) is None
    assert mgr.dependencies(build.id) == [design.id]
    with pytest.raises(agor.InvalidInputError, match="cycle"):
        mgr.add_dependency(design.id, build.id)
    dev = store.as_agent("dev-1")
    with pytest.raises(agor.PermissionDeniedError):
        dev.add_dependency(design.id, build.id)
    assert [t.id for t in dev.ready_tasks()] == [design.id]
    with pytest.raises(agor.InvalidInputError, match="waits for"):
        dev.claim_task(build.id)
    claim = dev.claim_task()
    assert claim is not None and claim.task.id == design.id
    dev.complete_task(design.id, claim.token, "designed")
    assert [t.id for t in dev.ready_tasks()] == [build.id]
    mgr.remove_dependency(build.id, design.id)
    assert mgr.dependencies(build.id) == []
