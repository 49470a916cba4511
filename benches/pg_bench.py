#!/usr/bin/env python3
"""Claims on PostgreSQL with 1 and with 8 processes: agor against a plain SKIP LOCKED floor.

In one run, on one throw-away server (``scripts/pg.sh``: fsync, synchronous_commit and
full_page_writes off), each on a fresh schema with the same ``--items`` tasks queued:

* agor (Python API): ``claim_task`` then ``complete_task``, two transactions each, from 1
  process and from 8. Claims, renewals, releases and completions are row-lock writes (see
  ``agor-core/src/storage/postgres/mod.rs``): the schema lock shared, the task row locked
  (claim-next ``FOR NO KEY UPDATE SKIP LOCKED``), the appends to the change feed, audit log
  and comments sent with COMMIT under a short tail lock.
* the floor: raw SQL through psycopg on agor's own tables and indexes (schema made by agor),
  the row changes of the queue benchmark's floor (benches/QUEUE.md): claim = pick the best next
  todo task through the board-order index ``FOR UPDATE SKIP LOCKED`` + task update + status
  comment + two audit rows; complete = task update + status comment + audit row. One
  transaction each, no advisory lock at all: what row locks alone allow.

Reported: claim+complete items/s for each, the scaling agor(8)/agor(1) (target >= 1.5x) and
agor(8)/floor(8) (target >= 0.8x), and the exactly-once check of every run (each item handed
out once, none twice). Timings are printed, never asserted.

Reproduce (agor built in release mode; psycopg from PyPI)::

    python3 -m venv target/venv && target/venv/bin/pip install maturin "psycopg[binary]"
    VIRTUAL_ENV=$PWD/target/venv target/venv/bin/maturin develop --release
    target/venv/bin/python benches/pg_bench.py              # --items 5000; own server
    target/venv/bin/python benches/pg_bench.py --quick      # smoke run
    target/venv/bin/python benches/pg_bench.py --profile    # then CPU and lock waits
    target/venv/bin/python benches/pg_bench.py --db postgresql://…  # a server of yours
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import agor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queue_bench import Agor  # noqa: E402

try:
    import psycopg
except ImportError:  # the floor needs it; say so rather than fail deep inside a worker
    psycopg = None

ROOT = Path(__file__).resolve().parent.parent
GROUP = "bench"
WORKERS = 8
RANK = "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"


def new_schema(server: str) -> str:
    """A fresh schema on `server`; the URL that opens it."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{name}"


def setup(url: str, items: int) -> None:
    """agor's schema, a manager and eight workers, `items` tasks queued (agor's create_task)."""
    store = agor.open(url)
    store.register_agent("boss", "Boss", "manager", GROUP)
    for w in range(WORKERS):
        store.register_agent(f"w{w}", f"W{w}", "project", GROUP)
    boss = store.as_agent("boss")
    for i in range(items):
        boss.create_task(f"item {i}")
    store.close()


def drain_floor(url: str, wid: int) -> list[str]:
    me = f"w{wid}"
    got = []
    with psycopg.connect(url, autocommit=False) as conn:
        while True:
            with conn.transaction():
                row = conn.execute(
                    f"SELECT id, title FROM tasks WHERE group_id = %s AND status = 'todo'"
                    f" ORDER BY {RANK}, sort_order, created_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (GROUP,),
                ).fetchone()
                if row is None:
                    break
                tid, title = row
                now = time.time()
                conn.execute(
                    "UPDATE tasks SET status = 'progress', assigned_to = %s, lease_token = %s,"
                    " lease_expires_at = %s, lease_expires_ms = %s, version = version + 1,"
                    " updated_at = now()::text WHERE id = %s AND status = 'todo'",
                    (me, str(uuid.uuid4()), int(now) + 600, int(now * 1000) + 600_000, tid),
                )
                conn.execute(
                    "INSERT INTO task_comments (id, task_id, agent_id, content, created_at)"
                    " VALUES (%s, %s, %s, 'Status: todo → in_progress', now()::text)",
                    (str(uuid.uuid4()), tid, me),
                )
                for ev in ("task_status", "task_claimed"):
                    conn.execute(
                        "INSERT INTO audit_log (agent_id, event_type, detail, created_at)"
                        " VALUES (%s, %s, %s, now()::text)",
                        (me, ev, tid),
                    )
            with conn.transaction():
                conn.execute(
                    "UPDATE tasks SET status = 'done', lease_token = NULL, lease_expires_at = NULL,"
                    " lease_expires_ms = NULL, summary = 'ok', artifacts = '', version = version + 1,"
                    " updated_at = now()::text WHERE id = %s",
                    (tid,),
                )
                conn.execute(
                    "INSERT INTO task_comments (id, task_id, agent_id, content, created_at)"
                    " VALUES (%s, %s, %s, 'Status: in_progress → done', now()::text)",
                    (str(uuid.uuid4()), tid, me),
                )
                conn.execute(
                    "INSERT INTO audit_log (agent_id, event_type, detail, created_at)"
                    " VALUES (%s, 'task_status', %s, now()::text)",
                    (me, tid),
                )
            got.append(title)
    return got


# agor drains a PostgreSQL URL as the SQLite queue bench drains a file.
DRAINS = {"agor": Agor.drain, "floor": drain_floor}


def _worker(kind, url, wid, start, out):
    start.wait()
    out.put(DRAINS[kind](url, wid))


def _cpu() -> tuple[int, int]:
    """The machine's (total, idle) CPU ticks."""
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return sum(v), v[3] + v[4]


