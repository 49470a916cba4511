"""The CLI as a view of the core's catalogue of operations: `ops` lists it, `call` runs any
request of it, `--json` prints a command's dispatch response, and the commands added so every
operation has one (`agent`, `audit`, `mark-read`, `channel review-setup`).

Runs `btmsg` and `bttask` as subprocesses like test_cli.py and test_bttask.py.
"""

from __future__ import annotations

import json

import pytest

from cli_runner import HOSTILE, Cli, command_under_test


@pytest.fixture(scope="session")
def commands() -> dict[str, list[str]]:
    return {
        "btmsg": command_under_test("btmsg", "AGOR_BTMSG"),
        "bttask": command_under_test("bttask", "AGOR_BTTASK"),
    }


@pytest.fixture
def btmsg(commands, tmp_path) -> Cli:
    cli = Cli("btmsg", commands["btmsg"], tmp_path / "team.db", tmp_path)
    cli.ok("register", "mgr-1", "Manager", "manager", "core")
    cli.ok("register", "dev-1", "Dev One", "project", "core")
    cli.ok("allow", "mgr-1", "dev-1", "-b")
    return cli


@pytest.fixture
def bttask(commands, btmsg, tmp_path) -> Cli:
    return Cli("bttask", commands["bttask"], btmsg.db, tmp_path)


def test_ops_lists_the_catalogue_in_text_and_json(btmsg, bttask):
    listing = btmsg.json("ops", db=False)
    names = [op["name"] for op in listing]
    assert {"send", "claim_task", "board", "backup", "audit_log"} <= set(names)
    send = next(op for op in listing if op["name"] == "send")
    assert send["caller"] == "agent" and send["action"] == "send_message"
    assert set(send["request"]["properties"]) == {
        "to", "content", "importance", "ack_required", "deadline_secs"
    }
    assert set(send["request"]["required"]) == {"to", "content"}
    assert send["response"]
    text = btmsg.ok("ops", db=False).splitlines()
    assert text[0].split() == ["OPERATION", "CALLER", "EFFECT", "ACTION", "DOC"]
    assert [line.split()[0] for line in text[1:]] == names
    # Each line shows the operation's effect (what the MCP annotations derive from).
    assert [line.split()[2] for line in text[1:]] == [op["effect"] for op in listing]
    # The same catalogue from both programs.
    assert bttask.json("ops", db=False) == listing


def test_call_runs_any_request_as_the_agent_or_the_operator(btmsg):
    sent = json.loads(
        btmsg.ok("call", '{"op": "send", "to": "dev-1", "content": "via call"}', agent="mgr-1")
    )
    assert sent["to_agent"] == "dev-1" and sent["content"] == "via call"
    # JSON with or without --json, and the same shape as the command's --json.
    assert json.loads(btmsg.ok("call", '{"op": "peek"}', agent="dev-1")) == btmsg.json(
        "peek", agent="dev-1"
    )
    # Without BTMSG_AGENT_ID the operator calls: operator operations work, agent ones do not.
    assert btmsg.json("call", '{"op": "get_agent", "id": "dev"}')["id"] == "dev-1"
    assert "agent identity" in btmsg.fails(4, "call", '{"op": "peek"}')
    assert "unknown operation 'fly'" in btmsg.fails(2, "call", '{"op": "fly"}')
    assert "not valid JSON" in btmsg.fails(2, "call", "{nope")
    assert "invalid to: invalid type" in btmsg.fails(2, "call", '{"op": "send", "to": 5}', agent="mgr-1")
    assert "bad arguments for 'send': missing field `content`" in btmsg.fails(
        2, "call", '{"op": "send", "to": "dev-1"}', agent="mgr-1")
    # The ACL holds whatever the entry point.
    btmsg.ok("register", "dev-2", "Dev Two", "project", "core")
    assert btmsg.run("call", '{"op": "send", "to": "dev-2", "content": "x"}', agent="dev-1").code == 4


def test_call_output_is_terminal_safe_json(btmsg):
    btmsg.ok("send", "dev-1", HOSTILE, agent="mgr-1")
    r = btmsg.shows_nothing_raw("call", '{"op": "peek"}', agent="dev-1")
    assert json.loads(r.out)[0]["content"] == HOSTILE


def test_commands_added_for_the_rest_of_the_catalogue(btmsg):
    assert btmsg.json("agent", "dev")["id"] == "dev-1"
    assert btmsg.ok("agent", "--id", "mgr-1").startswith("mgr-1 (Manager)")
    assert "not found" in btmsg.fails(5, "agent", "ghost")

    btmsg.ok("send", "dev-1", "one", agent="mgr-1")
    btmsg.ok("send", "dev-1", "two", agent="mgr-1")
    assert btmsg.json("mark-read", "mgr-1", agent="dev-1") == 2
    assert btmsg.ok("mark-read", "--agent", "mgr-1", agent="dev-1") == "marked 0 message(s) from mgr-1 read\n"
    assert btmsg.json("unread", agent="dev-1") == 0

    rows = btmsg.json("audit", "--limit", "3")
    assert len(rows) == 3 and all("event_type" in r for r in rows)
    assert all(r["agent_id"] == "mgr-1" for r in btmsg.json("audit", "--agent", "mgr-1"))
    assert "must be between 1 and 10000, not 0" in btmsg.fails(2, "audit", "--limit", "0")

    queue, log = btmsg.json("channel", "review-setup", "core")
    assert (queue["name"], log["name"]) == ("review-queue", "review-log")
    assert "#review-queue" in btmsg.ok("channel", "review-setup", "--group", "core")


def test_help_names_the_operations_a_command_runs(btmsg, bttask):
    assert "runs: send, send_to_role, send_to_pattern" in btmsg.ok("send", "--help", db=False)
    assert "runs: review_queue_count, reviewer_attention" in bttask.ok("help", "review-count", db=False)
    overview = bttask.ok("--help", db=False)
    assert "  ops\n" in overview and "call '<json>'" in overview
    assert "Exit codes:" in overview and "  5  not found" in overview
