"""Friction of the MCP server's HTTP transport and the Python package (issue 21 item 4): a
session's end answers 200/204 (the official client reported 202 as a failure), every request
is logged on stderr without its secret, a bind beyond loopback warns that there is no TLS,
and `agor` exports no stray public names such as `annotations`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import agor
from conftest import location
from test_mcp import http_server, http_server_logged, http_session, ok, post, run

INIT = json.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
).encode()


def request(url: str, method: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def lines_within(log: list[str], wanted, seconds: float = 10) -> list[str]:
    """The log once `wanted(log)` holds (the server writes its lines as requests end)."""
    deadline = time.monotonic() + seconds
    while not wanted(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(log)


def test_ending_a_session_answers_204(file_store: agor.Store) -> None:
    # issue 21 item 4: on 9043fc3 DELETE answered 202, which the official client logs as
    # "Session termination failed: 202" on every close.
    secret = file_store.issue_token("dev-1")
    auth = {"Authorization": f"Bearer {secret}", "Accept": "application/json, text/event-stream"}
    with http_server(location(file_store)) as url:
        status, headers = request(url, "POST", {**auth, "Content-Type": "application/json"}, INIT)
        assert status == 200
        session = {k.lower(): v for k, v in headers.items()}["mcp-session-id"]
        status, _ = request(url, "DELETE", {**auth, "Mcp-Session-Id": session})
        assert status in (200, 204), status
        # The session is gone.
        ping = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}).encode()
        headers = {**auth, "Content-Type": "application/json", "Mcp-Session-Id": session}
        assert request(url, "POST", headers, ping)[0] == 404


def test_each_request_is_logged_without_its_secret(file_store: agor.Store) -> None:
    # issue 21 item 4: on 9043fc3 the server logged no requests.
    secret = file_store.issue_token("dev-1")

    async def go(url: str) -> None:
        async with http_session(url, secret) as dev:
            assert (await ok(dev, "whoami"))["id"] == "dev-1"

    with http_server_logged(location(file_store)) as (url, log):
        run(go, url)
        assert post(url, INIT, "agor_" + "0" * 64)[0] == 401
        lines = lines_within(log, lambda l: any(" 401 " in x for x in l))
    requests = [line for line in lines if line.startswith("agor mcp: POST /mcp") or " DELETE " in line]
    assert any(line.startswith("agor mcp: POST /mcp 200 dev-1 ") and line.rstrip().endswith("ms") for line in requests), lines
    assert any(line.startswith("agor mcp: POST /mcp 401 - ") for line in requests), lines
    assert any(line.startswith("agor mcp: DELETE /mcp 204 dev-1 ") for line in requests), lines
    assert not any(secret in line or secret[len("agor_"):][:16] in line for line in lines)


def test_a_bind_beyond_loopback_warns_that_there_is_no_tls(file_store: agor.Store) -> None:
    # issue 21 item 4: on 9043fc3 `--http 0.0.0.0:PORT` started without a word.
    with http_server_logged(location(file_store), addr="0.0.0.0:0") as (_url, log):
        lines = lines_within(log, lambda l: len(l) >= 2)
    assert "no TLS" in "".join(lines), lines
    with http_server_logged(location(file_store)) as (url, log):
        assert post(url, INIT, None)[0] == 401
        lines = lines_within(log, lambda l: len(l) >= 2)
    assert "no TLS" not in "".join(lines), lines


def test_the_package_exports_no_stray_names() -> None:
    # issue 21 item 4: on 9043fc3 `agor.annotations` (the `__future__` feature) was public.
    assert not hasattr(agor, "annotations")
    assert not hasattr(agor.errors, "annotations")
    stray = {n for n in dir(agor) if not n.startswith("_")} - set(agor.__all__) - {"errors"}
    assert not stray, stray
