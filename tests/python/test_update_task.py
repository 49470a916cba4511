"""update_task (SPEC §9, the board): edits at the version read, stale versions refused with the
current one, tags replaced, who may edit, on both engines."""

from __future__ import annotations

import pytest

import agor


def test_edit_at_the_version_read(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    t = mgr.create_task("Parser", description="old", tags=["a", "b"])
    u = mgr.update_task(t.id, t.version, title="Parser v2", priority="high", tags=["core"],
                        definition_of_done="tests pass")
    assert (u.title, u.description, u.priority, u.tags) == ("Parser v2", "old", "high", ["core"])
    assert u.definition_of_done == "tests pass" and u.version == t.version + 1
    with pytest.raises(agor.ConflictError) as e:
        mgr.update_task(t.id, t.version, title="lost update")
    assert str(u.version) in str(e.value)
    cleared = mgr.update_task(t.id[:8], u.version, definition_of_done="")
    assert cleared.definition_of_done is None and cleared.title == "Parser v2"
    since = store.as_agent("dev-1").latest_change()
    mgr.update_task(t.id, cleared.version, description="new")
    assert "task_updated" in [c.event for c in mgr.changes(since)]


def test_who_may_edit_and_bad_input(store: agor.Store) -> None:
    t = store.as_agent("mgr-1").create_task("Parser")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").update_task(t.id, t.version, title="mine now")
    with pytest.raises(agor.NotFoundError):  # another group's manager cannot even name it
        store.as_agent("ops-1").update_task(t.id, t.version, title="ours")
    mgr = store.as_agent("mgr-1")
    with pytest.raises(agor.InvalidInputError):
        mgr.update_task(t.id, t.version, title="  ")
    with pytest.raises(agor.InvalidInputError):
        mgr.update_task(t.id, t.version, priority="urgent-ish")
    with pytest.raises(agor.InvalidInputError):
        mgr.update_task(t.id, t.version, tags=["bad tag with spaces"])
    assert mgr.get_task(t.id).version == t.version  # nothing was written
