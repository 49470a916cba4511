#!/usr/bin/env python3
"""agor as a work queue, side by side with SQLite-backed Python queues (SPEC §6, issue 7 §6).

In one run, on one machine, every contender uses WAL, synchronous=NORMAL and one transaction
per operation:

* agor (Python API): enqueue = ``create_task``; claim+complete = ``claim_task`` then
  ``complete_task`` (two transactions, each with permission check, status comment, audit rows,
  lease and fencing token);
* huey's ``SqliteStorage`` (raw ``enqueue``/``dequeue``), ``litequeue`` (``put``; ``pop`` +
  ``done``), ``persist-queue`` ``SQLiteAckQueue`` (``put``; ``get`` + ``ack``);
* the plain-SQL floor: stdlib ``sqlite3`` on a file with agor's schema and indexes, making the
  same row changes agor makes (enqueue: task row + audit row + change-feed row; claim: pick the
  best next task through the same index, task update + status comment + two audit rows +
  attempt row + work state + two change-feed rows; complete: attempt end + task update +
  status comment + audit row + work state + two change-feed rows).

Reported: items/s for enqueue and claim+complete with 1 process and with 8 processes (the
median of ``--repeat`` runs), the ratios agor/litequeue and agor/floor, the exactly-once check
under 8 processes (every item handed out once, none twice) and the cost per item at 1k vs 100k
already queued. Timings are printed, never asserted.

Reproduce (agor built in release mode by ``pip install .``; peers from PyPI)::

    target/venv/bin/python -m pip install . huey litequeue persist-queue
    target/venv/bin/python benches/queue_bench.py            # --items 5000 --repeat 3
    target/venv/bin/python benches/queue_bench.py --quick    # smaller, for a smoke run
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid

import agor

GROUP = "bench"
RANK = "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"


# ---------------------------------------------------------------------------------------------
# contenders: each is (setup(path) -> None, enqueue(path, n, offset) -> None,
# worker(path, wid, out_queue) -> list of handed-out item keys)


class Agor:
    name = "agor"

    @staticmethod
    def setup(path):
        store = agor.open(path)
        store.register_agent("boss", "Boss", "manager", GROUP)
        for w in range(8):
            store.register_agent(f"w{w}", f"W{w}", "project", GROUP)
        store.close()

    @staticmethod
    def enqueue(path, n, offset=0):
        store = agor.open(path)
        boss = store.as_agent("boss")
        for i in range(n):
            boss.create_task(f"item {offset + i}")
        store.close()

    @staticmethod
    def drain(path, wid, limit=None):
        store = agor.open(path)
        me = store.as_agent(f"w{wid}")
        got = []
        while limit is None or len(got) < limit:
            claim = me.claim_task(lease_seconds=600)
            if claim is None:
                break
            me.complete_task(claim.task.id, claim.token, "ok")
            got.append(claim.task.title)
        store.close()
        return got


def _floor_connect(path):
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Floor:
    """The same row changes as agor, in plain SQL on agor's schema (created by agor)."""

    name = "floor (sqlite3)"

    @staticmethod
    def setup(path):
        Agor.setup(path)

    @staticmethod
    def enqueue(path, n, offset=0):
        conn = _floor_connect(path)
        for i in range(n):
            tid = str(uuid.uuid4())
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO tasks (id, title, description, status, priority, created_by, group_id,"
                " sort_order, version, created_at, updated_at) VALUES (?, ?, '', 'todo', 'medium',"
                " 'boss', ?, ?, 1, datetime('now'), datetime('now'))",
                (tid, f"item {offset + i}", GROUP, offset + i + 1),
            )
            _floor_audit(conn, "boss", "task_created", tid)
            _floor_change(conn, "task", "task_created", "boss", tid, None, (None, "todo"))
            conn.execute("COMMIT")
        conn.close()

    @staticmethod
    def drain(path, wid, limit=None):
        conn = _floor_connect(path)
        me = f"w{wid}"
        got = []
        while limit is None or len(got) < limit:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                f"SELECT id, title FROM tasks WHERE group_id = ? AND status = 'todo'"
                f" ORDER BY {RANK}, sort_order, created_at LIMIT 1",
                (GROUP,),
            ).fetchone()
            if row is None:
                conn.execute("COMMIT")
                break
            tid, title = row
            conn.execute(
                "UPDATE tasks SET status = 'progress', assigned_to = ?, lease_token = ?,"
                " lease_expires_at = ?, lease_expires_ms = ?, version = version + 1,"
                " updated_at = datetime('now') WHERE id = ? AND status = 'todo'",
                (me, str(uuid.uuid4()), int(time.time()) + 600, int(time.time() * 1000) + 600_000, tid),
            )
            _floor_change(conn, "task", "task_status", me, tid, me, ("todo", "in_progress"))
            _floor_comment(conn, tid, me, "Status: todo → in_progress")
            _floor_audit(conn, me, "task_status", tid)
            conn.execute(
                "INSERT INTO agor_task_attempts (task_id, agent_id, started_at)"
                " VALUES (?, ?, datetime('now'))",
                (tid, me),
            )
            _floor_work(conn, me, "working", tid)
            _floor_audit(conn, me, "task_claimed", tid)
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "UPDATE agor_task_attempts SET outcome = 'completed', ended_at = datetime('now')"
                " WHERE task_id = ? AND outcome IS NULL",
                (tid,),
            )
            conn.execute(
                "UPDATE tasks SET status = 'done', lease_token = NULL, lease_expires_at = NULL,"
                " lease_expires_ms = NULL, summary = 'ok', artifacts = '', version = version + 1,"
                " updated_at = datetime('now') WHERE id = ?",
                (tid,),
            )
            _floor_change(conn, "task", "task_status", me, tid, me, ("in_progress", "done"))
            _floor_comment(conn, tid, me, "Status: in_progress → done")
            _floor_audit(conn, me, "task_status", tid)
            _floor_work(conn, me, "idle", None)
            conn.execute("COMMIT")
            got.append(title)
        conn.close()
        return got


