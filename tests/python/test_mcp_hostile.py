"""`agor mcp` under clients that misbehave (issue 19, SPEC §2.2 and §11): connections that never
finish a request, floods of sessions, another agent's session id, a browser's foreign Origin,
garbage on stdio and HTTP. Each test drives the real server process and names the item of
issue 19 it covers; the last one floods the server from one agent while another agent's calls
must keep answering within a second each.

The server is the `agor` console script, or the native binary named by `$AGOR_MCP`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.parse
from typing import Any, Callable

import anyio
import pytest

import agor
from conftest import location
from test_mcp import AGOR, http_server, http_session, ok, post, run, stdio_session

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
SERVER_INFO = "io.modelcontextprotocol/serverInfo"
# What a 2026-07-28 client puts in every request: no session, the version in `_meta`.
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


# --- raw HTTP, for what a well-behaved client never sends ----------------------------------


class Answer:
    """One HTTP answer: status, headers (lower-case names) and the JSON it carries (the JSON
    body, or the JSON-RPC message of an event stream)."""

    def __init__(self, status: int, headers: dict[str, str], text: str) -> None:
        self.status, self.headers, self.text = status, headers, text

    @property
    def json(self) -> Any:
        if self.headers.get("content-type", "").startswith("text/event-stream"):
            for line in self.text.splitlines():
                if line.startswith("data:") and line[5:].strip():
                    return json.loads(line[5:])
            return None
        return json.loads(self.text) if self.text else None


def request(
    url: str,
    method: str = "POST",
    body: Any = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on its own connection (http.client: nothing pooled, nothing retried)."""
    import http.client

    u = urllib.parse.urlsplit(url)
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if secret:
        h["Authorization"] = f"Bearer {secret}"
    h.update(headers or {})
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, u.path, body=data, headers=h)
        r = conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode())
    finally:
        conn.close()


def open_session(url: str, secret: str) -> str:
    """Initializes a session the legacy way; returns its id."""
    a = request(url, body=INIT, secret=secret)
    assert a.status == 200, (a.status, a.text)
    sid = a.headers["mcp-session-id"]
    assert request(url, body=INITIALIZED, secret=secret, headers={"Mcp-Session-Id": sid}).status == 202
    return sid


def call(url: str, secret: str, tool: str, sid: str | None = None, timeout: float = 30, **arguments: Any) -> Answer:
    """`tools/call` in session `sid`, or stateless (the 2026-07-28 way) without one."""
    params: dict[str, Any] = {"name": tool, "arguments": arguments}
    headers = {"Mcp-Session-Id": sid} if sid else {
        "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool}
    if not sid:
        params["_meta"] = MODERN_META
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}
    return request(url, body=body, secret=secret, headers=headers, timeout=timeout)


def port_of(url: str) -> int:
    return urllib.parse.urlsplit(url).port or 80


def connect(url: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port_of(url)), timeout=30)
    return s


