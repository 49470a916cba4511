#!/usr/bin/env python3
"""agor's batches against huey's raw SQLite storage, per item (issue 24 item 2).

In one run, on one machine, both on a file with WAL and synchronous=NORMAL:

* agor (Python API, one process): enqueue = ``create_tasks`` with B tasks per call; claim +
  complete = ``claim_tasks(B)`` then ``complete_tasks`` of those B claims (two transactions per
  B items, each item checked, audited and fenced as ``create_task``/``claim_task``/
  ``complete_task`` would), for B = 1, 10 and 100;
* huey's ``SqliteStorage``, ``enqueue`` and ``dequeue`` one item per transaction (it has no
  batch), set up as benches/queue_bench.py sets it up (its helper is reused, not copied).

With N items queued (default 5,000): items/s for enqueueing all N and for claiming and
completing all N, the median of ``--repeat`` runs, the ratio agor/huey per batch size (target:
>= 1 at B = 10 and 100), and the exactly-once check (every item handed out once, none twice).
Timings are printed, never asserted.

Reproduce (the release build of the extension, in a venv of its own)::

    python3 -m venv target/venv-release
    target/venv-release/bin/pip install maturin huey
    VIRTUAL_ENV=$PWD/target/venv-release target/venv-release/bin/maturin develop --release
    target/venv-release/bin/python benches/batch_bench.py           # --items 5000 --repeat 3
    target/venv-release/bin/python benches/batch_bench.py --quick   # smoke run
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

import agor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from queue_bench import Agor, Huey, fresh  # noqa: E402  (the queue benchmark's helpers)

BATCHES = (1, 10, 100)

# Only whether it is there: the comparison runs when it is installed.
HAVE_HUEY = importlib.util.find_spec("huey") is not None


def agor_enqueue(path: str, n: int, batch: int) -> None:
    store = agor.open(path)
    boss = store.as_agent("boss")
    for start in range(0, n, batch):
        boss.create_tasks([{"title": f"item {i}"} for i in range(start, min(n, start + batch))])
    store.close()


def agor_drain(path: str, batch: int) -> list[str]:
    store = agor.open(path)
    me = store.as_agent("w0")
    got: list[str] = []
    while claims := me.claim_tasks(batch, lease_secs=600):
        me.complete_tasks([{"task_id": c.task.id, "token": c.token} for c in claims])
        got.extend(c.task.title for c in claims)
    store.close()
    return got


def timed(f, *args):
    t0 = time.perf_counter()
    out = f(*args)
    return out, time.perf_counter() - t0


def once_ok(got: list[str], items: int) -> tuple[bool, str]:
    dupes = len(got) - len(set(got))
    return dupes == 0 and len(set(got)) == items, f"{len(set(got))}/{items} handed out, {dupes} twice"


def run_agor(tmp: str, items: int, batch: int):
    path = fresh(tmp, Agor)
    _, enq = timed(agor_enqueue, path, items, batch)
    got, drain = timed(agor_drain, path, batch)
    return items / enq, len(got) / drain, *once_ok(got, items)


def run_huey(tmp: str, items: int):
    path = fresh(tmp, Huey)
    _, enq = timed(Huey.enqueue, path, items)
    got, drain = timed(Huey.drain, path, 0)
    return items / enq, len(got) / drain, *once_ok(got, items)


def median_of(runs):
    enq = statistics.median(r[0] for r in runs)
    drain = statistics.median(r[1] for r in runs)
    bad = [r[3] for r in runs if not r[2]]
    return enq, drain, "yes" if not bad else f"NO ({bad[0]})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="500 items, 1 repeat")
    args = ap.parse_args()
    if args.quick:
        args.items, args.repeat = 500, 1

    print(f"batch benchmark: {args.items} items queued, median of {args.repeat}, WAL + "
          f"synchronous=NORMAL, one process; python {sys.version.split()[0]}, stdlib sqlite "
          f"{sqlite3.sqlite_version}, agor {getattr(agor, '__version__', '?')}, load average "
          f"{os.getloadavg()[0]:.2f} at start\n")
    tmp = tempfile.mkdtemp(prefix="agor-batch-bench-")
    try:
        # Interleaved rounds, so a burst of load elsewhere on the machine hits every row alike.
        samples: dict[object, list] = {b: [] for b in BATCHES}
        samples["huey"] = []
        for _ in range(args.repeat):
            if HAVE_HUEY:
                samples["huey"].append(run_huey(tmp, args.items))
            for b in BATCHES:
                samples[b].append(run_agor(tmp, args.items, b))
        print("| contender | batch | enqueue items/s | claim+complete items/s | vs huey: enqueue | "
              "vs huey: claim+complete | exactly once |")
        print("|---|---:|---:|---:|---:|---:|---|")
        if HAVE_HUEY:
            h_enq, h_drain, h_once = median_of(samples["huey"])
            print(f"| huey SqliteStorage | 1 | {h_enq:,.0f} | {h_drain:,.0f} | 1.00x | 1.00x | {h_once} |")
        for b in BATCHES:
            enq, drain, once = median_of(samples[b])
            vs = (f"{enq / h_enq:.2f}x | {drain / h_drain:.2f}x" if HAVE_HUEY else "– | –")
            print(f"| agor | {b} | {enq:,.0f} | {drain:,.0f} | {vs} | {once} |")
        if not HAVE_HUEY:
            print("\n(huey is not installed: `pip install huey` for the comparison)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
