"""What needs attention (issue 22 items 5 and 6): messages with an importance and a receipt to
wait for, overdue asks, tasks a person approves, and everything waiting on a person, through
Python on both engines and through the `btmsg`/`bttask` commands (the native binaries when
AGOR_BTMSG/AGOR_BTTASK point at them)."""

from __future__ import annotations

import pytest

import agor
from cli_runner import Cli
from conftest import sqlite_in_subprocess


def _person(store: agor.Store) -> agor.Actor:
    """A person of the team: `lead`, role human (tier 0), in group core, whom dev-1 may write."""
    store.register_agent("lead", "Lead", "human", "core")
    store.allow("dev-1", "lead", bidirectional=True)
    return store.as_agent("lead")


def _finish(worker: agor.Actor, task_id: str) -> agor.Task:
    claim = worker.claim_task(task_id)
    return worker.complete_task(task_id, claim.token, "did it")


# --- Python, both engines -----------------------------------------------------------------


def test_importance_orders_the_inbox_and_an_ack_is_the_senders_receipt(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    dev.send("mgr-1", "plain")
    dev.send("mgr-1", "urgent one", importance="urgent")
    ask = dev.send("mgr-1", "please confirm", importance="high", ack_required=True, deadline_secs=600)
    assert (ask.importance, ask.ack_required, ask.acked_at) == ("high", True, None)
    assert ask.deadline is not None
    assert [m.content for m in mgr.inbox()] == ["urgent one", "please confirm", "plain"]
    assert mgr.notify() == "3 unread messages (1 urgent, 1 high) from dev-1 — run `btmsg inbox`"
    with pytest.raises(agor.InvalidInputError):
        dev.send("mgr-1", "x", importance="loud")
    with pytest.raises(agor.InvalidInputError):
        dev.send("mgr-1", "x", deadline_secs=60)
    assert mgr.ack(ask.id, "laptop") is True
    receipt = dev.read(ask.id).acked_at
    assert receipt is not None
    assert mgr.ack(ask.id, "phone") is True and dev.read(ask.id).acked_at == receipt
    assert dev.overdue() == []


def test_overdue_lists_unanswered_asks_past_their_deadline(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    late = dev.send("mgr-1", "late", ack_required=True, deadline_secs=1)
    answered = dev.send("mgr-1", "answered", ack_required=True, deadline_secs=1)
    dev.send("mgr-1", "no deadline", ack_required=True)
    mgr.reply(answered.id, "here you go")
    # Put the deadlines in the past through the API's own store, not by waiting.
    from conftest import sql_behind_api
    sql_behind_api(store, "UPDATE messages SET ack_deadline = '2000-01-01 00:00:00' WHERE ack_required = 1 AND ack_deadline IS NOT NULL")
    assert [m.id for m in dev.overdue()] == [late.id]
    assert mgr.overdue() == []


def test_a_person_approves_or_rejects_and_sees_what_waits(store: agor.Store) -> None:
    lead = _person(store)
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    task = mgr.create_task("release 1.0", approval=True)
    assert task.approval is True
    assert _finish(dev, task.id).status == "review"
    for who in ("boss", "mgr-1", "rev-1", "dev-1"):
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).approve_task(task.id)
    question = dev.send("lead", "may I tag it?", importance="urgent")
    waiting = store.waiting_on_people()
    assert [(w["kind"], w["id"]) for w in waiting] == [("approval", task.id), ("message", question.id)]
    assert waiting[1]["detail"] == "urgent"
    assert [w["kind"] for w in lead.waiting_on_people(group="ops")] == []
    with pytest.raises(agor.PermissionDeniedError):
        mgr.waiting_on_people()
    rejected = lead.reject_task(task.id, "changelog missing")
    assert (rejected.status, rejected.assigned_to) == ("todo", "dev-1")
    with pytest.raises(agor.AlreadyClaimedError):
        store.as_agent("dev-2").claim_task(task.id)
    _finish(dev, task.id)
    assert store.approve_task(task.id).status == "done"
    lead.ack(question.id, "browser")
    assert store.waiting_on_people() == []


# --- the commands -------------------------------------------------------------------------


@pytest.fixture
def clis(btmsg_cmd, bttask_cmd, tmp_path) -> tuple[Cli, Cli]:
    btmsg = Cli("btmsg", btmsg_cmd, tmp_path / "team.db", tmp_path)
    bttask = Cli("bttask", bttask_cmd, tmp_path / "team.db", tmp_path)
    for agent in (("mgr-1", "Manager", "manager", "core"), ("dev-1", "Dev", "project", "core"),
                  ("dev-2", "Dev Two", "project", "core"), ("lead", "Lead", "human", "core")):
        btmsg.ok("register", *agent)
    btmsg.ok("allow", "mgr-1", "dev-1", "-b")
    return btmsg, bttask


def test_btmsg_send_asks_and_legacy_send_reads_as_before(clis) -> None:
    btmsg, _ = clis
    out = btmsg.ok("send", "mgr-1", "hello", "there", agent="dev-1")
    assert out.startswith("sent ") and out.endswith(" to mgr-1\n")
    sent = btmsg.json("send", "--importance", "high", "--ack", "--deadline", "30m", "mgr-1",
                      "please", "review", agent="dev-1")
    assert (sent["importance"], sent["ack_required"], sent["content"]) == ("high", True, "please review")
    inbox = btmsg.ok("inbox", agent="mgr-1").splitlines()
    # Most important first; a normal message's heading is unchanged.
    assert "dev-1 -> mgr-1 * [high] [ack by " in inbox[0]
    assert inbox[1] == "    please review"
    assert inbox[2].endswith("dev-1 -> mgr-1 *") and inbox[3] == "    hello there"
    btmsg.fails(2, "send", "--deadline", "5m", "mgr-1", "x", agent="dev-1")
    btmsg.fails(2, "send", "--ack", "--deadline", "soon", "mgr-1", "x", agent="dev-1")
    btmsg.fails(2, "send", "--importance", "loud", "mgr-1", "x", agent="dev-1")
    btmsg.fails(2, "send", "--role", "project", "--importance", "high", "x", agent="mgr-1")
    # The recipient's ack is the receipt its sender reads.
    assert btmsg.ok("ack", sent["id"][:8], agent="mgr-1").startswith("acknowledged ")
    assert btmsg.json("read", sent["id"], agent="dev-1")["acked_at"]
    assert "[acked " in btmsg.ok("read", sent["id"], agent="dev-1")


def test_btmsg_overdue(clis) -> None:
    btmsg, _ = clis
    assert btmsg.ok("overdue", agent="dev-1") == "nothing overdue\n"
    sent = btmsg.json("send", "--ack", "--deadline", "1h", "mgr-1", "answer me", agent="dev-1")
    assert btmsg.json("overdue", agent="dev-1") == []
    sqlite_in_subprocess(btmsg.db, "UPDATE messages SET ack_deadline = '2000-01-01 00:00:00'")
    assert [m["id"] for m in btmsg.json("overdue", agent="dev-1")] == [sent["id"]]
    assert "answer me" in btmsg.ok("overdue", agent="dev-1")
    btmsg.ok("reply", sent["id"], "answered", agent="mgr-1")
    assert btmsg.json("overdue", agent="dev-1") == []


def test_bttask_approval_approve_reject_and_waiting(clis) -> None:
    btmsg, bttask = clis
    task = bttask.json("add", "ship", "it", "--approval", agent="mgr-1")
    assert task["approval"] is True
    claim = bttask.json("claim", "--id", task["id"], agent="dev-1")
    done = bttask.json("complete", task["id"], claim["token"], "shipped", agent="dev-1")
    assert done["status"] == "review"
    # No agent but a person: exit 4, one line.
    assert "only a person" in bttask.fails(4, "approve", task["id"], agent="mgr-1")
    assert "only a person" in bttask.fails(4, "waiting", agent="mgr-1")
    waiting = bttask.ok("waiting", agent="lead")
    assert waiting.startswith("approval ") and "ship it" in waiting
    # The operator (no agent identity) sees it too.
    assert [w["kind"] for w in bttask.json("waiting")] == ["approval"]
    out = bttask.ok("reject", task["id"][:8], "no", "release", "notes", agent="lead")
    assert " is todo " in out
    assert "rejected by lead: no release notes" in bttask.ok("show", task["id"], agent="mgr-1")
    assert bttask.json("ready", agent="dev-2") == []
    claim = bttask.json("claim", agent="dev-1")
    bttask.ok("complete", task["id"], claim["token"], "with notes", agent="dev-1")
    assert bttask.json("approve", task["id"])["status"] == "done"
    assert bttask.ok("waiting", agent="lead") == "nothing waits on a person\n"
    # approval on and off by hand (managers).
    plain = bttask.json("add", "plain", agent="mgr-1")
    assert bttask.json("approval", plain["id"], "yes", agent="mgr-1")["approval"] is True
    bttask.fails(2, "approval", plain["id"], "perhaps", agent="mgr-1")
    bttask.fails(4, "approval", plain["id"], "no", agent="dev-1")
