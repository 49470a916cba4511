"""Removing agents (SPEC §9) on both engines: soft delete hides an agent and refuses mail to
it while keeping its history and reserving its id; restore; purge only when stopped unless
forced; rename. Who may do each, and the group boundary."""

from __future__ import annotations

import pytest

import agor


def test_soft_delete_hides_refuses_mail_and_keeps_history(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    sent = mgr.send("dev-1", "before")
    store.as_agent("mgr-1").remove_agent("dev-1")
    assert "dev-1" not in [a.id for a in mgr.list_agents()]
    assert "dev-1" not in [a.id for a in store.list_agents()]
    with pytest.raises(agor.NotFoundError):
        mgr.send("dev-1", "after")
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-1").inbox()  # it cannot act either
    # The id is reserved: registering it again is refused.
    with pytest.raises(agor.InvalidInputError, match="reserved"):
        store.register_agent("dev-1", "Impostor", "project", "core")
    back = mgr.restore_agent("dev-1")
    assert (back.id, back.name) == ("dev-1", "Developer One")
    assert [m.id for m in store.as_agent("dev-1").inbox(all=True)] == [sent.id]  # history kept
    with pytest.raises(agor.InvalidInputError, match="not removed"):
        mgr.restore_agent("dev-1")


def test_purge_only_when_stopped_unless_forced(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    mgr.send("dev-2", "kept as history")
    with pytest.raises(agor.InvalidInputError, match="not stopped"):
        mgr.purge_agent("dev-2")
    store.as_agent("dev-2").set_work_state("stopped")
    mgr.purge_agent("dev-2")
    assert "dev-2" not in [a.id for a in store.list_agents()]
    # The id stays reserved for good (a tombstone), even for the operator (issue 19 item 7):
    # a newcomer under it would inherit the old agent's mail.
    with pytest.raises(agor.InvalidInputError, match="purged"):
        store.register_agent("dev-2", "New Two", "project", "core")
    store.remove_agent("arch-1")
    store.purge_agent("arch-1", force=True)  # a removed agent may be purged too
    with pytest.raises(agor.NotFoundError):
        store.purge_agent("arch-1", force=True)


def test_rename(store: agor.Store) -> None:
    assert store.as_agent("dev-1").rename_agent("dev-1", "Dev the First").name == "Dev the First"
    assert store.as_agent("mgr-1").rename_agent("dev-2", "Second").name == "Second"
    assert store.rename_agent("mgr-1", "Boss of core").name == "Boss of core"
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").rename_agent("dev-2", "Mine")
    with pytest.raises(agor.InvalidInputError):
        store.rename_agent("dev-1", "   ")


def test_who_may_remove(store: agor.Store) -> None:
    dev, mgr, ops = (store.as_agent(a) for a in ("dev-1", "mgr-1", "ops-1"))
    with pytest.raises(agor.PermissionDeniedError):
        dev.remove_agent("dev-2")
    with pytest.raises(agor.PermissionDeniedError):
        dev.remove_agent("dev-1")  # not even itself
    with pytest.raises(agor.PermissionDeniedError):
        mgr.remove_agent("rev-1")  # a peer, not below it
    with pytest.raises(agor.NotFoundError):
        ops.remove_agent("dev-1")  # another group's
    store.remove_agent("dev-2")
    with pytest.raises(agor.InvalidInputError):
        ops.restore_agent("dev-2")  # another group's removed agent is not its to name
    with pytest.raises(agor.PermissionDeniedError):
        dev.purge_agent("dev-2", force=True)
    store.as_agent("boss").restore_agent("dev-2")