def _floor_audit(conn, agent, event, detail):
    conn.execute(
        "INSERT INTO audit_log (agent_id, event_type, detail, created_at)"
        " VALUES (?, ?, ?, datetime('now'))",
        (agent, event, detail),
    )


def _floor_change(conn, kind, event, actor, subject, agent, moved):
    conn.execute(
        "INSERT INTO agor_changes (kind, event, actor, subject, group_id, agent_id, status_from,"
        " status_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
        (kind, event, actor, subject, GROUP, agent, *moved),
    )


def _floor_comment(conn, task, agent, text):
    conn.execute(
        "INSERT INTO task_comments (id, task_id, agent_id, content, created_at)"
        " VALUES (?, ?, ?, ?, datetime('now'))",
        (str(uuid.uuid4()), task, agent, text),
    )


def _floor_work(conn, agent, state, task):
    """The agent's work state and its change-feed row, as a claim and a completion move it."""
    conn.execute(
        "INSERT INTO agor_work_state (agent_id, state, task_id, updated_at)"
        " VALUES (?, ?, ?, datetime('now')) ON CONFLICT (agent_id) DO UPDATE SET"
        " state = excluded.state, task_id = excluded.task_id, updated_at = excluded.updated_at",
        (agent, state, task),
    )
    _floor_change(conn, "agent", "work_state", agent, agent, agent, (None, None))


class Library:
    """A queue library under test: `_open(path)` opens its queue, `_put(q, text)` enqueues one
    item and `_take(q)` hands one out and acknowledges it (None when it is empty)."""

    @classmethod
    def setup(cls, path):
        cls._open(path)

    @classmethod
    def enqueue(cls, path, n, offset=0):
        q = cls._open(path)
        for i in range(n):
            cls._put(q, f"item {offset + i}")

    @classmethod
    def drain(cls, path, wid, limit=None):
        q = cls._open(path)
        got = []
        while limit is None or len(got) < limit:
            item = cls._take(q)
            if item is None:
                break
            got.append(item)
        return got

    @staticmethod
    def _put(q, text):
        q.put(text)


class Huey(Library):
    name = "huey SqliteStorage"

    @staticmethod
    def _open(path):
        from huey.storage import SqliteStorage

        class Normal(SqliteStorage):
            def _create_connection(self):
                conn = super()._create_connection()
                conn.execute("PRAGMA synchronous=NORMAL")
                return conn

        return Normal(name="bench", filename=path)

    @staticmethod
    def _put(q, text):
        q.enqueue(text.encode())

    @staticmethod
    def _take(q):
        item = q.dequeue()
        return None if item is None else item.decode()


