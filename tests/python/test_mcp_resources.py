"""The board, an agent's inbox and the change feed as MCP resources (SPEC §11, issue 23
item 2), driven by the official Python MCP client (`mcp` on PyPI) over stdio and streamable
HTTP, on both engines: `resources/list` and `resources/read` as the principal may see,
`resources/subscribe` sending `notifications/resources/updated` for changes made by another
process (and none for what the principal may not see), and the per-principal cap on what
follows the feed (`--max-streams-per-principal`)."""

from __future__ import annotations

import json
import os
import warnings
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import anyio
import pytest

import agor
from conftest import import_or_require, location

mcp = import_or_require("mcp")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402
from test_mcp import AGOR, http_server  # noqa: E402


class Updates:
    """The URIs of the `notifications/resources/updated` a session received, in order."""

    def __init__(self) -> None:
        self.uris: list[str] = []

    async def handler(self, message: Any) -> None:
        note = getattr(message, "root", message)
        if getattr(note, "method", None) == "notifications/resources/updated":
            self.uris.append(str(note.params.uri))

    async def until(self, uri: str, timeout: float = 10) -> None:
        with anyio.fail_after(timeout):
            while uri not in self.uris:
                await anyio.sleep(0.05)


@asynccontextmanager
async def stdio(db: str, agent: str | None, updates: Updates, *extra: str) -> AsyncIterator[ClientSession]:
    args = ["mcp", "--db", db] + (["--agent", agent] if agent else []) + list(extra)
    env = {k: v for k, v in os.environ.items() if k != "BTMSG_AGENT_ID"}
    params = StdioServerParameters(command=AGOR, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=updates.handler) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def http(url: str, secret: str, updates: Updates) -> AsyncIterator[ClientSession]:
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {secret}"})
    async with client, streamable_http_client(url, http_client=client) as (read, write):
        async with ClientSession(read, write, message_handler=updates.handler) as session:
            await session.initialize()
            yield session


async def read(session: ClientSession, uri: str) -> Any:
    result = await session.read_resource(uri)
    [content] = result.contents
    assert content.mime_type == "application/json"
    return json.loads(content.text)


async def subscribe(session: ClientSession, uri: str) -> None:
    with warnings.catch_warnings():
        # Deprecated by the client for 2026-07-28 servers; `initialize` sessions use it.
        warnings.simplefilter("ignore")
        await session.subscribe_resource(uri)


