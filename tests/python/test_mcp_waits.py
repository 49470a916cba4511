"""`wait` over `agor mcp --http` under a client that leaves its waits behind (issue 19 item 2):
the server's waits share one watcher and one connection, are capped per agent with a clear
tool error, and end when their client goes, so the server's threads and files go back down
and other agents keep being answered."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import anyio

import agor
from conftest import location
from test_mcp import AGOR, http_session, ok, run


@contextmanager
def http_server_process(db: str) -> Iterator[tuple[str, int]]:
    """`agor mcp --http 127.0.0.1:0`; yields its /mcp URL and its pid."""
    proc = subprocess.Popen(
        [AGOR, "mcp", "--db", db, "--http", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "serving http://" in line, line + proc.stderr.read()
        # The server logs every request on stderr: drain it, or a full pipe stalls the server.
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        yield line.split("serving ", 1)[1].strip(), proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def threads_and_fds(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    threads = int(next(l for l in status.splitlines() if l.startswith("Threads:")).split()[1])
    return threads, len(list(Path(f"/proc/{pid}/fd").iterdir()))


WAITERS = ("dev-1", "dev-2", "arch-1", "rev-1", "boss", "ops-1")
PER_AGENT = 34  # more than the server's cap of 32 concurrent waits per agent


def test_abandoned_waits_end_with_their_client_and_others_keep_being_answered(store: agor.Store) -> None:
    # issue 19 item 2: on 6c22b7e each wait kept a thread, a watcher, an inotify instance and a
    # connection after its client left (hundreds of threads; the user's inotify instances ran
    # out), and another agent's call went unanswered.
    db = location(store)
    secrets = {a: store.issue_token(a) for a in WAITERS + ("mgr-1",)}

    async def go(url: str, pid: int) -> None:
        async with http_session(url, secrets["mgr-1"]) as mgr:
            await ok(mgr, "whoami")
            await ok(mgr, "wait", timeout_secs=0.01)
            base_threads, base_fds = threads_and_fds(pid)
            refused: list[str] = []

            async def wait_forever(session: Any) -> None:
                res = await session.call_tool("wait", {})
                if res.is_error:
                    refused.append(res.structured_content["error"]["message"])

            async def abandon(agent: str) -> None:
                async with http_session(url, secrets[agent]) as s:
                    async with anyio.create_task_group() as tg:
                        for _ in range(PER_AGENT):
                            tg.start_soon(wait_forever, s)
                        await anyio.sleep(3)
                        # Another agent is answered while ~200 waits run.
                        started = time.monotonic()
                        me = await ok(mgr, "whoami")
                        assert me["id"] == "mgr-1"
                        assert time.monotonic() - started < 1.0, "whoami waited behind the waits"
                        tg.cancel_scope.cancel()
                # Leaving the session: the client goes away with its waits still running.

            async with anyio.create_task_group() as tg:
                for agent in WAITERS:
                    tg.start_soon(abandon, agent)
            assert len(refused) == len(WAITERS) * (PER_AGENT - 32), refused
            assert all("waits running" in m for m in refused), refused

            # The waits end with their clients: threads and files go back down (tokio keeps an
            # idle blocking thread for 10 s).
            deadline = time.monotonic() + 40
            while True:
                threads, fds = threads_and_fds(pid)
                if threads <= base_threads + 8 and fds <= base_fds + 8:
                    break
                assert time.monotonic() < deadline, (
                    f"after the clients left: {threads} threads (from {base_threads}), "
                    f"{fds} files (from {base_fds})"
                )
                await anyio.sleep(0.5)
            started = time.monotonic()
            await ok(mgr, "whoami")
            assert time.monotonic() - started < 1.0

    with http_server_process(db) as (url, pid):
        run(go, url, pid)


def test_waits_of_a_session_end_when_their_connections_drop(store: agor.Store) -> None:
    # issue 19 item 2: a client that drops its connections without ending its session or
    # cancelling its calls. A session's calls run on the session's task, not the request's,
    # so on 6c22b7e (and before the connection watch) such waits ran until the session
    # expired, holding the agent's wait slots: its next wait was refused for 30 minutes.
    from test_mcp_hostile import call, connect, open_session, port_of

    db = location(store)
    secret = store.issue_token("dev-1")
    with http_server_process(db) as (url, _pid):
        sid = open_session(url, secret)

        def wait_forever(request_id: int) -> bytes:
            body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
                               "params": {"name": "wait", "arguments": {"kinds": ["message"]}}}).encode()
            return (
                f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port_of(url)}\r\nAuthorization: Bearer {secret}\r\n"
                "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                f"Mcp-Session-Id: {sid}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body

        held = []
        for request_id in range(100, 132):  # the server's cap on one agent's waits
            s = connect(url)
            s.sendall(wait_forever(request_id))
            held.append(s)
        refused = "waits running"
        # A probe is a wait too: sent before all 32 hold their slots, it would take one of
        # theirs and the last of them would be refused instead.
        time.sleep(2)
        deadline = time.monotonic() + 10
        while refused not in call(url, secret, "wait", sid, timeout_secs=0.01).text:
            assert time.monotonic() < deadline, "the 32 waits never all started"
            time.sleep(0.2)
        for s in held:
            s.close()
        # The waits end with their connections: the agent may wait again.
        deadline = time.monotonic() + 10
        while True:
            answer = call(url, secret, "wait", sid, timeout_secs=0.01)
            assert answer.status == 200, answer.text
            if refused not in answer.text:
                break
            assert time.monotonic() < deadline, "the dropped waits still hold the agent's slots"
            time.sleep(0.2)
