"""Many agents (SPEC §15): what a crowd of waiting agents and of MCP sessions costs.

* waiters: 1,000 agents blocked in `actor.wait`, as threads over 10 processes (each process
  shares one waiter: one file watcher or one LISTEN connection, SPEC §8), each waiting for
  its own mail, so no commit concerns them; one writer sends messages alone (before and
  after, averaged) and with the crowd waiting, three rounds, the median; beside it the CPU
  the crowd used meanwhile. Target: the writer slowed by at most 10 %.
* MCP over HTTP: 200 agents, each with its own secret and its own session on one
  `agor mcp --http` server, each calling `whoami` about once a second (open loop, jittered),
  all at once. Target: p99 under 50 ms. Then one session calling in a row against the same
  operation called in process: the HTTP hop adds at most 1 ms at the median.

    python benches/many_agents.py                      # a fresh SQLite file in a temp folder
    python benches/many_agents.py --db postgresql://…  # a fresh schema's URL on a server
    python benches/many_agents.py --quick              # a smoke run (CI): small numbers

Reports figures from one run as a markdown table; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse

import agor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wake_bench import cpu_seconds, writer_rate  # noqa: E402  (the same writer as the wake bench)

CROWD = textwrap.dedent(
    """
    import sys, threading, agor
    db, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = agor.open(db)
    actors = [store.as_agent(f"w{i}") for i in range(first, first + count)]
    since = actors[0].latest_change()
    started = threading.Barrier(count + 1)

    def wait(actor):
        started.wait()
        while True:
            actor.wait(["message"], since=since, timeout=None)

    for a in actors:
        threading.Thread(target=wait, args=(a,), daemon=True).start()
    started.wait()
    print("ready", flush=True)
    sys.stdin.read()  # until the bench closes the pipe (or kills the process)
    """
)


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def settle(crowd: list[subprocess.Popen], most: float = 20) -> None:
    """Until the crowd is idle (under 2 % of a core over half a second): every thread parked
    in its wait, the first signs of life of its agents written (a thousand heartbeats, on
    PostgreSQL a second or more of writes), so the writer meets the crowd as it waits."""
    end = time.monotonic() + most
    while time.monotonic() < end:
        cpu0, t0 = sum(cpu_seconds(p.pid) for p in crowd), time.perf_counter()
        time.sleep(0.5)
        busy = (sum(cpu_seconds(p.pid) for p in crowd) - cpu0) / (time.perf_counter() - t0)
        if busy < 0.02:
            return


def crowd_of_waiters(
    db: str, store: agor.Store, agents: int, processes: int, sends: int, rounds: int
) -> dict:
    """The writer alone, with the crowd waiting, and alone again, `rounds` times (a new crowd
    each round); the slowdown of each round against the mean of its two alone runs, and the
    CPU the crowd itself used while the writer ran (what it takes from the writer, free of
    the machine's noise)."""
    per = -(-agents // processes)
    slowdowns, alone_rates, with_rates, crowd_cpu = [], [], [], []
    for _ in range(rounds):
        before = writer_rate(store, sends)
        crowd = []
        for first in range(0, agents, per):
            p = subprocess.Popen(
                [sys.executable, "-c", CROWD, db, str(first), str(min(per, agents - first))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            crowd.append(p)
        for p in crowd:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        settle(crowd)
        cpu0, t0 = sum(cpu_seconds(p.pid) for p in crowd), time.perf_counter()
        with_crowd = writer_rate(store, sends)
        cpu1, t1 = sum(cpu_seconds(p.pid) for p in crowd), time.perf_counter()
        for p in crowd:
            p.kill()
            p.wait()
        alone = (before + writer_rate(store, sends)) / 2
        slowdowns.append(1 - with_crowd / alone)
        alone_rates.append(alone)
        with_rates.append(with_crowd)
        crowd_cpu.append((cpu1 - cpu0) / (t1 - t0))
    return {
        "alone": statistics.median(alone_rates),
        "with": statistics.median(with_rates),
        "slowdown": statistics.median(slowdowns),
        "slowdowns": slowdowns,
        "crowd_cpu": statistics.median(crowd_cpu),
    }


class Session:
    """One MCP session over one kept-alive HTTP connection (http.client: nothing pooled)."""

    def __init__(self, url: str, secret: str) -> None:
        u = urllib.parse.urlsplit(url)
        self.path = u.path
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "Authorization": f"Bearer {secret}",
        }
        init = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        }
        status, headers, _ = self.post(init)
        assert status == 200, status
        self.headers["Mcp-Session-Id"] = headers["mcp-session-id"]
        assert self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})[0] == 202

    def post(self, body: dict) -> tuple[int, dict, bytes]:
        self.conn.request("POST", self.path, body=json.dumps(body).encode(), headers=self.headers)
        r = self.conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

    def whoami(self) -> float:
        """One `tools/call whoami`; its round trip in ms."""
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}}
        t0 = time.perf_counter()
        status, _, text = self.post(body)
        ms = (time.perf_counter() - t0) * 1e3
        assert status == 200 and b'"isError":true' not in text, text[:200]
        return ms