def closed_within(s: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Reads until the server closes `s`; whether that happened within `seconds`, and what
    it sent."""
    s.settimeout(seconds)
    got = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                return True, got
            got += chunk
    except (socket.timeout, TimeoutError):
        return False, got
    except OSError:  # reset: closed too
        return True, got
    return False, got


def half_sent_head(url: str) -> socket.socket:
    s = connect(url)
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
    return s


def half_sent_body(url: str, secret: str) -> socket.socket:
    s = connect(url)
    s.sendall(
        (
            f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port_of(url)}\r\nAuthorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            "Content-Length: 1000\r\n\r\n{\"jsonrpc\": "
        ).encode()
    )
    return s


# --- item 5: connections and sessions are bounded, and time out -----------------------------


def test_idle_and_half_sent_connections_are_closed_in_time(store: agor.Store) -> None:
    # issue 19 item 5: before, 300 half-sent requests were still open after 40 s.
    secret = store.issue_token("dev-1")
    with http_server(location(store), "--header-timeout", "1") as url:
        idle, head, body = connect(url), half_sent_head(url), half_sent_body(url, secret)
        started = time.monotonic()
        assert closed_within(idle, 10)[0], "an idle connection was kept"
        assert closed_within(head, 10)[0], "a half-sent request head was kept"
        closed, answer = closed_within(body, 10)
        assert closed, "a half-sent request body was kept"
        assert time.monotonic() - started < 10
        # The half-sent body is told why, as a JSON-RPC error.
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"--header-timeout" in answer and b'"code":-32600' in answer
        # The server still serves.
        assert request(url, body=INIT, secret=secret).status == 200


def test_connections_over_the_cap_get_503_at_once(store: agor.Store) -> None:
    # issue 19 item 5: before, idle connections used up the process's descriptors and real
    # agents were locked out without an answer.
    secret = store.issue_token("dev-1")
    with http_server(location(store), "--max-connections", "4", "--header-timeout", "2") as url:
        held = [connect(url) for _ in range(4)]
        time.sleep(0.3)
        started = time.monotonic()
        over = request(url, body=INIT, secret=secret, timeout=5)
        assert time.monotonic() - started < 1, "a connection over the cap waited"
        assert over.status == 503 and over.json["error"]["kind"] == "busy"
        assert "--max-connections" in over.json["error"]["message"]
        # The idle ones time out, and their places serve again.
        assert all(closed_within(s, 10)[0] for s in held)
        assert request(url, body=INIT, secret=secret).status == 200


def test_sessions_are_bounded_per_agent_and_per_server(store: agor.Store) -> None:
    # issue 19 item 5: before, one agent opened sessions without end (~52 kB each, ~1,000/s).
    dev, mgr, ops = (store.issue_token(a) for a in ("dev-1", "mgr-1", "ops-1"))
    with http_server(location(store), "--max-sessions-per-agent", "2", "--max-sessions", "3") as url:
        first, _second = open_session(url, dev), open_session(url, dev)
        third = request(url, body=INIT, secret=dev)
        assert third.status == 429 and third.json["error"]["kind"] == "busy"
        assert "--max-sessions-per-agent" in third.json["error"]["message"]
        # Another agent is not held back by dev-1's sessions, until the server's bound.
        open_session(url, mgr)
        full = request(url, body=INIT, secret=ops)
        assert full.status == 503 and "--max-sessions" in full.json["error"]["message"]
        # Stateless calls open no session: they still work at the bound.
        assert call(url, ops, "whoami").json["result"]["structuredContent"]["result"]["id"] == "ops-1"
        # Ending a session frees its place.
        assert request(url, "DELETE", secret=dev, headers={"Mcp-Session-Id": first}).status in (200, 202, 204)
        open_session(url, dev)


def test_idle_sessions_expire_and_free_their_place(store: agor.Store) -> None:
    # issue 19 item 5
    secret = store.issue_token("dev-1")
    with http_server(location(store), "--session-timeout", "1", "--max-sessions-per-agent", "1") as url:
        sid = open_session(url, secret)
        assert call(url, secret, "whoami", sid).status == 200
        time.sleep(2.5)
        assert call(url, secret, "whoami", sid).status == 404
        open_session(url, secret)


# --- item 6: a session is its agent's -------------------------------------------------------


def test_another_agents_session_id_is_refused(store: agor.Store) -> None:
    # issue 19 item 6: before, ops-1 (another group) reusing dev-1's session id with its own
    # secret received dev-1's pending `wait` result and could end its session with DELETE.
    db = location(store)
    dev, ops = store.issue_token("dev-1"), store.issue_token("ops-1")
    with http_server(db) as url:
        sid = open_session(url, dev)
        waited: dict[str, Answer] = {}
        waiter = threading.Thread(
            target=lambda: waited.setdefault("a", call(url, dev, "wait", sid, kinds=["message"], timeout_secs=20))
        )
        waiter.start()
        time.sleep(0.5)
        # Whatever the method, dev-1's session does not exist for ops-1.
        assert call(url, ops, "whoami", sid).status == 404
        assert request(url, "GET", secret=ops, headers={"Mcp-Session-Id": sid}, timeout=5).status == 404
        gone = request(url, "DELETE", secret=ops, headers={"Mcp-Session-Id": sid})
        assert gone.status == 404 and gone.json["error"]["kind"] == "not_found"
        # dev-1's wait gets its message, and its session goes on.
        store.as_agent("mgr-1").send("dev-1", "for dev-1 only")
        waiter.join(timeout=30)
        result = waited["a"].json["result"]["structuredContent"]["result"]
        assert [c["event"] for c in result] == ["message_sent"]
        mine = call(url, dev, "whoami", sid)
        assert mine.status == 200 and mine.json["result"]["structuredContent"]["result"]["id"] == "dev-1"


# --- item 12: the browser rule --------------------------------------------------------------


def test_a_foreign_origin_gets_403(store: agor.Store) -> None:
    # issue 19 item 12: before, a request with Origin https://evil.example.com was served (200).
    secret = store.issue_token("dev-1")
    with http_server(location(store)) as url:
        for method, body in (("POST", INIT), ("GET", None), ("DELETE", None)):
            a = request(url, method, body, secret, headers={"Origin": "https://evil.example.com"})
            assert a.status == 403, (method, a.status, a.text)
            assert a.json["error"]["kind"] == "permission_denied"
            assert "--allow-origin" in a.json["error"]["message"]
        # Without a secret too: a browser learns nothing.
        assert request(url, body=INIT, headers={"Origin": "http://localhost:1"}).status == 403
        # The server's own origin and a request without Origin (a CLI client) are served.
        own = f"http://127.0.0.1:{port_of(url)}"
        assert request(url, body=INIT, secret=secret, headers={"Origin": own}).status == 200
        assert request(url, body=INIT, secret=secret).status == 200


def test_the_operator_admits_a_browser_origin(store: agor.Store) -> None:
    # issue 19 item 12
    secret = store.issue_token("dev-1")
    with http_server(location(store), "--allow-origin", "http://localhost:3000") as url:
        assert request(url, body=INIT, secret=secret, headers={"Origin": "http://localhost:3000"}).status == 200
        assert request(url, body=INIT, secret=secret, headers={"Origin": "http://localhost:3001"}).status == 403
    p = subprocess.run([AGOR, "mcp", "--http", "127.0.0.1:0", "--allow-origin", "localhost:3000"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "scheme" in p.stderr


# --- item 13: annotations, _meta, server/discover -------------------------------------------


def test_every_tool_is_annotated_from_the_catalogue(store: agor.Store) -> None:
    # issue 19 item 13: before, no tool carried annotations.
    async def go() -> None:
        async with stdio_session(location(store), "dev-1", "--profile", "all") as s:
            tools = {t.name: t for t in (await s.list_tools()).tools}
        async with stdio_session(location(store), None) as s:
            tools.update({t.name: t for t in (await s.list_tools()).tools})
        catalogue = {op["name"]: op for op in agor.operations()}
        assert set(tools) == set(catalogue)
        for name, op in catalogue.items():
            a = tools[name].annotations
            assert a is not None, name
            assert op["effect"] in ("reads", "adds", "sets", "removes"), name
            assert a.read_only_hint is (op["effect"] == "reads"), name
            assert a.destructive_hint is (op["effect"] == "removes"), name
            assert a.idempotent_hint is (op["effect"] != "adds"), name
            assert a.open_world_hint is False, name
            assert a.title and tools[name].title == a.title, name
        destructive = {n for n, op in catalogue.items() if op["effect"] == "removes"}
        assert {"purge_agent", "delete_task", "delete_message", "revoke_tokens", "clear_dead_letters"} <= destructive
        assert all(catalogue[n]["effect"] == "reads" for n in catalogue if n.startswith(("list_", "get_")))
        assert tools["purge_agent"].annotations.title == "Purge agent"

    run(go)


def test_every_result_carries_the_server_name_and_version(store: agor.Store) -> None:
    # issue 19 item 13: before, results had no `_meta`.
    db = location(store)
    secret = store.issue_token("dev-1")

    def check(meta: Any) -> None:
        assert meta and meta[SERVER_INFO]["name"] == "agor" and meta[SERVER_INFO]["version"], meta

    async def go(url: str) -> None:
        async with stdio_session(db, "dev-1") as s:
            check((await s.call_tool("whoami", {})).meta)
            check((await s.call_tool("send", {"to": "nobody", "content": "x"})).meta)  # a tool error
            check((await s.list_tools()).meta)
        async with http_session(url, secret) as s:
            check((await s.call_tool("whoami", {})).meta)

    with http_server(db) as url:
        run(go, url)


def test_server_discover_answers_statelessly_and_initialize_still_works(store: agor.Store) -> None:
    # issue 19 item 13: the 2026-07-28 revision (stateless, `server/discover`) beside the older
    # clients that send `initialize`.
    db = location(store)
    secret = store.issue_token("dev-1")
    discover = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": MODERN_META}}
    with http_server(db) as url:
        a = request(url, body=discover, secret=secret,
                    headers={"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"})
        assert a.status == 200 and "mcp-session-id" not in a.headers
        assert "2026-07-28" in a.json["result"]["supportedVersions"]
        assert a.json["result"]["_meta"][SERVER_INFO]["name"] == "agor"
        # A stateless call acts as the secret's agent and carries the server's name too.
        r = call(url, secret, "whoami").json["result"]
        assert r["structuredContent"]["result"]["id"] == "dev-1"
        assert r["_meta"][SERVER_INFO]["name"] == "agor"
        assert "serverInfo" in request(url, body=INIT, secret=secret).json["result"]
    # stdio: discover, then a call, without initialize.
    lines = [discover, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                        "params": {"name": "whoami", "arguments": {}, "_meta": MODERN_META}}]
    p = subprocess.run([AGOR, "mcp", "--db", db, "--agent", "dev-1"], capture_output=True, text=True, timeout=60,
                       input="".join(json.dumps(line) + "\n" for line in lines))
    answers = {a["id"]: a for a in map(json.loads, p.stdout.splitlines())}
    assert "2026-07-28" in answers[1]["result"]["supportedVersions"]
    assert answers[2]["result"]["structuredContent"]["result"]["id"] == "dev-1"
    assert answers[2]["result"]["_meta"][SERVER_INFO]["name"] == "agor"


# --- item 14: garbage gets JSON-RPC errors, and the session goes on -------------------------


def stdio(db: str, lines: list[bytes]) -> list[dict]:
    """Runs the stdio server on `lines` (after initialize); returns its answers."""
    head = [json.dumps(INIT).encode(), json.dumps(INITIALIZED).encode()]
    whoami = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                         "params": {"name": "whoami", "arguments": {}}}).encode()
    p = subprocess.run([AGOR, "mcp", "--db", db, "--agent", "dev-1"], capture_output=True, timeout=120,
                       input=b"\n".join(head + lines + [whoami]) + b"\n")
    assert p.returncode == 0, p.stderr
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    # The session went on after the bad lines: the call after them is answered.
    assert any(a.get("id") == 2 and a["result"]["structuredContent"]["result"]["id"] == "dev-1" for a in answers)
    return [a for a in answers if "error" in a]


def test_stdio_invalid_utf8_gets_a_parse_error(store: agor.Store) -> None:
    # issue 19 item 14: before, the session ended without a word.
    errors = stdio(location(store), [b'{"jsonrpc": "2.0", "id": 9, "method": "\xff\xfe"}'])
    assert [e["error"]["code"] for e in errors] == [-32700]
    assert "UTF-8" in errors[0]["error"]["message"]


def test_stdio_a_line_over_16_mib_gets_an_error(store: agor.Store) -> None:
    # issue 19 item 14: before, no JSON-RPC error came back.
    line = b'{"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {"x": "' + b"y" * (17 << 20) + b'"}}'
    errors = stdio(location(store), [line])
    assert [e["error"]["code"] for e in errors] == [-32600]
    assert "--max-request-bytes" in errors[0]["error"]["message"]


def test_stdio_a_batch_gets_an_error(store: agor.Store) -> None:
    # issue 19 item 14
    errors = stdio(location(store), [b'[{"jsonrpc": "2.0", "id": 9, "method": "ping"}]'])
    assert [e["error"]["code"] for e in errors] == [-32600]
    assert "batch" in errors[0]["error"]["message"] and errors[0]["id"] is None


def test_http_a_batch_gets_a_json_rpc_error(store: agor.Store) -> None:
    # issue 19 item 14: before, a plain-text 415.
    secret = store.issue_token("dev-1")
    with http_server(location(store)) as url:
        status, body = post(url, json.dumps([INIT]).encode(), secret)
        assert status == 400 and body["error"]["code"] == -32600, body
        assert "batch" in body["error"]["message"]


def test_http_an_object_id_gets_a_json_rpc_error(store: agor.Store) -> None:
    # issue 19 item 14: before, a plain-text 415.
    secret = store.issue_token("dev-1")
    with http_server(location(store)) as url:
        for bad_id in ({"a": 1}, [1], 1.5):
            status, body = post(url, json.dumps({**INIT, "id": bad_id}).encode(), secret)
            assert status == 400 and body["error"]["code"] == -32600, (bad_id, body)
            assert '"id"' in body["error"]["message"]


def test_http_the_bearer_scheme_is_case_insensitive(store: agor.Store) -> None:
    # issue 19 item 14: before, `bearer` in lower case was refused (401).
    secret = store.issue_token("dev-1")
    with http_server(location(store)) as url:
        for scheme in ("bearer", "BEARER", "Bearer"):
            a = request(url, body=INIT, headers={"Authorization": f"{scheme} {secret}"})
            assert a.status == 200, (scheme, a.status, a.text)
        assert request(url, body=INIT, headers={"Authorization": f"Basic {secret}"}).status == 401


# --- the hostile client ---------------------------------------------------------------------


def flood_sessions(url: str, secret: str) -> None:
    """Opens sessions as fast as it can: past the agent's bound, each is refused at once."""
    for _ in range(100):
        a = request(url, body=INIT, secret=secret, timeout=10)
        assert a.status in (200, 429), (a.status, a.text)


def flood_idle_connections(url: str, secret: str) -> None:
    """Opens connections and sends nothing."""
    held = [connect(url) for _ in range(60)]
    time.sleep(3)
    for s in held:
        s.close()


def flood_half_sent_requests(url: str, secret: str) -> None:
    """Starts requests and never finishes them."""
    held = [half_sent_head(url) for _ in range(20)] + [half_sent_body(url, secret) for _ in range(20)]
    time.sleep(3)
    for s in held:
        s.close()


def flood_deep_queries(url: str, secret: str) -> None:
    """Search queries nested thousands of parentheses deep (issue 19 item 1)."""
    for depth in (3_000, 20_000):
        query = "(" * depth + "x" + ")" * depth
        a = call(url, secret, "search", query=query, timeout=10)
        assert a.status == 200 and a.json["result"]["isError"], a.text[:300]
        assert a.json["result"]["structuredContent"]["error"]["kind"] == "invalid_input"
    chain = " OR ".join(f"w{i}" for i in range(5_000))
    a = call(url, secret, "search", query=chain, timeout=10)
    assert a.status == 200, a.text[:300]
    if a.json["result"]["isError"]:
        assert a.json["result"]["structuredContent"]["error"]["kind"] == "invalid_input"


def flood_huge_paths(url: str, secret: str) -> None:
    """Hundreds of reserved patterns and paths of tens of kilobytes (issue 19 item 3)."""
    patterns = [f"src/*{i}*/**/*.rs" for i in range(256)]
    call(url, secret, "reserve", paths=patterns, timeout=10)
    huge = "a/" * 15_000
    for tool, args in (("reservations", {"path": huge}), ("reserve", {"paths": [huge]})):
        a = call(url, secret, tool, timeout=10, **args)
        assert a.status == 200, a.text[:300]


def flood_waits(url: str, secret: str) -> None:
    """Waits without a timeout whose clients go away, round after round: 360 in all, more than
    the server has blocking threads (issue 19 item 2: each kept a thread, a watcher and an
    inotify instance after its client left, until others' calls were no longer answered)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "wait", "arguments": {"kinds": ["message"]}, "_meta": MODERN_META}}).encode()
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port_of(url)}\r\nAuthorization: Bearer {secret}\r\n"
        "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: wait\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    for _ in range(6):
        held = []
        for _ in range(60):
            s = connect(url)
            s.sendall(head + body)
            held.append(s)
        time.sleep(0.5)
        for s in held:
            s.close()


FLOODS: dict[str, Callable[[str, str], None]] = {
    "sessions": flood_sessions,
    "idle_connections": flood_idle_connections,
    "half_sent_requests": flood_half_sent_requests,
    # These three depend on the fixes of issue 19 items 1 (deep queries), 3 (paths) and
    # 2 (waits).
    "deep_queries": flood_deep_queries,
    "huge_paths": flood_huge_paths,
    "waits": flood_waits,
}


@pytest.mark.parametrize("floods", [*[[name] for name in FLOODS], list(FLOODS)], ids=[*FLOODS, "all"])
def test_a_hostile_agent_cannot_stop_or_slow_another(store: agor.Store, floods: list[str]) -> None:
    # issue 19 "Done when": dev-1 floods the server; ops-1 (another group) keeps being answered,
    # each call within a second. All floods at once stay under the server's connection cap
    # (256; with about 160 held open): past it every new connection is refused by design.
    db = location(store)
    hostile, other = store.issue_token("dev-1"), store.issue_token("ops-1")
    failures: list[BaseException] = []
    done = threading.Event()

    def flood(fn: Callable[[str, str], None], url: str) -> None:
        try:
            fn(url, hostile)
        except BaseException as e:  # reported by the main thread
            failures.append(e)

    async def keep_calling(url: str) -> list[float]:
        latencies = []
        async with http_session(url, other) as s:
            assert (await ok(s, "whoami"))["id"] == "ops-1"
            threads = [threading.Thread(target=flood, args=(FLOODS[f], url), daemon=True) for f in floods]
            for t in threads:
                t.start()
            threading.Thread(target=lambda: ([t.join() for t in threads], done.set()), daemon=True).start()
            started = time.monotonic()
            while not done.is_set() or time.monotonic() - started < 3:
                t0 = time.monotonic()
                with anyio.fail_after(1):
                    assert (await ok(s, "whoami"))["id"] == "ops-1"
                latencies.append(time.monotonic() - t0)
                await anyio.sleep(0.1)
                assert time.monotonic() - started < 120, "the floods did not end"
        return latencies

    # The server's default bounds: they are what protects a team that sets none.
    with http_server(db) as url:
        latencies = run(keep_calling, url)
        assert not failures, failures
        assert max(latencies) < 1
        # After the flood, a new client of the other agent is served too.
        assert call(url, other, "whoami").status == 200