class LiteQueue(Library):
    name = "litequeue"

    @staticmethod
    def _open(path):
        from litequeue import LiteQueue as LQ

        # It sets WAL and synchronous=NORMAL itself; the busy timeout is the floor's (its
        # default 5 s lets a worker die of "database is locked" with 8 processes under load).
        return LQ(path, timeout=30)

    @staticmethod
    def _take(q):
        m = q.pop()
        if m is None:
            return None
        q.done(m.message_id)
        return m.data


class PersistQueue(Library):
    name = "persist-queue SQLiteAckQueue"

    @staticmethod
    def _open(path):
        import persistqueue

        q = persistqueue.SQLiteAckQueue(path, auto_commit=True, multithreading=True)
        for conn in {id(c): c for c in (q._putter, q._getter) if c is not None}.values():
            conn.execute("PRAGMA synchronous=NORMAL")
        return q

    @classmethod
    def setup(cls, path):
        os.makedirs(path, exist_ok=True)
        cls._open(path)

    @staticmethod
    def _take(q):
        import persistqueue

        try:
            item = q.get(block=False)
        except persistqueue.Empty:
            return None
        q.ack(item)
        return item


CONTENDERS = [Agor, Floor, Huey, LiteQueue, PersistQueue]


# ---------------------------------------------------------------------------------------------


def _worker(cls_name, path, wid, start, out):
    cls = next(c for c in CONTENDERS if c.__name__ == cls_name)
    start.wait()
    out.put(cls.drain(path, wid))


def fresh(tmp, cls):
    path = os.path.join(tmp, f"{cls.__name__}-{uuid.uuid4().hex[:8]}")
    if cls is not PersistQueue:
        path += ".db"
    cls.setup(path)
    return path


def run_once(tmp, cls, items, procs):
    """Returns (enqueue items/s, claim+complete items/s, exactly-once ok, detail, enqueue items
    per CPU-second, claim+complete items per CPU-second (one process only, else None)).

    The CPU rates count this process's user and system time only, so they hardly move with the
    load others put on the machine: the steadier ratio on a shared VM."""
    path = fresh(tmp, cls)
    t0, c0 = time.perf_counter(), time.process_time()
    cls.enqueue(path, items)
    enq = items / (time.perf_counter() - t0)
    enq_cpu = items / (time.process_time() - c0)
    drain_cpu = None
    if procs == 1:
        t0, c0 = time.perf_counter(), time.process_time()
        got = cls.drain(path, 0)
        drain = len(got) / (time.perf_counter() - t0)
        drain_cpu = len(got) / (time.process_time() - c0)
    else:
        ctx = mp.get_context("fork")
        start, out = ctx.Event(), ctx.Queue()
        ps = [ctx.Process(target=_worker, args=(cls.__name__, path, w, start, out)) for w in range(procs)]
        for p in ps:
            p.start()
        time.sleep(0.5)  # let every worker open its connection before the clock starts
        t0 = time.perf_counter()
        start.set()
        got = []
        for _ in ps:
            got.extend(out.get())
        drain = len(got) / (time.perf_counter() - t0)
        for p in ps:
            p.join()
    dupes = len(got) - len(set(got))
    ok = dupes == 0 and len(set(got)) == items
    detail = f"{len(set(got))}/{items} handed out, {dupes} twice"
    if cls is PersistQueue:
        shutil.rmtree(path, ignore_errors=True)
    return enq, drain, ok, detail, enq_cpu, drain_cpu


