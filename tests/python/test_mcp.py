"""The MCP server (`agor mcp`, SPEC §11) driven by the official Python MCP client (`mcp` on
PyPI), over stdio and over streamable HTTP, on both engines: every catalogue operation is a
tool with valid schemas; agents message each other and work the board through it; failures
are tool errors with agor's error kinds; HTTP authenticates each request with the agent's own
secret; bad input gets clear errors and the server keeps serving.

The server is the `agor` console script, or the native binary named by `$AGOR_MCP`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Iterator

import anyio
import pytest

import agor
from conftest import import_or_require, location

mcp = import_or_require("mcp")
from jsonschema.validators import validator_for  # noqa: E402  (installed with mcp)
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402

AGOR = os.environ.get("AGOR_MCP") or shutil.which("agor") or "agor"


# --- clients -------------------------------------------------------------------------------


@asynccontextmanager
async def stdio_session(db: str, agent: str | None, *extra: str) -> AsyncIterator[ClientSession]:
    args = ["mcp", "--db", db] + (["--agent", agent] if agent else []) + list(extra)
    env = {k: v for k, v in os.environ.items() if k != "BTMSG_AGENT_ID"}
    params = StdioServerParameters(command=AGOR, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


@contextmanager
def http_server(db: str, *extra: str) -> Iterator[str]:
    """`agor mcp --http 127.0.0.1:0`; yields its /mcp URL."""
    with http_server_logged(db, *extra) as (url, _log):
        yield url


@contextmanager
def http_server_logged(db: str, *extra: str, addr: str = "127.0.0.1:0") -> Iterator[tuple[str, list[str]]]:
    """`agor mcp --http ADDR`; yields its /mcp URL and the lines it writes on stderr, read as
    they come (the server logs every request there: an undrained pipe would stall it)."""
    proc = subprocess.Popen(
        [AGOR, "mcp", "--db", db, "--http", addr, *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "serving http://" in line, line + proc.stderr.read()
        log.append(line)
        reader = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)
        reader.start()
        yield line.split("serving ", 1)[1].strip(), log
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0, "the server did not stop cleanly on SIGTERM"


@asynccontextmanager
async def http_session(url: str, secret: str, statuses: list[int] | None = None) -> AsyncIterator[ClientSession]:
    """A session of the official client; `statuses` collects the HTTP status of every answer
    (the client reports a refused request only as an error, without its status)."""
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {secret}"})
    if statuses is not None:

        async def record(response: Any) -> None:
            statuses.append(response.status_code)

        client.event_hooks = {"request": [], "response": [record]}
    async with client, streamable_http_client(url, http_client=client) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def run(fn: Any, *args: Any) -> Any:
    return anyio.run(fn, *args)


async def ok(session: ClientSession, tool: str, **arguments: Any) -> Any:
    res = await session.call_tool(tool, arguments)
    assert not res.is_error, res.structured_content
    return res.structured_content["result"]


async def failed(session: ClientSession, tool: str, **arguments: Any) -> dict:
    res = await session.call_tool(tool, arguments)
    assert res.is_error, res.structured_content
    error = res.structured_content["error"]
    assert error["message"] and error["kind"]
    return error


def post(url: str, body: bytes, secret: str | None, content_type: str = "application/json") -> tuple[int, dict]:
    """One raw HTTP request, for what a well-behaved client never sends."""
    headers = {"Content-Type": content_type, "Accept": "application/json, text/event-stream"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text) if text else {}
    except json.JSONDecodeError:
        return status, {"text": text}


def send_later(db: str, sender: str, to: str, content: str, delay: float = 0.5) -> subprocess.Popen:
    """Another process that sends a DM after `delay` seconds."""
    code = textwrap.dedent(
        """
        import sys, time, agor
        time.sleep(float(sys.argv[5]))
        agor.open(sys.argv[1]).as_agent(sys.argv[2]).send(sys.argv[3], sys.argv[4])
        """
    )
    return subprocess.Popen([sys.executable, "-c", code, db, sender, to, content, str(delay)])


# --- stdio ---------------------------------------------------------------------------------


def test_every_operation_is_a_tool_with_valid_schemas(store: agor.Store) -> None:
    async def go() -> None:
        # An agent's tools and the operator's, each with every tool it may call, are the
        # catalogue between them.
        async with stdio_session(location(store), "dev-1", "--profile", "all") as s:
            tools = {t.name: t for t in (await s.list_tools()).tools}
        async with stdio_session(location(store), None, "--profile", "all") as s:
            tools.update({t.name: t for t in (await s.list_tools()).tools})
        catalogue = {op["name"]: op for op in agor.operations()}
        assert set(tools) == set(catalogue)
        for name, tool in tools.items():
            assert tool.description and catalogue[name]["doc"].split()[0] in tool.description
            for schema in (tool.input_schema, tool.output_schema):
                assert schema is not None and schema["type"] == "object", name
                validator_for(schema).check_schema(schema)

    run(go)


def test_two_agents_message_and_work_the_board(store: agor.Store) -> None:
    db = location(store)

    async def go() -> None:
        async with stdio_session(db, "mgr-1") as mgr, stdio_session(db, "dev-1") as dev:
            sent = await ok(mgr, "send", to="dev-1", content="please take the parser task")
            task = await ok(mgr, "create_task", title="Write the parser", assign_to="dev-1")
            inbox = await ok(dev, "inbox")
            assert [m["id"] for m in inbox] == [sent["id"]]
            assert inbox[0]["from_agent"] == "mgr-1"
            read = await ok(dev, "read", message_id=sent["id"][:8])
            assert read["content"] == "please take the parser task"
            claim = await ok(dev, "claim_task", task_id=task["id"])
            assert claim["task"]["status"] == "in_progress"
            done = await ok(
                dev, "complete_task", task_id=task["id"], token=claim["token"], summary="parser written"
            )
            assert done["status"] == "done"
            await ok(dev, "reply", message_id=sent["id"], content="done")
            assert [m["content"] for m in await ok(mgr, "inbox")] == ["done"]

    run(go)
    # What the tools did is what the library sees.
    assert [t.status for t in store.as_agent("mgr-1").list_tasks(all=True)] == ["done"]


def test_failures_are_tool_errors_and_the_server_keeps_serving(store: agor.Store) -> None:
    async def go() -> None:
        async with stdio_session(location(store), "dev-1") as dev:
            # dev-1 may not message dev-2 (contacts); another group's ops-1 it cannot even see.
            assert (await failed(dev, "send", to="dev-2", content="hi"))["kind"] == "permission_denied"
            assert (await failed(dev, "send", to="ops-1", content="hi"))["kind"] == "not_found"
            # Operator operations do not exist for an agent (issue 21 item 2).
            for tool in ("tokens", "issue_token"):
                with pytest.raises(Exception, match=f"unknown tool '{tool}' for dev-1: it is the operator's"):
                    await dev.call_tool(tool, {"agent_id": "dev-1"})
            # Wrong argument types, missing and unknown arguments, `op` smuggled in.
            e = await failed(dev, "send", to=5, content="x")
            # The argument at fault is named (was "bad arguments for 'send'" before issue 20).
            assert e["kind"] == "invalid_input" and "invalid to: invalid type" in e["message"]
            assert (await failed(dev, "send", to="mgr-1"))["kind"] == "invalid_input"
            assert (await failed(dev, "inbox", colour="red"))["kind"] == "invalid_input"
            assert (await failed(dev, "inbox", op="send"))["kind"] == "invalid_input"
            assert (await failed(dev, "read", message_id="0000dead"))["kind"] == "not_found"
            assert (await failed(dev, "send", to="mgr-1", content=""))["kind"] == "invalid_input"
            huge = "x" * (300 * 1024)
            assert (await failed(dev, "send", to="mgr-1", content=huge))["kind"] == "invalid_input"
            # An unknown tool is a protocol error naming it.
            with pytest.raises(Exception, match="unknown tool 'fly'"):
                await dev.call_tool("fly", {})
            # Still serving.
            assert (await ok(dev, "whoami"))["id"] == "dev-1"

    run(go)
    assert store.as_agent("mgr-1").inbox() == []


def test_stdio_answers_malformed_lines_and_keeps_serving(store: agor.Store) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}}
    lines = [
        "this is not json",
        json.dumps(init),
        json.dumps({"jsonrpc": "1.0", "id": 9, "method": "ping"}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json.dumps(call),
    ]
    p = subprocess.run(
        [AGOR, "mcp", "--db", location(store), "--agent", "dev-1"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60,
    )
    assert p.returncode == 0, p.stderr
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    assert [a.get("error", {}).get("code") for a in answers if "error" in a] == [-32700, -32600]
    assert "not JSON" in answers[0]["error"]["message"]
    whoami = next(a for a in answers if a.get("id") == 2)
    assert whoami["result"]["structuredContent"]["result"]["id"] == "dev-1"


def test_without_an_agent_the_stdio_server_is_the_operators(store: agor.Store) -> None:
    async def go() -> None:
        async with stdio_session(location(store), None) as op:
            assert len(await ok(op, "list_agents")) == 7
            secret = await ok(op, "issue_token", agent_id="dev-1")
            assert secret.startswith("agor_")
            with pytest.raises(Exception, match="unknown tool 'inbox' for operator: it acts as an agent"):
                await op.call_tool("inbox", {})

    run(go)


def test_an_unknown_agent_or_database_stops_the_server_with_a_clear_error(store: agor.Store, tmp_path: Any) -> None:
    p = subprocess.run([AGOR, "mcp", "--db", location(store), "--agent", "ghost"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "agent not found: ghost" in p.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    p = subprocess.run([AGOR, "mcp", "--db", str(junk)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and p.stderr.startswith("agor mcp:")
    p = subprocess.run([AGOR, "mcp", "--http", "8080"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "with a port" in p.stderr


def test_a_mistyped_database_is_an_error_and_nothing_is_created(tmp_path: Any) -> None:
    # issue 21 item 4.1: `agor mcp` never creates a database; the error names the path
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    for args in (["--agent", "mgr-1"], [], ["--http", "127.0.0.1:0"]):
        p = subprocess.run([AGOR, "mcp", "--db", str(missing), *args], capture_output=True, text=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        assert p.returncode == 1, p.stderr
        assert f"database not found: {missing}" in p.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_wait_returns_when_another_process_sends(store: agor.Store) -> None:
    db = location(store)

    async def go() -> None:
        async with stdio_session(db, "dev-1") as dev:
            sender = send_later(db, "mgr-1", "dev-1", "wake up")
            started = time.monotonic()
            changes = await ok(dev, "wait", kinds=["message"], timeout_secs=30)
            assert time.monotonic() - started < 25
            assert sender.wait(timeout=30) == 0
            assert [c["event"] for c in changes] == ["message_sent"]
            assert [c["content"]["text"] for c in changes] == ["wake up"]
            assert await ok(dev, "wait", kinds=["message"], timeout_secs=0.2) == []

    run(go)


# --- streamable HTTP -----------------------------------------------------------------------


def test_http_agents_act_only_as_themselves(store: agor.Store) -> None:
    db = location(store)
    mgr_secret, dev_secret = store.issue_token("mgr-1"), store.issue_token("dev-1")

    async def go(url: str) -> None:
        async with http_session(url, mgr_secret) as mgr, http_session(url, dev_secret) as dev:
            tools = (await dev.list_tools()).tools
            assert {"wait", "claim_task", "complete_task", "send"} <= {t.name for t in tools}
            assert "issue_token" not in {t.name for t in tools}
            assert (await ok(dev, "whoami"))["id"] == "dev-1"
            assert (await ok(mgr, "whoami"))["id"] == "mgr-1"
            sent = await ok(mgr, "send", to="dev-1", content="over http")
            assert sent["from_agent"] == "mgr-1"
            assert [m["content"] for m in await ok(dev, "read_unread")] == ["over http"]
            task = await ok(mgr, "create_task", title="Ship it")
            claim = await ok(dev, "claim_task", task_id=task["id"])
            assert (await ok(dev, "complete_task", task_id=task["id"], token=claim["token"], summary="shipped"))["status"] == "done"
            # An agent's secret never reaches operator tools or another group's agents.
            with pytest.raises(Exception, match="unknown tool 'issue_token' for dev-1"):
                await dev.call_tool("issue_token", {"agent_id": "dev-1"})
            assert (await failed(dev, "send", to="ops-1", content="x"))["kind"] == "not_found"

    with http_server(db) as url:
        run(go, url)


def test_http_refuses_requests_without_a_valid_secret(store: agor.Store) -> None:
    db = location(store)
    secret = store.issue_token("dev-1")
    init = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    ).encode()
    with http_server(db) as url:
        for bad in (None, "agor_" + "0" * 64, "not-even-close", secret + "x"):
            status, body = post(url, init, bad)
            assert status == 401 and body["error"]["kind"] == "unauthorized", (bad, body)
        # The official client, with a forged secret: refused with 401, nothing else.
        statuses: list[int] = []
        with pytest.raises(Exception):
            run(_initialize_with, url, "agor_" + "1" * 64, statuses)
        assert statuses == [401], statuses
        # The right secret works; once revoked, it does not.
        assert post(url, init, secret)[0] == 200
        assert store.revoke_tokens("dev-1") == 1
        assert post(url, init, secret)[0] == 401


async def _initialize_with(url: str, secret: str, statuses: list[int]) -> None:
    async with http_session(url, secret, statuses):
        pass


def test_http_bad_requests_get_clear_errors_and_the_server_keeps_serving(store: agor.Store) -> None:
    db = location(store)
    secret = store.issue_token("dev-1")
    with http_server(db, "--max-request-bytes", "65536") as url:
        status, body = post(url, b"{this is not json", secret)
        assert status == 400 and body.get("error", {}).get("code") == -32700, body
        for bad in (b'{"jsonrpc": "2.0", "id": 1}', b'{"jsonrpc": "1.0", "method": "ping"}', b"[1, 2]", b'"hi"'):
            status, body = post(url, bad, secret)
            assert status == 400 and body["error"]["code"] == -32600, (bad, body)
            assert body["error"]["message"].startswith("invalid request")
        status, body = post(url, b"x" * 100_000, secret)
        assert status == 413 and "65536 bytes" in body["error"]["message"]
        # A message bigger than the server accepts, through the real client: refused, and the
        # server still answers the next call.

        async def go() -> None:
            statuses: list[int] = []
            async with http_session(url, secret, statuses) as dev:
                with pytest.raises(Exception):
                    await dev.call_tool("send", {"to": "mgr-1", "content": "y" * 100_000})
            assert 413 in statuses, statuses
            async with http_session(url, secret) as dev:
                assert (await ok(dev, "whoami"))["id"] == "dev-1"

        run(go)


def test_http_wait_returns_when_another_process_sends(store: agor.Store) -> None:
    db = location(store)
    secret = store.issue_token("dev-1")

    async def go(url: str) -> None:
        async with http_session(url, secret) as dev:
            sender = send_later(db, "mgr-1", "dev-1", "over the wire")
            changes = await ok(dev, "wait", kinds=["message"], timeout_secs=30)
            assert sender.wait(timeout=30) == 0
            assert [c["agent_id"] for c in changes] == ["dev-1"]

    with http_server(db) as url:
        run(go, url)
