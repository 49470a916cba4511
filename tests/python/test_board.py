"""The rest of the board (SPEC §4, §9) on both engines: archiving finished tasks, lanes and
their order, cross-owner proposals, and `tasks.toml` import/export with Tinytown's statuses."""

from __future__ import annotations

import pytest

import agor


def finish(store: agor.Store, title: str) -> agor.Task:
    mgr = store.as_agent("mgr-1")
    t = mgr.create_task(title)
    return mgr.set_task_status(t.id, "cancelled", t.version)


# --- archive --------------------------------------------------------------------------------


def test_archive_hides_a_finished_task_and_keeps_it(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    gone = finish(store, "Old spike")
    kept = finish(store, "Other")
    mgr.archive_task(gone.id[:8])
    assert [t.id for t in mgr.list_tasks(all=True)] == [kept.id]
    assert gone.id not in [t.id for col in mgr.board().values() for t in col]
    assert [t.id for t in mgr.list_tasks(status="cancelled")] == [kept.id]
    assert [t.id for t in mgr.archived_tasks()] == [gone.id]
    assert mgr.get_task(gone.id).title == "Old spike"  # kept, still readable by id
    with pytest.raises(agor.InvalidInputError, match="unarchive it first"):
        mgr.set_task_status(gone.id, "todo", gone.version)
    with pytest.raises(agor.InvalidInputError, match="already archived"):
        mgr.archive_task(gone.id)
    mgr.unarchive_task(gone.id)
    assert {t.id for t in mgr.list_tasks(all=True)} == {gone.id, kept.id}
    assert mgr.archived_tasks() == []
    with pytest.raises(agor.InvalidInputError, match="not archived"):
        mgr.unarchive_task(gone.id)


def test_archive_rules(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    open_task = mgr.create_task("Still open")
    with pytest.raises(agor.InvalidInputError, match="only done or cancelled"):
        mgr.archive_task(open_task.id)
    done = finish(store, "Finished")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").archive_task(done.id)
    with pytest.raises(agor.NotFoundError):  # another group's manager cannot name it
        store.as_agent("ops-1").archive_task(done.id)
    with pytest.raises(agor.NotFoundError):
        mgr.archive_task("no-such-task")
    assert store.as_agent("ops-1").archived_tasks() == []


# --- lanes ----------------------------------------------------------------------------------


def test_lane_and_reorder(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    a, b, c = (mgr.create_task(t, assign_to="dev-1") for t in ("A", "B", "C"))
    other = mgr.create_task("D", assign_to="dev-2")
    dev = store.as_agent("dev-1")
    assert [t.title for t in dev.lane()] == ["A", "B", "C"]
    assert [t.title for t in mgr.lane("dev-2")] == ["D"]
    lane = dev.reorder_lane([c.id[:8], a.id])
    assert [t.title for t in lane] == ["C", "A", "B"]
    assert [t.title for t in dev.lane()] == ["C", "A", "B"]
    assert dev.get_task(c.id).version == c.version + 1
    # A manager orders any lane of its group; the board order follows within a priority.
    assert [t.title for t in mgr.reorder_lane([b.id], agent_id="dev-1")] == ["B", "C", "A"]
    assert mgr.get_task(other.id).sort_order == other.sort_order
    # Denied: another agent's lane; a task outside the lane; another group's lane.
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-2").reorder_lane([a.id], agent_id="dev-1")
    with pytest.raises(agor.InvalidInputError, match="not in the lane"):
        dev.reorder_lane([other.id])
    with pytest.raises(agor.InvalidInputError, match="twice"):
        dev.reorder_lane([a.id, a.id])
    with pytest.raises(agor.InvalidInputError):
        dev.reorder_lane([])
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ops-1").lane("dev-1")
    # Finished tasks leave the lane.
    claim = dev.claim_task(a.id)
    dev.complete_task(a.id, claim.token, "done")
    assert [t.title for t in dev.lane()] == ["B", "C"]


# --- proposals ------------------------------------------------------------------------------


def test_a_proposal_across_groups_waits_for_the_agent(store: agor.Store) -> None:
    store.allow("mgr-1", "ops-1", bidirectional=True)
    mgr, ops = store.as_agent("mgr-1"), store.as_agent("ops-1")
    t = mgr.create_task("Deploy script")
    since = ops.latest_change()
    p = mgr.propose_task(t.id, "ops-1")
    assert (p.status, p.agent_id, p.from_group, p.task_title) == ("pending", "ops-1", "core", "Deploy script")
    # The proposed agent hears of it and sees it; so does the proposer's group.
    assert "task_proposed" in [c.event for c in ops.changes(since)]
    assert [x.id for x in ops.proposals()] == [p.id]
    assert [x.id for x in mgr.proposals()] == [p.id]
    assert store.as_agent("dev-1").proposals()[0].id == p.id  # visible to the group
    assert mgr.get_task(t.id).assigned_to is None  # nothing moved yet
    with pytest.raises(agor.InvalidInputError, match="already proposed"):
        mgr.propose_task(t.id, "dev-1")
    # Only the proposed agent answers.
    with pytest.raises(agor.PermissionDeniedError):
        mgr.accept_proposal(p.id)
    with pytest.raises(agor.NotFoundError):  # not its group's, not offered to it
        store.as_agent("dev-2").accept_proposal("no-such")
    moved = ops.accept_proposal(p.id[:8])
    assert (moved.assigned_to, moved.group_id) == ("ops-1", "ops")
    assert ops.get_task(t.id).id == t.id
    with pytest.raises(agor.NotFoundError):  # it left the group
        mgr.get_task(t.id)
    assert ops.proposals() == [] and ops.proposals(all=True)[0].status == "accepted"
    with pytest.raises(agor.InvalidInputError, match="already accepted"):
        ops.accept_proposal(p.id)


def test_declined_proposal_leaves_the_task(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    t = mgr.create_task("Docs")
    p = mgr.propose_task(t.id, "dev-1")
    d = dev.decline_proposal(p.id, reason="no time")
    assert (d.status, d.reason) == ("declined", "no time") and d.decided_at
    assert mgr.get_task(t.id).assigned_to is None
    again = mgr.propose_task(t.id, "dev-2")  # a declined proposal frees the task
    assert again.status == "pending"


def test_who_may_propose_and_to_whom(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    t = mgr.create_task("X")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").propose_task(t.id, "dev-2")
    with pytest.raises(agor.NotFoundError):  # another group without a contact: unreachable
        mgr.propose_task(t.id, "ops-1")
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ops-1").propose_task(t.id, "dev-1")
    done = finish(store, "Finished")
    with pytest.raises(agor.InvalidInputError, match="only open tasks"):
        mgr.propose_task(done.id, "dev-1")
    assert store.as_agent("ops-1").proposals() == []


# --- tasks.toml -----------------------------------------------------------------------------

TINYTOWN = '''
[[tasks]]
id = "t-parse"
description = "Fix the parser\\nIt drops tokens"
agent = "dev-1"
status = "assigned"
tags = ["core", "bug"]

[[tasks]]
id = "t-lex"
title = "Lexer"
status = "running"
parent = "t-parse"
agent = "dev-2"

[[tasks]]
id = "t-old"
title = "Old work"
status = "completed"
created_at = "2025-01-01"
'''


def test_import_export_round_trip(store: agor.Store, tmp_path) -> None:
    mgr = store.as_agent("mgr-1")
    r = mgr.import_tasks(TINYTOWN)
    assert (r.created, r.updated, r.unchanged) == (["t-parse", "t-lex", "t-old"], [], [])
    parse = mgr.get_task("t-parse")
    assert (parse.title, parse.status, parse.assigned_to, parse.tags) == (
        "Fix the parser", "todo", "dev-1", ["bug", "core"])
    lex = mgr.get_task("t-lex")
    # `running` without a claim has no lease: it arrives assigned, for its agent to claim.
    assert (lex.status, lex.assigned_to, lex.parent_task_id) == ("todo", "dev-2", "t-parse")
    assert mgr.get_task("t-old").status == "done"
    # Re-import: nothing changes.
    again = mgr.import_tasks(TINYTOWN)
    assert (again.created, again.updated, again.unchanged) == ([], [], ["t-parse", "t-lex", "t-old"])
    exported = mgr.export_tasks()
    assert 'status = "assigned"' in exported and 'status = "running"' not in exported
    assert 'status = "completed"' in exported
    # Into a fresh database (the same engine), and out again: the same text.
    fresh_loc = str(tmp_path / "fresh.db")
    with agor.open(fresh_loc) as fresh:
        fresh.register_agent("mgr-1", "Manager", "manager", "core")
        fresh.register_agent("dev-1", "Dev", "project", "core")
        fresh.register_agent("dev-2", "Dev", "project", "core")
        fm = fresh.as_agent("mgr-1")
        assert len(fm.import_tasks(exported).created) == 3
        assert fm.export_tasks() == exported


def test_import_updates_and_reports(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    mgr.import_tasks(TINYTOWN)
    changed = TINYTOWN.replace('title = "Lexer"', 'title = "Lexer v2"').replace(
        'status = "completed"', 'status = "failed"')
    r = mgr.import_tasks(changed + '\n[[tasks]]\nid = "t-new"\ntitle = "New"\nstatus = "pending"\n')
    assert (r.created, r.updated, r.unchanged) == (["t-new"], ["t-lex", "t-old"], ["t-parse"])
    assert mgr.get_task("t-lex").title == "Lexer v2"
    assert mgr.get_task("t-old").status == "failed"


@pytest.mark.parametrize(
    "text, problem",
    [
        ('[[tasks]]\nid = "a"\ntitle = \n', "line 3"),
        ('[[tasks]]\nid = "a"\ntitle = "x"\nstatus = "finished"\n', "unknown status"),
        ('[[tasks]]\ntitle = "no id"\n', "needs an id"),
        ('[[tasks]]\nid = "a"\n', "title or a description"),
        ('[[tasks]]\nid = "a"\ntitle = "x"\n\n[[tasks]]\nid = "a"\ntitle = "y"\n', "line 5"),
        ('[[tasks]]\nid = "a b"\ntitle = "x"\n', "only letters"),
        ('[[tasks]]\nid = "a"\ntitle = "x"\npriority = "urgent"\n', "priority"),
    ],
)
def test_malformed_files_import_nothing(store: agor.Store, text: str, problem: str) -> None:
    mgr = store.as_agent("mgr-1")
    good = '[[tasks]]\nid = "first"\ntitle = "fine"\n\n'
    with pytest.raises(agor.InvalidInputError, match=problem):
        mgr.import_tasks(good + text if "line" not in problem else text)
    assert mgr.list_tasks(all=True) == []


def test_unknown_agent_or_parent_imports_nothing(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    good = '[[tasks]]\nid = "first"\ntitle = "fine"\n\n'
    with pytest.raises(agor.InvalidInputError, match="line 5.*nobody"):
        mgr.import_tasks(good + '[[tasks]]\nid = "b"\ntitle = "x"\nagent = "nobody"\n')
    with pytest.raises(agor.InvalidInputError, match="ops-1"):  # another group's: not found
        mgr.import_tasks(good + '[[tasks]]\nid = "b"\ntitle = "x"\nagent = "ops-1"\n')
    with pytest.raises(agor.InvalidInputError, match="line 5.*ghost"):
        mgr.import_tasks(good + '[[tasks]]\nid = "b"\ntitle = "x"\nparent = "ghost"\n')
    assert mgr.list_tasks(all=True) == []


def test_who_may_import_and_group_boundary(store: agor.Store) -> None:
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").import_tasks(TINYTOWN)
    store.as_agent("mgr-1").import_tasks(TINYTOWN)
    ops = store.as_agent("ops-1")
    empty = ops.export_tasks()
    assert "[[tasks]]" not in empty
    assert ops.import_tasks(empty).created == []
    # The answer names nothing of the other group (issue 19 item 14).
    with pytest.raises(agor.InvalidInputError, match="already taken"):
        ops.import_tasks('[[tasks]]\nid = "t-lex"\ntitle = "mine"\n')
    assert store.as_agent("dev-1").export_tasks().count("[[tasks]]") == 3
