"""Onboarding a coding agent (issue 21 item 3), against the real processes on both engines:
`agor init` writes files the official MCP client starts and reaches (stdio and HTTP), hooks
that never block the agent, and its role's instructions; a claim that waits for work is woken
by another process (Python, CLI, MCP) and times out otherwise; a reviewer reads the queue.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio

import agor
from cli_runner import command_under_test
from conftest import import_or_require, location

mcp = import_or_require("mcp")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402

from test_mcp import AGOR, http_server  # noqa: E402

BTMSG = command_under_test("btmsg", "AGOR_BTMSG")
BTTASK = command_under_test("bttask", "AGOR_BTTASK")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BTMSG_AGENT_ID", "AGOR_DB")}
    env.update(extra)
    return env


def init(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AGOR, "init", *args], capture_output=True, text=True, env=clean_env(), timeout=60)


def create_later(db: str, title: str, delay: float = 0.5) -> subprocess.Popen:
    """Another process: mgr-1 creates a task after `delay` seconds."""
    code = textwrap.dedent(
        """
        import sys, time, agor
        time.sleep(float(sys.argv[3]))
        agor.open(sys.argv[1]).as_agent("mgr-1").create_task(sys.argv[2])
        """
    )
    return subprocess.Popen([sys.executable, "-c", code, db, title, str(delay)])


async def whoami_through(server: dict[str, Any]) -> str:
    """Starts or reaches the server exactly as a `.mcp.json` entry says; returns whoami's id."""
    if server["type"] == "stdio":
        params = StdioServerParameters(command=server["command"], args=server["args"], env=clean_env())
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                res = await session.call_tool("whoami", {})
    else:
        client = create_mcp_http_client(headers=server["headers"])
        async with client, streamable_http_client(server["url"], http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                res = await session.call_tool("whoami", {})
    assert not res.is_error, res.structured_content
    return res.structured_content["result"]["id"]


# issue 21 item 3: on 9043fc3 there was no `agor init` ("unknown command 'init'", exit 2).
def test_agor_init_writes_files_the_official_client_starts(store: agor.Store, tmp_path: Path) -> None:
    db = location(store)
    folder = tmp_path / "dev-1"
    done = init("--agent", "dev-1", "--db", db, "--dir", str(folder))
    assert done.returncode == 0, done.stderr
    config = json.loads((folder / ".mcp.json").read_text())
    server = config["mcpServers"]["agor"]
    assert server["type"] == "stdio"
    assert anyio.run(whoami_through, server) == "dev-1"

    # The role's instructions: a project agent is a worker; they describe the loop.
    worker = (folder / ".agor" / "worker.md").read_text()
    assert "claim_task(wait_secs=" in worker and "complete_task(" in worker
    assert not (folder / ".agor" / "manager.md").exists()

    # Every hook runs as written and exits 0; it reports the work state.
    settings = json.loads((folder / ".claude" / "settings.json").read_text())
    for event in ("SessionStart", "UserPromptSubmit", "PreToolUse", "Stop", "SessionEnd"):
        (entry,) = settings["hooks"][event]
        (hook,) = entry["hooks"]
        ran = subprocess.run(["sh", "-c", hook["command"]], capture_output=True, text=True, env=clean_env(), timeout=30)
        assert ran.returncode == 0, (event, ran.stderr)
        assert ran.stderr == "", (event, ran.stderr)
    assert store.as_agent("mgr-1").work_state("dev-1").state == "stopped"

    # Nothing is overwritten without --force, and nothing at all is written then.
    before = (folder / ".mcp.json").read_text()
    again = init("--agent", "dev-1", "--db", db, "--dir", str(folder), "--role", "manager")
    assert again.returncode == 1 and "already exist" in again.stderr, again.stderr
    assert not (folder / ".agor" / "manager.md").exists()
    assert (folder / ".mcp.json").read_text() == before
    forced = init("--agent", "dev-1", "--db", db, "--dir", str(folder), "--role", "manager", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "create_task(" in (folder / ".agor" / "manager.md").read_text()

    # It registers nobody: an unknown agent is refused, and a reviewer gets the reviewer's kit.
    unknown = init("--agent", "nobody", "--db", db, "--dir", str(tmp_path / "nobody"))
    assert unknown.returncode == 1 and "register it first" in unknown.stderr
    assert not (tmp_path / "nobody").exists()
    assert [a.id for a in store.list_agents() if a.id == "nobody"] == []
    rev = init("--agent", "rev-1", "--db", db, "--dir", str(tmp_path / "rev-1"))
    assert rev.returncode == 0, rev.stderr
    assert "review-queue" in (tmp_path / "rev-1" / ".agor" / "reviewer.md").read_text()


# issue 21 item 3: the HTTP variant, with a placeholder for the secret or an issued one.
def test_agor_init_http_variant_reaches_the_server(store: agor.Store, tmp_path: Path) -> None:
    db = location(store)
    with http_server(db) as url:
        placeholder = init("--agent", "dev-1", "--db", db, "--dir", str(tmp_path / "p"), "--http", url)
        assert placeholder.returncode == 0, placeholder.stderr
        server = json.loads((tmp_path / "p" / ".mcp.json").read_text())["mcpServers"]["agor"]
        assert server == {
            "type": "http",
            "url": url,
            "headers": {"Authorization": "Bearer ${AGOR_SECRET}"},
        }
        issued = init("--agent", "dev-1", "--db", db, "--dir", str(tmp_path / "s"), "--http", url, "--issue-secret")
        assert issued.returncode == 0, issued.stderr
        path = tmp_path / "s" / ".mcp.json"
        assert path.stat().st_mode & 0o077 == 0, "the secret is its owner's only"
        server = json.loads(path.read_text())["mcpServers"]["agor"]
        assert anyio.run(whoami_through, server) == "dev-1"


# issue 21 item 3: on 9043fc3 both exited 2, which Claude Code reads as "block the agent".
def test_a_hook_never_blocks_its_agent(store: agor.Store) -> None:
    db = location(store)
    no_identity = subprocess.run([*BTMSG, "--db", db, "state", "--hook", "Stop"], capture_output=True, text=True, env=clean_env())
    assert no_identity.returncode == 0
    assert "warning" in no_identity.stderr and "BTMSG_AGENT_ID" in no_identity.stderr
    unknown = subprocess.run(
        [*BTMSG, "--db", db, "state", "--hook", "Lunch"], capture_output=True, text=True, env=clean_env(BTMSG_AGENT_ID="dev-1")
    )
    assert unknown.returncode == 0
    assert "warning" in unknown.stderr and "Lunch" in unknown.stderr
    # Only --hook: any other usage error is still exit 2.
    other = subprocess.run([*BTMSG, "--db", db, "state", "lunch"], capture_output=True, text=True, env=clean_env(BTMSG_AGENT_ID="dev-1"))
    assert other.returncode == 2


# issue 21 item 3: on 9043fc3 claim_task had no `wait` (TypeError); a worker polled.
def test_python_claim_waits_for_a_task_another_process_creates(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    started = time.monotonic()
    assert dev.claim_task(wait=0.3) is None
    assert time.monotonic() - started >= 0.3
    maker = create_later(location(store), "Arrives later")
    try:
        claim = dev.claim_task(wait=30)
    finally:
        maker.wait(timeout=30)
    assert claim is not None and claim.task.title == "Arrives later"


# issue 21 item 3: `bttask claim --wait` (on 9043fc3: unknown option '--wait').
def test_cli_claim_waits_for_a_task_another_process_creates(store: agor.Store) -> None:
    db = location(store)
    env = clean_env(BTMSG_AGENT_ID="dev-1")
    nothing = subprocess.run([*BTTASK, "--db", db, "claim", "--wait", "0.3", "--json"], capture_output=True, text=True, env=env)
    assert nothing.returncode == 0, nothing.stderr
    assert json.loads(nothing.stdout) is None
    maker = create_later(db, "For the CLI")
    try:
        got = subprocess.run([*BTTASK, "--db", db, "claim", "--wait", "30", "--json"], capture_output=True, text=True, env=env, timeout=60)
    finally:
        maker.wait(timeout=30)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["task"]["title"] == "For the CLI"


# issue 21 item 3: the MCP tool takes `wait_secs` from the catalogue.
def test_mcp_claim_waits_for_a_task_another_process_creates(store: agor.Store) -> None:
    db = location(store)

    async def claim() -> Any:
        params = StdioServerParameters(command=AGOR, args=["mcp", "--db", db, "--agent", "dev-1"], env=clean_env())
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                nothing = await session.call_tool("claim_task", {"wait_secs": 0.3})
                assert not nothing.is_error and nothing.structured_content["result"] is None
                maker = create_later(db, "For MCP")
                try:
                    res = await session.call_tool("claim_task", {"wait_secs": 30})
                finally:
                    maker.wait(timeout=30)
                assert not res.is_error, res.structured_content
                return res.structured_content["result"]

    assert anyio.run(claim)["task"]["title"] == "For MCP"


# issue 21 item 3: on 9043fc3 rev-1 got "not a member (#review-queue)" after `complete --review`.
def test_a_reviewer_reads_the_review_queue_the_system_posts_to(store: agor.Store) -> None:
    db = location(store)
    task = store.as_agent("mgr-1").create_task("Needs review")
    dev = store.as_agent("dev-1")
    claim = dev.claim_task(task.id)
    dev.complete_task(task.id, claim.token, "done", review=True)
    shown = subprocess.run(
        [*BTMSG, "--db", db, "channel", "history", "review-queue", "--json"],
        capture_output=True,
        text=True,
        env=clean_env(BTMSG_AGENT_ID="rev-1"),
    )
    assert shown.returncode == 0, shown.stderr
    (notice,) = json.loads(shown.stdout)
    assert notice["from_agent"] == "agor" and task.id in notice["content"]


def test_the_hooks_quote_paths_with_spaces(tmp_path: Path) -> None:
    # A database under a folder with a space still reaches the hook's btmsg as one word.
    spaced = tmp_path / "my team" / "team.db"
    spaced.parent.mkdir()
    with agor.open(spaced) as s:
        s.register_agent("dev-1", "Dev", "project", "core")
    folder = tmp_path / "agent"
    assert init("--agent", "dev-1", "--db", str(spaced), "--dir", str(folder)).returncode == 0
    settings = json.loads((folder / ".claude" / "settings.json").read_text())
    command = settings["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    assert str(spaced) in shlex.split(command)
    ran = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=clean_env())
    assert ran.returncode == 0 and ran.stderr == "", ran.stderr
