"""Two coding agents working through `agor mcp --http`, played with the official MCP client (the
README's quick start runs it): the lead creates a task for the developer and tells it so; the
developer, blocked in `wait`, wakes, reads the message, claims the task, completes it and
replies; the lead's own `wait` brings the reply.

usage: python3 scripts/quickstart_agents.py URL LEAD_SECRET DEV_SECRET
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


class Agent:
    """One agent's MCP session: `call` runs a tool and returns its result or raises."""

    def __init__(self, name: str, session: ClientSession) -> None:
        self.name, self.session = name, session

    async def call(self, tool: str, **arguments: Any) -> Any:
        res = await self.session.call_tool(tool, arguments)
        body = res.structured_content or json.loads(res.content[0].text)
        if res.is_error:
            raise RuntimeError(f"{self.name}: {tool} failed: {body['error']['message']}")
        return body["result"]

    def say(self, what: str) -> None:
        print(f"{self.name:>5}: {what}", flush=True)


async def connected(url: str, secret: str, name: str, run: Any) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await run(Agent(name, session))


async def developer(dev: Agent, ready: anyio.Event) -> None:
    me = await dev.call("whoami")
    since = await dev.call("latest_change")
    dev.say(f"I am {me['id']} ({me['role']}); waiting for work")
    ready.set()
    changes = await dev.call("wait", kinds=["message"], since=since, timeout_secs=60)
    message = await dev.call("read", message_id=changes[0]["subject"])
    dev.say(f"got a message from {message['from_agent']}: {message['content']!r}")
    task = (await dev.call("list_tasks"))[0]
    claim = await dev.call("claim_task", task_id=task["id"])
    dev.say(f"claimed {task['title']!r}")
    await dev.call("complete_task", task_id=task["id"], token=claim["token"], summary="parser written, tests pass")
    dev.say("completed it")
    await dev.call("reply", message_id=message["id"], content="done: the parser is in")


async def lead(lead: Agent, ready: anyio.Event) -> None:
    await ready.wait()
    since = await lead.call("latest_change")
    task = await lead.call("create_task", title="Write the parser", assign_to="dev-1")
    await lead.call("send", to="dev-1", content="please take the parser task")
    lead.say(f"created {task['title']!r} for dev-1 and told it so")
    changes = await lead.call("wait", kinds=["message"], since=since, timeout_secs=60)
    reply = await lead.call("read", message_id=changes[-1]["subject"])
    lead.say(f"dev-1 answered: {reply['content']!r}")


async def main(url: str, lead_secret: str, dev_secret: str) -> None:
    # The server may still be starting: try for a few seconds.
    for attempt in range(50):
        try:
            await connected(url, lead_secret, "lead", lambda a: a.call("whoami"))
            break
        except Exception:
            if attempt == 49:
                raise
            time.sleep(0.2)
    ready = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(connected, url, dev_secret, "dev-1", lambda a: developer(a, ready))
        tg.start_soon(connected, url, lead_secret, "lead", lambda a: lead(a, ready))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    anyio.run(main, *sys.argv[1:])
