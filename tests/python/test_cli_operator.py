"""The operator's view from a shell (issue 21 item 1): with `BTMSG_AGENT_ID` unset, the reads
a person needs — status, board, lists, changes, search, usage, audit — work across groups or
narrowed with `--group`, through the real `btmsg` and `bttask` binaries; and a person on the
team is an agent of role `human` that others message like anyone.

    AGOR_BTMSG=$PWD/target/debug/btmsg AGOR_BTTASK=$PWD/target/debug/bttask \
        python -m pytest tests/python/test_cli_operator.py --noconftest
"""

from __future__ import annotations

import pytest

from cli_runner import Cli, command_under_test


@pytest.fixture
def teams(tmp_path) -> tuple[Cli, Cli]:
    """Two groups on one file: core (mgr-1, dev-1) and web (mgr-2, dev-9), a task each with
    "parser" in its title, a DM in each."""
    db = tmp_path / "team.db"
    btmsg = Cli("btmsg", command_under_test("btmsg", "AGOR_BTMSG"), db, tmp_path)
    bttask = Cli("bttask", command_under_test("bttask", "AGOR_BTTASK"), db, tmp_path)
    for id_, role, group in [
        ("mgr-1", "manager", "core"),
        ("dev-1", "project", "core"),
        ("mgr-2", "manager", "web"),
        ("dev-9", "project", "web"),
    ]:
        btmsg.ok("register", id_, id_.upper(), role, group)
    btmsg.ok("allow", "mgr-1", "dev-1", "-b")
    btmsg.ok("allow", "mgr-2", "dev-9", "-b")
    bttask.ok("add", "fix the parser in core", agent="mgr-1")
    bttask.ok("add", "port the parser to web", agent="mgr-2")
    btmsg.ok("send", "dev-1", "parser notes for core", agent="mgr-1")
    btmsg.ok("send", "dev-9", "parser notes for web", agent="mgr-2")
    return btmsg, bttask


def board_titles(bttask: Cli, *args: str, agent: str | None = None) -> list[str]:
    return [t["title"] for col in bttask.json("board", *args, agent=agent) for t in col["tasks"]]


# issue 21 item 1: on the base these exit 2 with "BTMSG_AGENT_ID is not set", and
# `bttask board --group` is "unknown option '--group'".
def test_status_and_board_as_the_operator(teams):
    btmsg, bttask = teams
    ids = {a["id"] for a in btmsg.json("status")}
    assert ids == {"mgr-1", "dev-1", "mgr-2", "dev-9"}
    assert {a["id"] for a in btmsg.json("status", "--group", "web")} == {"mgr-2", "dev-9"}
    assert "dev-9" in btmsg.ok("status")
    assert sorted(board_titles(bttask)) == ["fix the parser in core", "port the parser to web"]
    assert board_titles(bttask, "--group", "core") == ["fix the parser in core"]
    assert "fix the parser in core" in bttask.ok("board", "--group", "core")
    assert "port the parser" not in bttask.ok("board", "--group", "core")
    titles = [t["title"] for t in bttask.json("list", "--group", "web")]
    assert titles == ["port the parser to web"]


def test_changes_search_usage_and_audit_as_the_operator(teams):
    btmsg, _ = teams
    changes = btmsg.json("changes", "--limit", "1000")
    assert {"core", "web"} <= {c["group_id"] for c in changes}
    web = btmsg.json("changes", "--group", "web", "--limit", "1000")
    assert web and {c["group_id"] for c in web} == {"web"}
    assert btmsg.json("changes", "--latest") == changes[-1]["cursor"]

    hits = btmsg.json("search", "parser")
    assert len(hits) == 4, hits  # both groups' task and DM
    core_hits = btmsg.json("search", "parser", "--group", "core")
    assert len(core_hits) == 2 and all("web" not in h["snippet"] for h in core_hits)
    assert "parser" in btmsg.ok("search", "parser", "--group", "core")

    rows = btmsg.json("audit", "--group", "web", "--limit", "100")
    assert rows and {r["agent_id"] for r in rows} <= {"mgr-2", "dev-9"}
    assert len(btmsg.json("audit", "--limit", "100")) > len(rows)

    btmsg.ok("usage", "--record", "--input", "5", "--output", "7", "--cost", "0.5",
             "--model", "m", agent="dev-9")
    usage = btmsg.json("usage", "--group", "web")
    assert [u["key"] for u in usage] == ["dev-9"]
    assert btmsg.json("usage", "--group", "core") == []


def test_commands_that_act_as_an_agent_say_what_to_set(teams):
    btmsg, bttask = teams
    err = btmsg.fails(2, "inbox")
    assert "BTMSG_AGENT_ID" in err and "btmsg status" in err
    err = bttask.fails(2, "claim")
    assert "BTMSG_AGENT_ID" in err and "bttask board --group" in err
    # The operator names the lane it wants; without one it is told how.
    assert "agent_id" in bttask.fails(2, "lane")
    assert bttask.json("lane", "dev-9") == []
    # An agent may not narrow to another group.
    assert "web" in btmsg.fails(4, "changes", "--group", "web", agent="dev-1")


def test_a_person_is_messaged_like_anyone_and_claims_no_work(teams):
    btmsg, bttask = teams
    lead = btmsg.json("register", "lead", "Team Lead", "human", "core")
    assert (lead["role"], lead["tier"]) == ("human", 0)
    btmsg.ok("allow", "dev-1", "lead")
    btmsg.ok("send", "lead", "the parser is ready for a look", agent="dev-1")
    inbox = btmsg.json("inbox", agent="lead")
    assert [m["content"] for m in inbox] == ["the parser is ready for a look"]
    # It reaches every group, sees every board and reads the audit log ...
    btmsg.ok("send", "dev-9", "hello from the lead", agent="lead")
    assert len(board_titles(bttask)) == len(board_titles(bttask, agent="lead"))
    assert btmsg.json("audit", "--limit", "5", agent="lead")
    assert "may not" in btmsg.fails(4, "audit", agent="dev-1")
    # ... and claims no work.
    assert "role human may not" in bttask.fails(4, "claim", agent="lead")
