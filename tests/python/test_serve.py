"""`agor serve` (issue 23) against the real binary, on both engines: the catalogue over HTTP
(`/api`, each error kind with its status), the change stream (`/events`: live, resumable,
only what the principal may see, bounded, freed when its client goes), sign-in for people
(a session cookie, never the secret), the browser-origin rule, and no secret in the output.

The server is the `agor` console script, or the native binary named by `$AGOR_MCP`.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import agor
from conftest import location
from test_mcp import AGOR
from test_mcp_waits import threads_and_fds

HUMAN = ("lead", "Lead", "human", "core")


class Server:
    """A running `agor serve`: its address, pid and what it wrote on stderr."""

    def __init__(self, url: str, pid: int, log: list[str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"http://{self.host}:{self.port}"
        self.pid = pid
        self.log = log

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict, http.client.HTTPResponse]:
        """One request; the status, the JSON answer ({} for none) and the response."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if secret:
            sent["Authorization"] = f"Bearer {secret}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        try:
            answer = json.loads(text) if text else {}
        except json.JSONDecodeError:
            answer = {"text": text}
        return response.status, answer, response

    def api(self, op: str, secret: str | None, **arguments: Any) -> tuple[int, Any]:
        status, answer, _ = self.request("POST", f"/api/{op}", arguments, secret)
        return status, answer