class Sampler(threading.Thread):
    """What the server's client backends are doing, every 10 ms: running, waiting for their
    client, or waiting for a lock (advisory locks by class: "agor" the schema lock, "agot"
    the tail lock)."""

    def __init__(self, server: str):
        super().__init__()
        self.server, self.stop, self.samples = server, threading.Event(), 0
        self.seen: collections.Counter = collections.Counter()

    def run(self):
        with psycopg.connect(self.server, autocommit=True) as c:
            while not self.stop.is_set():
                for (what,) in c.execute(
                    "SELECT CASE WHEN state <> 'active' THEN 'waiting for its client'"
                    " WHEN wait_event_type = 'Lock' AND wait_event = 'advisory' THEN"
                    "  'waiting for advisory lock ' || coalesce((SELECT convert_from(int4send("
                    "  l.classid::int), 'SQL_ASCII') FROM pg_locks l WHERE l.pid = a.pid"
                    "  AND NOT l.granted LIMIT 1), '?')"
                    " ELSE coalesce(wait_event_type || ':' || wait_event, 'running') END"
                    " FROM pg_stat_activity a WHERE backend_type = 'client backend'"
                    " AND pid <> pg_backend_pid()"
                ):
                    self.seen[what] += 1
                self.samples += 1
                time.sleep(0.01)


def run(server: str, kind: str, items: int, procs: int, profile: bool = False):
    """(claim+complete items/s, exactly-once ok, detail, profile lines) on a fresh schema."""
    url = new_schema(server)
    setup(url, items)
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    ps = [ctx.Process(target=_worker, args=(kind, url, w, start, out)) for w in range(procs)]
    for p in ps:
        p.start()
    time.sleep(0.5)  # every worker connected before the clock starts
    sampler = Sampler(server) if profile else None
    if sampler:
        sampler.start()
    workers_cpu = sum(os.times()[2:4])
    cpu0 = _cpu()
    t0 = time.perf_counter()
    start.set()
    got = []
    for _ in ps:
        got.extend(out.get())
    rate = len(got) / (time.perf_counter() - t0)
    cpu1 = _cpu()
    for p in ps:
        p.join()
    lines = []
    if sampler:
        sampler.stop.set()
        sampler.join()
        total, idle = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
        hz = os.sysconf("SC_CLK_TCK")
        workers_cpu = sum(os.times()[2:4]) - workers_cpu
        lines = [
            f"machine CPU busy {100 * (total - idle) / total:.0f} %, "
            f"{(total - idle) / hz / len(got) * 1000:.2f} CPU-ms per item, of which the workers "
            f"{workers_cpu / len(got) * 1000:.2f} ms",
            "client backends on average: " + ", ".join(
                f"{what} {n / sampler.samples:.2f}" for what, n in sampler.seen.most_common()),
        ]
    dupes = len(got) - len(set(got))
    ok = dupes == 0 and len(set(got)) == items
    return rate, ok, f"{len(set(got))}/{items} handed out, {dupes} twice", lines


def start_server(tmp: str) -> str:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "start", tmp],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a PostgreSQL server URL (default: a throw-away scripts/pg.sh one)")
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--quick", action="store_true", help="300 items: a smoke run")
    ap.add_argument("--profile", action="store_true",
                    help="then where the time goes with 8 processes: CPU and lock waits")
    args = ap.parse_args()
    if psycopg is None:
        # Like the queue benchmark's absent peers: said in the table, not a failed run.
        print("skipped: the floor needs psycopg (pip install 'psycopg[binary]')")
        return 0
    items = 300 if args.quick else args.items
    tmp = None
    server = args.db
    if server is None:
        tmp = tempfile.mkdtemp(prefix="agor-pg-bench-", dir="/tmp")
        os.chmod(tmp, 0o755)
        server = start_server(tmp)
    try:
        rates = {}
        print(f"PostgreSQL claim+complete, {items} items, fresh schema per run; "
              f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| contender | processes | claim+complete/s | exactly once |")
        print("|---|---:|---:|---|")
        all_ok = True
        for kind in ("agor", "floor"):
            for procs in (1, WORKERS):
                rate, ok, detail, _ = run(server, kind, items, procs)
                rates[(kind, procs)] = rate
                all_ok &= ok
                print(f"| {kind} | {procs} | {rate:,.0f} | {'yes' if ok else 'NO'} ({detail}) |",
                      flush=True)
        scale = rates[("agor", WORKERS)] / rates[("agor", 1)]
        vs_floor = rates[("agor", WORKERS)] / rates[("floor", WORKERS)]
        floor_scale = rates[("floor", WORKERS)] / rates[("floor", 1)]
        print()
        print(f"* agor {WORKERS} processes / 1 process: {scale:.2f}x (target >= 1.5x)")
        print(f"* agor / floor, {WORKERS} processes: {vs_floor:.2f}x (target >= 0.8x)")
        print(f"* floor {WORKERS} processes / 1 process: {floor_scale:.2f}x")
        print(f"* agor / floor, 1 process: {rates[('agor', 1)] / rates[('floor', 1)]:.2f}x")
        print(f"* load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.profile:
            print(f"\nProfile of {WORKERS}-process runs (a second run of each, sampled):\n")
            for kind in ("agor", "floor"):
                rate, ok, _, lines = run(server, kind, items, WORKERS, profile=True)
                all_ok &= ok
                print(f"* {kind}: {rate:,.0f}/s; " + "; ".join(lines))
        return 0 if all_ok else 1
    finally:
        if tmp is not None:
            subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", tmp],
                           capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