async def unsubscribe(session: ClientSession, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        await session.unsubscribe_resource(uri)


def board_titles(board: list[dict]) -> set[str]:
    return {t["title"] for column in board for t in column["tasks"]}


def test_resources_are_listed_and_read_as_the_principal_may_see(store: agor.Store) -> None:
    db = location(store)
    task = store.as_agent("mgr-1").create_task("Core work")
    store.as_agent("mgr-1").send("dev-1", "read me")

    async def go() -> None:
        async with stdio(db, "dev-1", Updates()) as dev:
            listed = {str(r.uri) for r in (await dev.list_resources()).resources}
            assert listed == {"agor://board", "agor://inbox", "agor://changes"}
            assert "Core work" in board_titles(await read(dev, "agor://board"))
            assert [m["content"] for m in await read(dev, "agor://inbox")] == ["read me"]
            subjects = [c["subject"] for c in await read(dev, "agor://changes")]
            assert task.id in subjects
            since = max(c["cursor"] for c in await read(dev, "agor://changes"))
            assert await read(dev, f"agor://changes?since={since}") == []
            with pytest.raises(Exception, match="no resource"):
                await dev.read_resource("agor://elsewhere")
            with pytest.raises(Exception, match="not agor://changes"):
                await dev.read_resource("agor://changes?since=soon")
        # Another group's agent reads its own board, not core's; the operator has no inbox.
        async with stdio(db, "ops-1", Updates()) as ops:
            assert "Core work" not in board_titles(await read(ops, "agor://board"))
            assert "read me" not in json.dumps(await read(ops, "agor://changes"))
        async with stdio(db, None, Updates()) as operator:
            listed = {str(r.uri) for r in (await operator.list_resources()).resources}
            assert listed == {"agor://board", "agor://changes"}
            assert "Core work" in board_titles(await read(operator, "agor://board"))
            with pytest.raises(Exception, match="no resource"):
                await operator.read_resource("agor://inbox")

    anyio.run(go)


def test_a_subscription_is_told_of_changes_another_process_makes(store: agor.Store) -> None:
    db = location(store)
    mgr = store.as_agent("mgr-1")

    async def go() -> None:
        updates = Updates()
        async with stdio(db, "dev-1", updates) as dev:
            await subscribe(dev, "agor://inbox")
            await subscribe(dev, "agor://board")
            # A DM to someone else and another group's task are not dev-1's to see.
            mgr.send("dev-2", "not for dev-1")
            store.as_agent("ops-1").create_task("Ops only")
            mgr.send("dev-1", "for you")
            await updates.until("agor://inbox")
            assert updates.uris == ["agor://inbox"], updates.uris
            assert [m["content"] for m in await read(dev, "agor://inbox")] == ["for you"]
            mgr.create_task("New on the board")
            await updates.until("agor://board")
            assert "New on the board" in board_titles(await read(dev, "agor://board"))
            # Unsubscribed: no more updates of the inbox.
            await unsubscribe(dev, "agor://inbox")
            mgr.send("dev-1", "unheard")
            mgr.create_task("Heard")
            count = updates.uris.count("agor://board")
            with anyio.fail_after(10):
                while updates.uris.count("agor://board") == count:
                    await anyio.sleep(0.05)
            assert updates.uris.count("agor://inbox") == 1, updates.uris

    anyio.run(go)


def test_subscriptions_over_http_are_bounded_per_principal(store: agor.Store) -> None:
    db = location(store)
    secrets = {a: store.issue_token(a) for a in ("dev-1", "dev-2")}

    async def go(url: str) -> None:
        first, second, other = Updates(), Updates(), Updates()
        async with http(url, secrets["dev-1"], first) as a, http(url, secrets["dev-1"], second) as b, \
                http(url, secrets["dev-2"], other) as c:
            await subscribe(a, "agor://changes")
            # dev-1 follows the feed once already, the most --max-streams-per-principal 1 lets it.
            with pytest.raises(Exception, match="streams open"):
                await subscribe(b, "agor://changes")
            await subscribe(c, "agor://changes")
            store.as_agent("mgr-1").create_task("Seen by both")
            await first.until("agor://changes")
            await other.until("agor://changes")
            # Its one follower gone, dev-1 may subscribe in another session.
            await unsubscribe(a, "agor://changes")
            with anyio.fail_after(10):
                while True:
                    try:
                        await subscribe(b, "agor://changes")
                        break
                    except Exception:
                        await anyio.sleep(0.1)
            store.as_agent("mgr-1").create_task("Seen by the second")
            await second.until("agor://changes")

    with http_server(db, "--max-streams-per-principal", "1") as url:
        anyio.run(go, url)


def test_a_2026_client_listens_for_the_resources_it_may_read(store: agor.Store) -> None:
    # The 2026-07-28 revision: `server/discover`, then `subscriptions/listen`.
    from mcp.client.client import Client

    db = location(store)
    mgr = store.as_agent("mgr-1")

    async def go() -> None:
        env = {k: v for k, v in os.environ.items() if k != "BTMSG_AGENT_ID"}
        params = StdioServerParameters(command=AGOR, args=["mcp", "--db", db, "--agent", "dev-1"], env=env)
        async with Client(params) as client:
            uris = ["agor://inbox", "agor://board", "agor://elsewhere"]
            async with client.listen(resource_subscriptions=uris) as sub:
                assert sorted(sub.honored.resource_subscriptions or []) == ["agor://board", "agor://inbox"]
                events = aiter(sub)
                # Each resource is announced once when the listen starts (re-read it then).
                with anyio.fail_after(10):
                    first = sorted([(await anext(events)).uri for _ in range(2)])
                assert first == ["agor://board", "agor://inbox"]
                mgr.send("dev-2", "not dev-1's")
                mgr.send("dev-1", "for dev-1")
                with anyio.fail_after(10):
                    assert (await anext(events)).uri == "agor://inbox"

    anyio.run(go)