@contextmanager
def serve(db: str, *extra: str) -> Iterator[Server]:
    """`agor serve --http 127.0.0.1:0`; stderr is read as it comes (an undrained pipe would
    stall the server) and kept for the no-secret checks."""
    proc = subprocess.Popen(
        [AGOR, "serve", "--db", db, "--http", "127.0.0.1:0", *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "serving http://" in line, line + proc.stderr.read()
        log.append(line)
        threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True).start()
        url = line.split("serving ", 1)[1].split()[0]
        yield Server(url, proc.pid, log)
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0, "the server did not stop cleanly on SIGTERM"


class Events:
    """One `GET /events` stream read event by event (a raw socket: the test must see each
    event as it arrives and be able to drop the connection)."""

    def __init__(self, server: Server, secret: str | None = None, last_id: int | None = None,
                 cookie: str | None = None, receive_buffer: int | None = None,
                 path: str = "/events") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            # Set before connecting, so the window the server sees is this small.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect((server.host, server.port))
        head = [f"GET {path} HTTP/1.1", f"Host: {server.host}:{server.port}", "Accept: text/event-stream"]
        if secret:
            head.append(f"Authorization: Bearer {secret}")
        if cookie:
            head.append(f"Cookie: {cookie}")
        if last_id is not None:
            head.append(f"Last-Event-ID: {last_id}")
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.buffer = b""
        status_line = self._until(b"\r\n\r\n").split(b"\r\n", 1)[0]
        self.status = int(status_line.split()[1])
        self.chunked = True

    def _until(self, mark: bytes) -> bytes:
        while mark not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the stream ended")
            self.buffer += data
        found, self.buffer = self.buffer.split(mark, 1)
        return found

    def _line(self) -> bytes:
        # The body is chunked: strip the chunk framing, keep the event text.
        return self._until(b"\n")

    def next_event(self, timeout: float) -> dict[str, str]:
        """The next event with data (fields id, event, data); comments and empty events
        (the starting cursor) are skipped, the last id seen is kept in `self.last_id`."""
        self.sock.settimeout(timeout)
        fields: dict[str, str] = {}
        while True:
            line = self._line().rstrip(b"\r").decode()
            if line == "":
                if "data" in fields:
                    return fields
                fields = {}
                continue
            if line.startswith(":") or ":" not in line:
                # A comment, or chunk framing (a hex size).
                continue
            key, value = line.split(":", 1)
            if key in ("id", "event", "data", "retry"):
                fields[key] = value.strip()
                if key == "id":
                    self.last_id = int(value.strip())

    def changes(self, n: int, timeout: float) -> list[dict]:
        return [json.loads(self.next_event(timeout)["data"]) for _ in range(n)]

    def close(self) -> None:
        self.sock.close()


def team(store: agor.Store) -> dict[str, str]:
    """TEAM plus a person (`lead`, role human) and a second agent of group ops (`ops-2`); the
    secrets of some, and the operator's."""
    store.register_agent(*HUMAN)
    store.register_agent("ops-2", "Ops Two", "project", "ops")
    secrets = {a: store.issue_token(a) for a in ("lead", "mgr-1", "dev-1", "dev-2", "ops-1", "ops-2")}
    secrets["operator"] = store.call({"op": "issue_token", "operator": True})
    return secrets


# --- /api ----------------------------------------------------------------------------------


def test_get_api_lists_every_catalogue_operation(store: agor.Store) -> None:
    with serve(location(store)) as server:
        status, answer, _ = server.request("GET", "/api")
        assert status == 200
        listed = {op["name"]: op for op in answer["operations"]}
        assert sorted(listed) == sorted(op["name"] for op in agor.operations())
        assert listed["create_task"]["path"] == "/api/create_task"
        assert "title" in listed["create_task"]["request"]["properties"]


def test_api_runs_operations_and_maps_every_error_kind_to_its_status(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store), "--max-request-bytes", "4096") as server:
        # 200: the operation's own JSON response.
        status, me = server.api("whoami", secrets["dev-1"])
        assert (status, me["id"]) == (200, "dev-1")
        status, task = server.api("create_task", secrets["mgr-1"], title="Ship it")
        assert status == 200 and task["title"] == "Ship it"

        def refused(expected: int, kind: str, op: str, who: str | None, **arguments: Any) -> str:
            status, answer = server.api(op, secrets.get(who) if who else None, **arguments)
            assert (status, answer["error"]["kind"]) == (expected, kind), answer
            assert answer["error"]["message"]
            return answer["error"]["message"]

        # 401: no secret, or one agor never issued.
        refused(401, "unauthorized", "whoami", None)
        status, answer, _ = server.request("POST", "/api/whoami", {}, "agor_" + "0" * 64)
        assert (status, answer["error"]["kind"]) == (401, "unauthorized")
        # 403: the rules refuse (an agent may not issue secrets).
        refused(403, "permission_denied", "issue_token", "dev-1", agent_id="dev-2")
        # 404: no such task; a task of another group is not found either; no such operation.
        refused(404, "not_found", "get_task", "dev-1", task_id="zzzz")
        refused(404, "not_found", "get_task", "ops-1", task_id=task["id"])
        status, answer = server.api("no_such_operation", secrets["dev-1"])
        assert (status, answer["error"]["kind"]) == (404, "not_found")
        # 409: a stale version, a claim someone else holds, a lease token that is not the
        # claim's.
        refused(409, "conflict", "update_task", "mgr-1", task_id=task["id"],
                expected_version=task["version"] + 5, title="x")
        status, claim = server.api("claim_task", secrets["dev-1"], task_id=task["id"])
        assert status == 200, claim
        refused(409, "already_claimed", "claim_task", "dev-2", task_id=task["id"])
        refused(409, "lease", "renew_lease", "dev-1", task_id=task["id"], token="not-the-token")
        # 422: missing or mistyped arguments, a body that is not a JSON object, an "op".
        refused(422, "invalid_input", "create_task", "mgr-1")
        refused(422, "invalid_input", "create_task", "mgr-1", title=5)
        status, answer, _ = server.request("POST", "/api/whoami", {"op": "send"}, secrets["dev-1"])
        assert (status, answer["error"]["kind"]) == (422, "invalid_input")
        for raw in (b"[1]", b"{not json"):
            status, answer, _ = server.request("POST", "/api/whoami", secret=secrets["dev-1"], raw=raw)
            assert (status, answer["error"]["kind"]) == (422, "invalid_input"), raw
        # 413: over --max-request-bytes.
        status, answer, _ = server.request(
            "POST", "/api/create_task", {"title": "x" * 10_000}, secrets["mgr-1"]
        )
        assert (status, answer["error"]["kind"]) == (413, "invalid_input")
        # The server kept serving, and the database agrees with what /api answered.
        status, board = server.api("board", secrets["operator"])
        assert status == 200
        doing = next(c for c in board if c["status"] == "in_progress")
        assert [t["id"] for t in doing["tasks"]] == [task["id"]]
        # Other paths are not found (not refused by /mcp's authentication).
        assert server.request("GET", "/nothing-here")[0] == 404


def test_a_foreign_origin_is_refused_on_every_route(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store)) as server:
        evil = {"Origin": "http://evil.example"}
        for method, path, body in [
            ("POST", "/api/whoami", {}),
            ("POST", "/signin", {"secret": secrets["lead"]}),
            ("GET", "/events", None),
        ]:
            status, answer, _ = server.request(method, path, body, secrets["dev-1"], headers=evil)
            assert (status, answer["error"]["kind"]) == (403, "permission_denied"), path
        # The server's own origin is served.
        status, _, _ = server.request("POST", "/api/whoami", {}, secrets["dev-1"],
                                      headers={"Origin": server.origin})
        assert status == 200


