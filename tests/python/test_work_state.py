"""Agents' work state (SPEC §9) on both engines: validated moves, claims and completions set
it, hook events map onto it, every change is in the feed, and other groups cannot see it."""

from __future__ import annotations

import pytest

import agor


def test_explicit_moves_are_validated(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    assert dev.work_state().state == "idle" and dev.work_state().updated_at == ""
    task = store.as_agent("mgr-1").create_task("Parser")
    w = dev.set_work_state("working", task=task.id[:8])
    assert (w.state, w.task_id) == ("working", task.id)
    assert dev.set_work_state("done").state == "done"
    with pytest.raises(agor.InvalidInputError, match="cannot go from done to error"):
        dev.set_work_state("error")
    assert dev.set_work_state("stopped").state == "stopped"
    with pytest.raises(agor.InvalidInputError, match="from stopped it may go to stopped, idle"):
        dev.set_work_state("working")
    assert dev.set_work_state("idle").state == "idle"
    with pytest.raises(agor.InvalidInputError, match="unknown work state"):
        dev.set_work_state("napping")
    with pytest.raises(agor.InvalidInputError, match="only the working state names a task"):
        dev.set_work_state("idle", task=task.id)
    with pytest.raises(agor.InvalidInputError):
        dev.set_work_state()


def test_claim_complete_and_release_follow(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    a, b = mgr.create_task("A"), mgr.create_task("B")
    claim = dev.claim_task(a.id)
    assert (dev.work_state().state, dev.work_state().task_id) == ("working", a.id)
    dev.complete_task(a.id, claim.token, "done it")
    assert dev.work_state().state == "idle"
    claim = dev.claim_task(b.id)
    assert dev.work_state().task_id == b.id
    dev.release_task(b.id, claim.token)
    assert dev.work_state().state == "idle"
    # A stopped agent stays stopped when it claims.
    dev.set_work_state("stopped")
    dev.claim_task(b.id)
    assert dev.work_state().state == "stopped"


def test_hooks_map_to_states_and_never_fail_on_a_move(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    assert dev.set_work_state(hook="SessionStart").state == "idle"
    assert dev.set_work_state(hook="UserPromptSubmit").state == "working"
    assert dev.set_work_state(hook="post_tool_use").state == "working"
    assert dev.set_work_state(hook="Notification").state == "working"
    assert dev.set_work_state(hook="Stop").state == "idle"
    assert dev.set_work_state(hook="SessionEnd").state == "stopped"
    assert dev.set_work_state(hook="PreToolUse").state == "stopped"  # not allowed: unchanged
    with pytest.raises(agor.InvalidInputError, match="unknown hook event"):
        dev.set_work_state(hook="Lunch")


def test_changes_are_in_the_feed_and_groups_are_a_boundary(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    since = mgr.latest_change()
    dev.set_work_state("working")
    dev.set_work_state("working")  # no change, no entry
    events = [c.event for c in mgr.changes(since)]
    assert events == ["work_state"]
    assert mgr.work_state("dev-1").state == "working"
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ops-1").work_state("dev-1")
    assert store.as_agent("boss").work_state("dev-1").state == "working"
    with pytest.raises(agor.PermissionDeniedError):
        store.call({"op": "set_work_state", "state": "idle"})
