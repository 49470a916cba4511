"""The operator's view from Python (issue 21 item 1): `Store` reads the board, lanes, change
feed, search, usage and audit log of every group or of one, with no agent identity; and a
person is an agent of the built-in role `human` that claims no work."""

from __future__ import annotations

import pytest

import agor


@pytest.fixture
def teams(store: agor.Store) -> agor.Store:
    for id_, role, group in [
        ("mgr-1", "manager", "core"),
        ("dev-1", "project", "core"),
        ("mgr-2", "manager", "web"),
        ("dev-9", "project", "web"),
    ]:
        store.register_agent(id_, id_.upper(), role, group)
    store.allow("mgr-1", "dev-1", True)
    store.allow("mgr-2", "dev-9", True)
    store.as_agent("mgr-1").create_task("fix the parser in core")
    store.as_agent("mgr-2").create_task("port the parser to web")
    store.as_agent("mgr-2").send("dev-9", "parser notes for web")
    return store


def titles(board: dict) -> list[str]:
    return sorted(t.title for tasks in board.values() for t in tasks)


def test_the_store_reads_every_group_or_one(teams: agor.Store) -> None:
    assert titles(teams.board()) == ["fix the parser in core", "port the parser to web"]
    assert titles(teams.board(group="web")) == ["port the parser to web"]
    web = teams.changes(group="web", limit=1000)
    assert web and {c.group_id for c in web} == {"web"}
    assert teams.latest_change() >= web[-1].cursor
    assert len(teams.search("parser")) == 3
    assert len(teams.search("parser", group="core")) == 1
    teams.as_agent("dev-9").record_usage(1, 2, 0.5, "m")
    assert [u.key for u in teams.usage_summary(group="web")] == ["dev-9"]
    assert teams.usage_summary(group="core") == []
    rows = teams.audit_log(group="web", limit=100)
    assert rows and {r.agent_id for r in rows} <= {"mgr-2", "dev-9"}
    assert teams.lane("dev-9") == []


def test_a_person_claims_no_work(teams: agor.Store) -> None:
    lead = teams.register_agent("lead", "Team Lead", "human", "core")
    assert (lead.role, lead.tier) == ("human", 0)
    teams.allow("dev-9", "lead")
    teams.as_agent("dev-9").send("lead", "done with the parser")
    me = teams.as_agent("lead")
    assert [m.content for m in me.inbox()] == ["done with the parser"]
    with pytest.raises(agor.PermissionDeniedError):
        me.claim_task()


def test_the_store_waits_lists_and_a_manager_reads_its_groups_log(teams: agor.Store) -> None:
    changes = teams.wait(since=0, timeout=0, group="web")
    assert changes and {c.group_id for c in changes} == {"web"}
    assert [t.title for t in teams.list_tasks(group="core")] == ["fix the parser in core"]
    rows = teams.as_agent("mgr-2").audit_log(limit=100)
    assert rows and {r.agent_id for r in rows} <= {"mgr-2", "dev-9"}
    with pytest.raises(agor.PermissionDeniedError):
        teams.as_agent("dev-9").audit_log()