# --- /events -------------------------------------------------------------------------------


def test_events_deliver_a_change_within_a_second_and_resume_without_loss_or_duplicates(
    store: agor.Store,
) -> None:
    secrets = team(store)
    mgr = store.as_agent("mgr-1")
    with serve(location(store)) as server:
        stream = Events(server, secrets["dev-1"])
        assert stream.status == 200
        started = time.monotonic()
        first = mgr.create_task("First", assign_to="dev-1")
        [change] = stream.changes(1, timeout=5)
        assert time.monotonic() - started < 1.0, "the change took over a second"
        assert (change["kind"], change["subject"]) == ("task", first.id)
        # With what dev-1 may read of it (issue 22 item 7).
        assert (change["content"]["title"], change["content"]["assignee"]) == ("First", "dev-1")
        # With the version a move of it expects (the page moves a card patched from it).
        assert change["content"]["version"] == first.version
        resume_from = stream.last_id
        stream.close()
        # Changes made while no stream is open arrive, in order and once, on resuming.
        made = [mgr.create_task(f"Task {i}").id for i in range(3)]
        resumed = Events(server, secrets["dev-1"], last_id=resume_from)
        got = resumed.changes(3, timeout=5)
        assert [c["subject"] for c in got] == made
        cursors = [c["cursor"] for c in got]
        assert cursors == sorted(set(cursors)) and cursors[0] > resume_from
        # Nothing more: a new change comes next, not one already sent.
        later = mgr.create_task("Later").id
        assert resumed.changes(1, timeout=5)[0]["subject"] == later
        resumed.close()
        # A cursor that is not one is refused.
        status, answer, _ = server.request("GET", "/events", None, secrets["dev-1"],
                                           headers={"Last-Event-ID": "soon"})
        assert (status, answer["error"]["kind"]) == (422, "invalid_input")


def test_a_paced_stream_folds_a_flood_into_flood_events_and_resumes_after_them(
    store: agor.Store,
) -> None:
    secrets = team(store)
    mgr = store.as_agent("mgr-1")
    with serve(location(store)) as server:
        paced = Events(server, secrets["dev-1"], path="/events?pace=3")
        full = Events(server, secrets["dev-1"])
        assert (paced.status, full.status) == (200, 200)
        made = [mgr.create_task(f"Flood {i}", assign_to="dev-1").id for i in range(20)]
        # Without a pace, every change, one by one.
        cursors = [c["cursor"] for c in full.changes(20, timeout=5)]
        # Paced at 3 a second: the first 3 of a second one by one, a `flood` event standing
        # for the rest when the second ends; together they account for all 20, in order, and
        # the last id is the newest change's cursor.
        events, accounted = [], 0
        while accounted < 20:
            event = paced.next_event(timeout=5)
            events.append(event)
            data = json.loads(event["data"])
            accounted += data["changes"] if event["event"] == "flood" else 1
        assert accounted == 20
        assert [e["event"] for e in events[:4]] == ["change"] * 3 + ["flood"], events
        assert [json.loads(e["data"])["subject"] for e in events[:3]] == made[:3]
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(set(ids)) and ids[-1] == cursors[-1]
        flood = json.loads(events[-1]["data"])
        assert events[-1]["event"] == "flood" and flood["cursor"] == cursors[-1]
        assert len([e for e in events if e["event"] == "change"]) < 20
        # Resuming from the flood's id gets what comes after it, nothing it stood for.
        paced.close()
        later = mgr.create_task("After the flood", assign_to="dev-1").id
        resumed = Events(server, secrets["dev-1"], last_id=ids[-1], path="/events?pace=3")
        [after] = resumed.changes(1, timeout=5)
        assert after["subject"] == later
        resumed.close()
        full.close()
        # A pace that is not one, or a parameter /events does not take, is refused.
        for query in ("pace=0", "pace=soon", "pace=100001", "pace=", "speed=3"):
            status, answer, _ = server.request("GET", f"/events?{query}", None, secrets["dev-1"])
            assert (status, answer["error"]["kind"]) == (422, "invalid_input"), query
            assert "pace" in answer["error"]["message"], answer


