"""MCP tool profiles and operator secrets (issue 21 items 1 and 2), through the official MCP
client against the real `agor mcp` process: each client is offered the tools of its profile
(by default from its role) that its principal may call, a worker's list stays within its
budget, a tool outside the profile does not exist for the client, and an operator secret acts
as the operator over HTTP until it is revoked.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import agor
from cli_runner import command_under_test
from conftest import location
from test_mcp import http_server, http_session, ok, post, run, stdio_session

# The serialized `tools/list` result a worker gets must stay within this (issue 21: a project
# agent got 92 tools and 206,226 bytes before profiles). A feature that grows past it must
# trim, not raise the budget.
WORKER_BUDGET = 40_000

# What a worker does with agor, at least.
WORKER_TOOLS = {
    "wait", "claim_task", "renew_lease", "release_task", "complete_task", "inbox", "read",
    "reply", "send", "comment", "reserve", "search",
}

CATALOGUE = {op["name"]: op for op in agor.operations()}
OPERATOR_ONLY = {n for n, op in CATALOGUE.items() if op["caller"] == "operator"}
AGENT_ONLY = {n for n, op in CATALOGUE.items() if op["caller"] == "agent"}


async def listed(db: str, agent: str | None, *extra: str) -> tuple[set[str], int]:
    """The tools a stdio client is offered, and the size of the serialized result."""
    async with stdio_session(db, agent, *extra) as s:
        result = await s.list_tools()
    size = len(result.model_dump_json(by_alias=True, exclude_none=True).encode())
    return {t.name for t in result.tools}, size


def test_each_profile_offers_its_tools_and_a_worker_fits_its_budget(file_store: agor.Store) -> None:
    # issue 21 item 2: on 9043fc3 every client got all 92 tools (206 kB), operator tools too.
    db = location(file_store)
    file_store.register_agent("lead-1", "Lead", "human", "core")

    async def go() -> dict[str, tuple[set[str], int]]:
        return {
            # Defaults from the role: project -> worker, reviewer -> reviewer, manager ->
            # manager, no agent -> operator.
            "worker": await listed(db, "dev-1"),
            "reviewer": await listed(db, "rev-1"),
            "manager": await listed(db, "mgr-1"),
            "operator": await listed(db, None),
            "all": await listed(db, "dev-1", "--profile", "all"),
            "worker (asked)": await listed(db, "mgr-1", "--profile", "worker"),
            "person": await listed(db, "lead-1"),
        }

    got = run(go)
    print({name: (len(tools), size) for name, (tools, size) in got.items()})
    worker, reviewer, manager = got["worker"][0], got["reviewer"][0], got["manager"][0]
    assert got["worker"][1] <= WORKER_BUDGET, f"a worker's tools/list is {got['worker'][1]} bytes"
    assert WORKER_TOOLS <= worker < reviewer < manager < got["all"][0]
    assert got["worker (asked)"][0] == worker
    for name in ("worker", "reviewer", "manager", "all"):
        assert not got[name][0] & OPERATOR_ONLY, name
    assert OPERATOR_ONLY <= got["operator"][0] and not got["operator"][0] & AGENT_ONLY
    # An agent with `all` gets every tool an agent may call, and nothing else.
    assert got["all"][0] == set(CATALOGUE) - OPERATOR_ONLY
    # A person (role human) answers what waits on people and claims no work: before the
    # `person` profile it got the manager's tools, without approve_task, with claim_task.
    person = got["person"][0]
    assert {"waiting_on_people", "approve_task", "reject_task", "set_task_status"} <= person
    assert not person & {"claim_task", "renew_lease", "complete_task", "reserve", "create_task"}


def test_a_tool_outside_the_profile_cannot_be_called(store: agor.Store) -> None:
    # issue 21 item 2: on 9043fc3 a worker could call (and be refused by) every operator tool,
    # and there was no profile to leave a tool out.
    db = location(store)
    secret = store.issue_token("dev-1")

    async def go(url: str) -> None:
        async with stdio_session(db, "dev-1") as dev, http_session(url, secret) as web:
            for s in (dev, web):
                with pytest.raises(Exception, match="unknown tool 'issue_token' for dev-1: it is the operator's"):
                    await s.call_tool("issue_token", {"agent_id": "dev-1"})
                with pytest.raises(Exception, match="profile 'worker' does not offer it"):
                    await s.call_tool("create_task", {"title": "not mine to make"})
                assert (await ok(s, "whoami"))["id"] == "dev-1"
        # Not even with every tool an agent may call.
        async with stdio_session(db, "dev-1", "--profile", "all") as dev:
            with pytest.raises(Exception, match="unknown tool 'tokens' for dev-1"):
                await dev.call_tool("tokens", {})

    with http_server(db) as url:
        run(go, url)
    assert [t.agent_id for t in store.tokens()] == ["dev-1"]
    assert store.as_agent("mgr-1").list_tasks(all=True) == []


def test_the_server_profile_applies_to_every_http_client(store: agor.Store) -> None:
    # issue 21 item 2: over HTTP each principal gets its own default, unless the server was
    # started with `--profile`.
    db = location(store)
    mgr = store.issue_token("mgr-1")

    async def tools_of(url: str) -> set[str]:
        async with http_session(url, mgr) as m:
            return {t.name for t in (await m.list_tools()).tools}

    with http_server(db) as url:
        default = run(tools_of, url)
    with http_server(db, "--profile", "worker") as url:
        worker = run(tools_of, url)
    assert "create_task" in default and "create_task" not in worker
    assert WORKER_TOOLS <= worker < default


def test_an_operator_secret_acts_as_the_operator_over_http_until_revoked(store: agor.Store) -> None:
    # issue 21 item 1: on 9043fc3 `btmsg token issue --operator` was an unknown option and no
    # secret could act as the operator over HTTP.
    db = location(store)
    btmsg = command_under_test("btmsg", "AGOR_BTMSG")

    def cli(*args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "BTMSG_AGENT_ID"}
        p = subprocess.run([*btmsg, "--db", db, *args], capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    secret = cli("token", "issue", "--operator").strip()
    assert secret.startswith("agor_")
    listing = cli("token", "list")
    assert "(operator)" in listing and secret not in listing
    assert [(t.agent_id, t.operator) for t in store.tokens()] == [("operator", True)]

    async def go(url: str) -> None:
        async with http_session(url, secret) as op:
            tools = {t.name for t in (await op.list_tools()).tools}
            assert OPERATOR_ONLY <= tools and not tools & AGENT_ONLY
            assert len(await ok(op, "list_agents")) == 7
            assert (await ok(op, "issue_token", agent_id="dev-1")).startswith("agor_")
            with pytest.raises(Exception, match="unknown tool 'whoami' for operator"):
                await op.call_tool("whoami", {})

    init = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    ).encode()
    with http_server(db) as url:
        run(go, url)
        assert "revoked 1 secret of operator" in cli("token", "revoke", "--operator")
        status, body = post(url, init, secret)
        assert status == 401 and body["error"]["kind"] == "unauthorized"
    # The agent's secret the operator issued over HTTP is untouched by the revocation.
    assert [t.agent_id for t in store.tokens()] == ["dev-1"]