def flat_check(tmp, cls, sizes, probe, repeat):
    """Items/s for `probe` enqueues and `probe` claim+completes with `size` items queued:
    the median of `repeat` rounds, the sizes interleaved so a burst of load elsewhere on the
    machine hits both sizes alike."""
    samples = {size: [] for size in sizes}
    paths = {}
    for size in sizes:
        paths[size] = fresh(tmp, cls)
        cls.enqueue(paths[size], size)
    for r in range(repeat):
        for size in sizes:
            path = paths[size]
            t0 = time.perf_counter()
            cls.enqueue(path, probe, offset=size + r * probe)
            enq = probe / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            got = cls.drain(path, 0, limit=probe)
            drain = len(got) / (time.perf_counter() - t0)
            samples[size].append((enq, drain))
    for path in paths.values():
        if cls is PersistQueue:
            shutil.rmtree(path, ignore_errors=True)
    return {
        size: (statistics.median(e for e, _ in s), statistics.median(d for _, d in s))
        for size, s in samples.items()
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--flat", default="1000,100000", help="queue sizes for the flatness check")
    ap.add_argument("--probe", type=int, default=2000, help="items timed in the flatness check")
    ap.add_argument("--quick", action="store_true", help="500 items, 1 repeat, 1k vs 10k")
    ap.add_argument("--only", help="comma-separated contender class names (Agor,Floor,…)")
    args = ap.parse_args()
    if args.quick:
        args.items, args.repeat, args.flat, args.probe = 500, 1, "1000,10000", 300
    contenders = CONTENDERS
    if args.only:
        wanted = set(args.only.split(","))
        contenders = [c for c in CONTENDERS if c.__name__ in wanted]
    sizes = [int(s) for s in args.flat.split(",")]

    print(f"queue benchmark: {args.items} items, median of {args.repeat}, WAL + synchronous=NORMAL,")
    print(f"one transaction per operation; python {sys.version.split()[0]}, stdlib sqlite "
          f"{sqlite3.sqlite_version}, agor {getattr(agor, '__version__', '?')}, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    results = {}
    tmp = tempfile.mkdtemp(prefix="agor-queue-bench-")
    try:
        print("  (enqueue: one process, median over all 2 x repeat runs; claim+complete with 1 and "
              f"{args.procs} processes; exactly-once checked in every run)")
        # Rounds outside, contenders inside: a burst of load elsewhere on the machine then hits
        # every contender alike instead of whichever happened to run during it.
        every = {(cls, procs): [] for cls in contenders for procs in (1, args.procs)}
        for _ in range(args.repeat):
            for cls in contenders:
                for procs in (1, args.procs):
                    every[(cls, procs)].append(run_once(tmp, cls, args.items, procs))
        cpu = {}
        for cls in contenders:
            runs = {procs: every[(cls, procs)] for procs in (1, args.procs)}
            # Enqueueing is single-process in both settings: pool its runs for a steadier median.
            enq = statistics.median(r[0] for rs in runs.values() for r in rs)
            cpu[cls] = (statistics.median(r[4] for rs in runs.values() for r in rs),
                        statistics.median(r[5] for r in runs[1]))
            cells = []
            for procs, rs in runs.items():
                drain = statistics.median(r[1] for r in rs)
                ok = all(r[2] for r in rs)
                results[(cls, procs)] = (enq, drain, ok)
                worst = max(rs, key=lambda r: int(r[3].split(", ")[1].split()[0]))[3]
                cells.append(f"{procs}p {drain:6.0f}/s once:{'yes' if ok else 'NO (' + worst + ')'}")
            print(f"  {cls.name:30s} enqueue {enq:7.0f}/s | claim+complete " + " | ".join(cells),
                  flush=True)
        print("\nratios (above 1: agor faster)")
        for other in (LiteQueue, Floor, Huey, PersistQueue):
            if Agor not in contenders or other not in contenders:
                continue
            a1, o1 = results[(Agor, 1)], results[(other, 1)]
            an, on = results[(Agor, args.procs)], results[(other, args.procs)]
            print(f"  agor / {other.name:30s} enqueue {a1[0] / o1[0]:5.2f}x  claim+complete "
                  f"1p {a1[1] / o1[1]:5.2f}x, {args.procs}p {an[1] / on[1]:5.2f}x")
        print("\nper CPU-second of the working process (one process; user + system time)")
        for cls in contenders:
            print(f"  {cls.name:30s} enqueue {cpu[cls][0]:7.0f}/CPU-s | claim+complete "
                  f"{cpu[cls][1]:6.0f}/CPU-s", flush=True)
        if Agor in contenders:
            for other in (LiteQueue, Floor, Huey, PersistQueue):
                if other in contenders:
                    print(f"  agor / {other.name:30s} enqueue {cpu[Agor][0] / cpu[other][0]:5.2f}x  "
                          f"claim+complete {cpu[Agor][1] / cpu[other][1]:5.2f}x")
        print(f"\nflat in queue size: {args.probe} operations timed with N items already queued "
              f"(median of {args.repeat} interleaved rounds)")
        for cls in contenders:
            flat = flat_check(tmp, cls, sizes, args.probe, args.repeat)
            lo, hi = flat[sizes[0]], flat[sizes[-1]]
            print(f"  {cls.name:30s} enqueue {lo[0]:7.0f}/s at {sizes[0]}, {hi[0]:7.0f}/s at "
                  f"{sizes[-1]} (cost x{lo[0] / hi[0]:.2f});  claim+complete {lo[1]:6.0f}/s, "
                  f"{hi[1]:6.0f}/s (cost x{lo[1] / hi[1]:.2f})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