def test_events_carry_only_what_the_principal_may_see(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store)) as server:
        # (A stream carries the changes others make: ops-1 writes, ops-2 watches.)
        other_group = Events(server, secrets["ops-2"])
        operator = Events(server, secrets["operator"])
        store.as_agent("mgr-1").create_task("Core only")
        store.as_agent("ops-1").create_task("Ops task")
        # The operator sees both groups; ops-1 sees its own group's task and not core's.
        assert {c["group_id"] for c in operator.changes(2, timeout=5)} == {"core", "ops"}
        [seen] = other_group.changes(1, timeout=5)
        assert seen["group_id"] == "ops"
        store.as_agent("mgr-1").create_task("Core again")
        marker = store.as_agent("ops-1").create_task("Ops again").id
        assert other_group.changes(1, timeout=5)[0]["subject"] == marker
        other_group.close()
        operator.close()
        # A DM's text reaches its recipient's stream, and nobody else's.
        recipient, bystander = Events(server, secrets["dev-1"]), Events(server, secrets["dev-2"])
        store.as_agent("mgr-1").send("dev-1", "for dev-1's eyes")
        [dm] = recipient.changes(1, timeout=5)
        assert (dm["content"]["text"], dm["content"]["sender"]) == ("for dev-1's eyes", "mgr-1")
        mark = store.as_agent("mgr-1").create_task("After the DM").id
        [next_seen] = bystander.changes(1, timeout=5)
        assert next_seen["subject"] == mark and "eyes" not in json.dumps(next_seen)
        recipient.close()
        bystander.close()


def test_the_stream_caps_are_flags(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store), "--max-streams-per-principal", "2", "--max-streams", "3") as server:
        mine = [Events(server, secrets["dev-1"]) for _ in range(2)]
        assert [s.status for s in mine] == [200, 200]
        status, answer, _ = server.request("GET", "/events", None, secrets["dev-1"])
        assert (status, answer["error"]["kind"]) == (429, "busy"), answer
        other = Events(server, secrets["dev-2"])
        assert other.status == 200
        # The server holds 3, its cap: anyone else is told to come back later.
        status, answer, _ = server.request("GET", "/events", None, secrets["mgr-1"])
        assert (status, answer["error"]["kind"]) == (503, "busy"), answer
        for s in mine + [other]:
            s.close()


def test_event_streams_are_bounded_and_a_client_that_goes_frees_its_stream(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store)) as server:
        # A first stream and request, so the baseline includes the runtime's threads.
        warm = Events(server, secrets["dev-2"])
        warm.close()
        time.sleep(0.5)
        base_threads, base_fds = threads_and_fds(server.pid)
        streams = [Events(server, secrets["dev-1"]) for _ in range(8)]
        assert all(s.status == 200 for s in streams)
        status, answer, _ = server.request("GET", "/events", None, secrets["dev-1"])
        assert (status, answer["error"]["kind"]) == (429, "busy"), answer
        # Another principal is not held back by dev-1's streams.
        other = Events(server, secrets["dev-2"])
        assert other.status == 200
        other.close()
        for s in streams:
            s.close()
        # Each dropped client frees its slot at once, not at its next heartbeat (15 s): dev-1
        # may open a stream again.
        deadline = time.monotonic() + 5
        while True:
            again = Events(server, secrets["dev-1"])
            again.close()
            if again.status == 200:
                break
            assert time.monotonic() < deadline, "the streams of clients that left were kept"
            time.sleep(0.2)
        # Their threads and files go (tokio keeps an idle blocking thread for 10 s).
        deadline = time.monotonic() + 40
        while True:
            threads, fds = threads_and_fds(server.pid)
            if threads <= base_threads + 3 and fds <= base_fds + 3:
                break
            assert time.monotonic() < deadline, (
                f"after the clients left: {threads} threads (from {base_threads}), "
                f"{fds} files (from {base_fds})"
            )
            time.sleep(0.5)


