"""Issue 22 items 1, 3 and 4 and the store's settings through `bttask` (a subprocess) and the
`agor` package, on both engines: `add --requires`, the reviewer rule and the
`reviewers_claim_work` setting, `release --error`, `attempts`, `retry`, `defer` and the board
showing deferred work, `settings`/`set-setting`, and the same through Python.

    AGOR_BTTASK=$PWD/target/debug/bttask python -m pytest tests/python/test_coordination_fit.py
"""

from __future__ import annotations

import pytest

import agor
from cli_runner import Cli, command_under_test

TEAM = [
    ("mgr-1", "Manager", "manager", "core"),
    ("rev-1", "Reviewer", "reviewer", "core"),
    ("dev-1", "Developer One", "project", "core"),
    ("ops-1", "Operations", "manager", "ops"),
]


@pytest.fixture(scope="session")
def command() -> list[str]:
    return command_under_test("bttask", "AGOR_BTTASK")


@pytest.fixture
def team(command, db, tmp_path) -> Cli:
    with agor.open(db) as s:
        for agent in TEAM:
            s.register_agent(*agent)
    return Cli("bttask", command, db, tmp_path)


def add(cli: Cli, title: str, *more: str) -> dict:
    return cli.json("add", title, *more, agent="mgr-1")


def test_requires_and_the_reviewer_rule(team):
    review = add(team, "review login", "--requires", "capability:review_work")
    work = add(team, "implement login")
    assert review["requires"] == "capability:review_work" and work["requires"] is None
    ready = lambda who: [t["title"] for t in team.json("ready", agent=who)]  # noqa: E731
    assert ready("rev-1") == ["review login"]
    assert ready("dev-1") == ["implement login"]
    # A direct claim of work that does not fit is refused (exit 4), naming what is missing.
    err = team.fails(4, "claim", work["id"], agent="rev-1")
    assert "reviewers_claim_work" in err
    err = team.fails(4, "claim", review["id"], agent="dev-1")
    assert "capability:review_work" in err
    assert "neither capability" in team.fails(2, "add", "x", "--requires", "flying", agent="mgr-1")
    # The operator restores the legacy rule for the whole store.
    assert "reviewers_claim_work = true" in team.ok("set-setting", "reviewers_claim_work", "true")
    assert ready("rev-1") == ["review login", "implement login"]
    assert team.json("claim", work["id"], agent="rev-1")["task"]["id"] == work["id"]


def test_settings_are_listed_validated_and_refused_to_agents(team, db):
    listed = {s["key"]: s for s in team.json("settings")}
    assert set(listed) == {"max_attempts", "backoff_base_secs", "backoff_cap_secs", "reviewers_claim_work"}
    assert listed["max_attempts"]["value"] == "3" and not listed["max_attempts"]["set"]
    assert "known: max_attempts" in team.fails(2, "set-setting", "max_attempt", "2")
    assert "from 1 to 1000" in team.fails(2, "set-setting", "max_attempts", "0")
    team.ok("set-setting", "max_attempts", "2")
    with agor.open(db) as s:
        assert {x["key"]: x["value"] for x in s.settings()}["max_attempts"] == "2"
        with pytest.raises(agor.PermissionDeniedError):
            s.as_agent("mgr-1").call({"op": "set_setting", "key": "max_attempts", "value": "5"})


def test_release_with_error_attempts_failed_and_retry(team):
    t = add(team, "flaky", "--max-attempts", "2")
    for round in (1, 2):
        c = team.json("claim", agent="dev-1")
        assert c["task"]["id"] == t["id"], round
        out = team.ok("release", t["id"], c["token"], "--error", f"boom {round}", agent="dev-1")
    assert "failed" in out
    assert team.json("ready", agent="dev-1") == []
    failed = team.json("list", "--status", "failed", agent="mgr-1")
    assert [x["id"] for x in failed] == [t["id"]] and failed[0]["failed_attempts"] == 2
    assert "FAILED (1)" in team.ok("board", agent="mgr-1")
    attempts = team.json("attempts", t["id"], agent="dev-1")
    assert [(a["outcome"], a["error"]) for a in attempts] == [
        ("released_with_error", "boom 1"), ("released_with_error", "boom 2")]
    assert "released_with_error: boom 2" in team.ok("attempts", t["id"])
    # Only managers retry; the other group's manager does not even see the task.
    team.fails(4, "retry", t["id"], agent="dev-1")
    team.fails(5, "retry", t["id"], agent="ops-1")
    retried = team.json("retry", t["id"], agent="mgr-1")
    assert (retried["status"], retried["failed_attempts"]) == ("todo", 0)
    assert team.json("claim", agent="dev-1")["task"]["id"] == t["id"]


def test_defer_holds_work_back_and_the_board_shows_it(team):
    t = add(team, "later")
    deferred = team.json("defer", t["id"], "2h", agent="mgr-1")
    assert deferred["not_before_ms"] is not None
    assert team.json("ready", agent="dev-1") == []
    assert "not claimable before" in team.fails(2, "claim", t["id"], agent="dev-1")
    assert "not before" in team.ok("board", agent="mgr-1")
    assert "RFC 3339" in team.fails(2, "defer", t["id"], "someday", agent="mgr-1")
    team.fails(4, "defer", t["id"], "1h", agent="dev-1")
    team.ok("defer", t["id"], "2999-01-01T00:00:00Z", agent="mgr-1")
    assert team.json("ready", agent="dev-1") == []
    assert "no longer deferred" in team.ok("defer", t["id"], "now", agent="mgr-1")
    assert [x["id"] for x in team.json("ready", agent="dev-1")] == [t["id"]]


def test_the_python_surface(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    t = mgr.create_task("py", requires="role:project", max_attempts=1)
    assert (t.requires, t.max_attempts, t.failed_attempts) == ("role:project", 1, 0)
    c = dev.claim_task()
    assert c is not None and c.task.id == t.id
    back = dev.release_task(t.id, c.token, error="no disk")
    assert back.status == "failed"
    assert [a["outcome"] for a in dev.task_attempts(t.id)] == ["released_with_error"]
    assert mgr.retry_task(t.id).status == "todo"
    assert mgr.defer_task(t.id, until="1h").not_before_ms is not None
    assert dev.ready_tasks() == []
    assert [s["key"] for s in store.settings()][0] == "max_attempts"