def mcp_server(db: str, sessions: int):
    agor_bin = os.environ.get("AGOR_MCP") or shutil.which("agor")
    if not agor_bin:
        sys.exit("needs the `agor` command (pip install the wheel, or set AGOR_MCP)")
    proc = subprocess.Popen(
        [agor_bin, "mcp", "--db", db, "--http", "127.0.0.1:0",
         "--max-sessions", str(sessions + 16), "--max-connections", str(sessions + 64)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "serving http://" in line, line
    # The server logs every request on stderr: drain it so it never stalls on a full pipe.
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    return proc, line.split("serving ", 1)[1].strip()


def crowd_of_sessions(db: str, store: agor.Store, sessions: int, secs: float, calls: int) -> dict:
    secrets = [store.issue_token(f"m{i}") for i in range(sessions)]
    proc, url = mcp_server(db, sessions)
    try:
        opened = [Session(url, s) for s in secrets]
        latencies: list[float] = []
        lock = threading.Lock()
        go = threading.Barrier(sessions)

        def agent(s: Session) -> None:
            mine = []
            go.wait()
            end = time.monotonic() + secs
            time.sleep(random.uniform(0, 1))  # spread the first calls over a second
            while time.monotonic() < end:
                mine.append(s.whoami())
                time.sleep(random.uniform(0.5, 1.5))
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=agent, args=(s,)) for s in opened]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        # The HTTP hop alone: one session in a row against the operation in process.
        one = opened[0]
        actor = store.as_agent("m0")
        for _ in range(20):  # warm both paths
            one.whoami()
            actor.whoami()
        over_http, in_process = [], []
        for _ in range(calls):
            over_http.append(one.whoami())
            t0 = time.perf_counter()
            actor.whoami()
            in_process.append((time.perf_counter() - t0) * 1e3)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {
        "calls": len(latencies),
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "http_p50": statistics.median(over_http),
        "direct_p50": statistics.median(in_process),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="a database path or PostgreSQL URL (default: a temp file)")
    ap.add_argument("--agents", type=int, default=1000, help="waiting agents (default 1000)")
    ap.add_argument("--processes", type=int, default=10, help="processes they run in (default 10)")
    ap.add_argument("--sends", type=int, default=5000, help="the writer's messages per run")
    ap.add_argument("--rounds", type=int, default=3, help="alone / with the crowd / alone rounds")
    ap.add_argument("--sessions", type=int, default=200, help="MCP HTTP sessions (default 200)")
    ap.add_argument("--secs", type=float, default=10, help="how long the sessions call")
    ap.add_argument("--calls", type=int, default=500, help="calls in a row for the HTTP hop")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 50 agents, 20 sessions")
    a = ap.parse_args()
    if a.quick:
        a.agents, a.processes, a.sends, a.sessions, a.secs, a.calls = 50, 2, 300, 20, 2, 50
        a.rounds = 1
    tmp = tempfile.TemporaryDirectory()
    db = a.db or os.path.join(tmp.name, "many.db")
    store = agor.open(db)
    store.register_agent("sender", "Sender", "manager", "bench")
    store.register_agent("sink", "Sink", "project", "bench")
    store.allow("sender", "sink")
    for i in range(a.agents):
        store.register_agent(f"w{i}", f"W{i}", "project", "bench")
    for i in range(a.sessions):
        store.register_agent(f"m{i}", f"M{i}", "project", "bench")
    engine = "PostgreSQL" if db.startswith("postgres") else "SQLite"

    w = crowd_of_waiters(db, store, a.agents, a.processes, a.sends, a.rounds)
    m = crowd_of_sessions(db, store, a.sessions, a.secs, a.calls)

    print(f"engine: {engine}; {a.agents} waiting agents in {a.processes} processes, "
          f"{a.sends} sends; {a.sessions} MCP HTTP sessions for {a.secs:.0f} s")
    print("| measure | value | target |")
    print("|---|---:|---:|")
    rounds = ", ".join(f"{x * 100:.1f}" for x in w["slowdowns"])
    print(f"| writer alone (mean of before and after; median of {a.rounds}) | {w['alone']:.0f} sends/s | |")
    print(f"| writer with {a.agents} waiting agents (median) | {w['with']:.0f} sends/s | |")
    print(f"| writer slowdown (1 - with/alone; median of {rounds}) | {w['slowdown'] * 100:.1f} % | <= 10 % |")
    print(f"| CPU the waiting crowd used while the writer ran | {w['crowd_cpu'] * 100:.1f} % of a core | |")
    print(f"| {a.sessions} sessions: tool calls answered | {m['calls']} | |")
    print(f"| {a.sessions} sessions: call p50 | {m['p50']:.2f} ms | |")
    print(f"| {a.sessions} sessions: call p99 | {m['p99']:.2f} ms | < 50 ms |")
    print(f"| one session: `whoami` over HTTP, p50 | {m['http_p50']:.3f} ms | |")
    print(f"| `whoami` in process, p50 | {m['direct_p50']:.3f} ms | |")
    print(f"| HTTP adds, p50 | {m['http_p50'] - m['direct_p50']:.3f} ms | <= 1 ms |")


if __name__ == "__main__":
    main()