def unsent_bytes(server_port: int, client_port: int) -> int:
    """What the server's socket toward `client_port` holds unsent (/proc/net/tcp's tx_queue)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if int(local, 16) == server_port and int(remote, 16) == client_port:
            return int(fields[4].split(":")[0], 16)
    raise AssertionError(f"no connection from port {server_port} to {client_port}")


def test_a_client_that_stops_reading_holds_back_no_one_and_loses_nothing(store: agor.Store) -> None:
    # SPEC §2.2: a stream whose client stops reading (its socket buffers full) stalls neither
    # the principal's shared feed, nor other principals' streams, nor the API; when it reads
    # again it gets every change it missed, in order and once (it fell behind the shared
    # buffer and reads from its own cursor).
    secrets = team(store)
    mgr = store.as_agent("mgr-1")
    with serve(location(store)) as server:
        stalled = Events(server, secrets["dev-1"], receive_buffer=4096)
        # Another stream of the same principal (the same shared feed) and one of another.
        same, other = Events(server, secrets["dev-1"]), Events(server, secrets["dev-2"])
        assert (stalled.status, same.status, other.status) == (200, 200, 200)
        # More changes than the shared feed buffers (1,024), each carrying a 1 kB title:
        # megabytes the stalled client does not take.
        title = "x" * 1000
        made = [mgr.create_task(f"{i} {title}").id for i in range(1200)]
        # And DMs to dev-1 of 200 kB each: more than the kernel buffers for one connection
        # (4 MB here), so the server's writes to the stalled client do block.
        made += [mgr.send("dev-1", f"{i} " + "y" * 200_000).id for i in range(40)]
        assert [c["subject"] for c in same.changes(len(made), timeout=30)] == made
        assert [c["subject"] for c in other.changes(1200, timeout=30)] == made[:1200]
        assert unsent_bytes(server.port, stalled.sock.getsockname()[1]) > 0, \
            "the test did not stall the client: the kernel took everything"
        # A new change reaches the others at once, and the API answers.
        started = time.monotonic()
        late = mgr.create_task("After the flood").id
        assert same.changes(1, timeout=5)[0]["subject"] == late
        assert other.changes(1, timeout=5)[0]["subject"] == late
        assert time.monotonic() - started < 1.0, "a change took over a second beside a stalled client"
        status, answer = server.api("whoami", secrets["dev-2"])
        assert status == 200, answer
        # The stalled client reads at last: everything, in order, once.
        got = [c["subject"] for c in stalled.changes(len(made) + 1, timeout=30)]
        assert got == made + [late]
        for stream in (stalled, same, other):
            stream.close()


def test_a_full_server_refuses_more_streams_with_503(store: agor.Store) -> None:
    secrets = team(store)
    watchers = [f"w-{i}" for i in range(16)]
    for w in watchers:
        store.register_agent(w, w, "project", "core")
    tokens = [store.issue_token(w) for w in watchers]
    with serve(location(store)) as server:
        # 16 principals with 8 streams each fill the server's 128.
        streams = [Events(server, t) for t in tokens for _ in range(8)]
        try:
            assert all(s.status == 200 for s in streams)
            status, answer, _ = server.request("GET", "/events", None, secrets["dev-1"])
            assert (status, answer["error"]["kind"]) == (503, "busy"), answer
            # Other requests are still answered.
            assert server.api("whoami", secrets["dev-1"])[0] == 200
        finally:
            for s in streams:
                s.close()


# --- sign-in -------------------------------------------------------------------------------


def cookie_of(response: http.client.HTTPResponse) -> tuple[str, str]:
    """The session cookie's `name=value`, and the whole Set-Cookie header."""
    header = response.getheader("Set-Cookie") or ""
    return header.split(";", 1)[0], header


def test_people_sign_in_with_a_cookie_and_agents_do_not(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store)) as server:
        own = {"Origin": server.origin}
        # A person signs in: an HttpOnly, SameSite=Strict session cookie that is not the secret.
        status, answer, response = server.request("POST", "/signin", {"secret": secrets["lead"]},
                                                  headers=own)
        assert (status, answer["principal"]) == (200, "lead")
        cookie, header = cookie_of(response)
        attributes = {a.strip().lower() for a in header.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/"} <= attributes, header
        assert secrets["lead"] not in header
        signed = {"Cookie": cookie, **own}
        status, answer, _ = server.request("GET", "/session", headers={"Cookie": cookie})
        assert (status, answer["principal"]) == (200, "lead")
        assert answer["stale_after_secs"] == 300  # the store's (default) stale threshold
        status, board, _ = server.request("POST", "/api/board", {}, headers=signed)
        assert status == 200 and {c["status"] for c in board} >= {"todo", "done"}
        # The cookie opens the event stream too.
        stream = Events(server, cookie=cookie)
        assert stream.status == 200
        store.as_agent("mgr-1").create_task("Seen by the person")
        assert stream.changes(1, timeout=5)[0]["kind"] == "task"
        stream.close()
        # A signed-in request that changes something must come from the page (Origin).
        status, answer, _ = server.request("POST", "/api/board", {}, headers={"Cookie": cookie})
        assert (status, answer["error"]["kind"]) == (403, "permission_denied")
        # A forged or unknown cookie is nobody.
        for forged in ("agor_session=" + "0" * 64, "agor_session=" + secrets["lead"]):
            status, answer, _ = server.request("POST", "/api/board", {},
                                               headers={"Cookie": forged, **own})
            assert (status, answer["error"]["kind"]) == (401, "unauthorized"), forged
        # A plain agent does not sign in (it uses its bearer secret); nor does a bad secret.
        status, answer, response = server.request("POST", "/signin", {"secret": secrets["dev-1"]},
                                                   headers=own)
        assert (status, answer["error"]["kind"]) == (403, "permission_denied")
        assert response.getheader("Set-Cookie") is None
        status, answer, _ = server.request("POST", "/signin", {"secret": "agor_" + "1" * 64},
                                           headers=own)
        assert status == 401
        # The operator signs in too.
        status, answer, _ = server.request("POST", "/signin", {"secret": secrets["operator"]},
                                           headers=own)
        assert (status, answer["principal"]) == (200, "operator")
        # Signing out ends the session: its cookie no longer works.
        status, _, response = server.request("POST", "/signout", {}, headers=signed)
        assert status == 200 and "max-age=0" in (response.getheader("Set-Cookie") or "").lower()
        status, _, _ = server.request("POST", "/api/board", {}, headers=signed)
        assert status == 401


def test_a_sign_in_ends_when_its_secret_is_revoked_or_its_agent_removed(store: agor.Store) -> None:
    secrets = team(store)
    second = store.issue_token("lead")
    with serve(location(store)) as server:
        own = {"Origin": server.origin}

        def signed_in(secret: str) -> dict[str, str]:
            status, _, response = server.request("POST", "/signin", {"secret": secret}, headers=own)
            assert status == 200
            return {"Cookie": cookie_of(response)[0], **own}

        by_first, by_second = signed_in(secrets["lead"]), signed_in(second)
        operator = signed_in(secrets["operator"])
        for headers in (by_first, by_second, operator):
            assert server.request("POST", "/api/board", {}, headers=headers)[0] == 200
        # Revoking lead's secrets ends both of lead's sign-ins, not the operator's.
        store.revoke_tokens("lead")
        for headers in (by_first, by_second):
            status, answer, _ = server.request("POST", "/api/board", {}, headers=headers)
            assert (status, answer["error"]["kind"]) == (401, "unauthorized")
        assert server.request("POST", "/api/board", {}, headers=operator)[0] == 200
        # A removed agent's sign-in ends too, even with its secret still listed.
        store.register_agent("lead-2", "Lead Two", "human", "core")
        by_removed = signed_in(store.issue_token("lead-2"))
        assert server.request("GET", "/session", headers=by_removed)[0] == 200
        store.remove_agent("lead-2")
        assert server.request("GET", "/session", headers=by_removed)[0] == 401


def test_the_page_is_built_in_and_no_secret_reaches_a_page_or_the_log(store: agor.Store) -> None:
    secrets = team(store)
    with serve(location(store)) as server:
        status, answer, response = server.request("GET", "/")
        page = answer["text"]
        assert status == 200 and "<form" in page and "/app.js" in page
        policy = response.getheader("Content-Security-Policy") or ""
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        status, answer, _ = server.request("GET", "/app.js")
        assert status == 200 and "EventSource" in answer["text"]
        # Every way a secret is sent: bearer calls, sign-ins (good and refused), streams.
        for who in ("lead", "dev-1", "operator"):
            server.api("whoami", secrets[who])
            server.request("POST", "/signin", {"secret": secrets[who]}, headers={"Origin": server.origin})
            Events(server, secrets[who]).close()
        _, _, response = server.request("POST", "/signin", {"secret": secrets["lead"]})
        cookie, _ = cookie_of(response)
        pages = [server.request("GET", path, headers={"Cookie": cookie})[1].get("text", "")
                 for path in ("/", "/app.js", "/app.css")]
        time.sleep(0.3)
        seen = "".join(server.log) + "".join(pages)
        assert "POST /signin" in seen and "GET /events" in seen
        for who, secret in secrets.items():
            assert secret not in seen, who
            assert secret[5:] not in seen, who
