"""Wake-up benchmark (SPEC §8), with real processes on one database:

* latency: a waiting process (`actor.wait`) against another process's `send`, from just before
  the send call to the waiter's return (so it includes the sender's commit): median and p99;
* idle CPU: what a process blocked in `wait` with nothing arriving uses, as a share of a core;
* writer slowdown: one process sending messages alone (before and after, averaged), and with 50
  processes waiting (each for its own mail, so no commit concerns them), as a ratio of
  throughputs.

Targets: median <= 5 ms, p99 <= 50 ms, idle <= 1 % of a core, writer slowed <= 10 %.

    python benches/wake_bench.py                      # a fresh SQLite file in a temp folder
    python benches/wake_bench.py --db postgresql://…  # a fresh schema's URL on a server

Reports figures from one run; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import agor

WAITER = textwrap.dedent(
    """
    import sys, time, agor
    db, me, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    actor = agor.open(db).as_agent(me)
    since = actor.latest_change()
    print("ready", flush=True)
    seen = 0
    while seen < rounds:
        got = actor.wait(["message"], since=since, timeout=None)
        now = time.time_ns()
        since = got[-1].cursor
        seen += len(got)
        for c in got:
            print(now, c.subject, flush=True)
    """
)

IDLE = textwrap.dedent(
    """
    import sys, agor
    actor = agor.open(sys.argv[1]).as_agent(sys.argv[2])
    print("ready", flush=True)
    actor.wait(["message"], timeout=float(sys.argv[3]))
    """
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc; 0 once it is gone (a
    browser's renderers come and go while they are counted)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(code: str, *args: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def latency(db: str, store: agor.Store, rounds: int) -> list[float]:
    waiter = start(WAITER, db, "waiter", str(rounds))
    sender = store.as_agent("sender")
    sent_at: dict[str, int] = {}
    for i in range(rounds):
        time.sleep(0.02)  # one at a time: each send finds the waiter asleep
        before = time.time_ns()
        m = sender.send("waiter", f"ping {i}")
        sent_at[m.id] = before
    out, _ = waiter.communicate(timeout=120)
    got = [line.split() for line in out.splitlines()]
    return [(int(ns) - sent_at[mid]) / 1e6 for ns, mid in got]


def idle_cpu(db: str, secs: float) -> float:
    p = start(IDLE, db, "waiter", str(secs + 5))
    time.sleep(1)  # past start-up
    c0, t0 = cpu_seconds(p.pid), time.monotonic()
    time.sleep(secs)
    used = (cpu_seconds(p.pid) - c0) / (time.monotonic() - t0)
    p.kill()
    p.wait()
    return used


def writer_rate(store: agor.Store, n: int) -> float:
    sender = store.as_agent("sender")
    t0 = time.perf_counter()
    for i in range(n):
        sender.send("sink", f"load {i}")
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="a database path or PostgreSQL URL (default: a temp file)")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--idle-secs", type=float, default=10)
    ap.add_argument("--waiters", type=int, default=50)
    ap.add_argument("--sends", type=int, default=5000)
    a = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = a.db or os.path.join(tmp.name, "wake.db")
    store = agor.open(db)
    store.register_agent("sender", "Sender", "manager", "bench")
    store.register_agent("waiter", "Waiter", "project", "bench")
    store.register_agent("sink", "Sink", "project", "bench")
    for i in range(a.waiters):
        store.register_agent(f"w{i}", f"W{i}", "project", "bench")
    for to in ("waiter", "sink"):
        store.allow("sender", to)
    engine = "PostgreSQL" if db.startswith("postgres") else "SQLite"

    lat = sorted(latency(db, store, a.rounds))
    median = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    idle = idle_cpu(db, a.idle_secs)

    before = writer_rate(store, a.sends)
    crowd = [start(WAITER, db, f"w{i}", "1") for i in range(a.waiters)]
    time.sleep(1)  # every waiter is blocked in wait, not starting up
    with_waiters = writer_rate(store, a.sends)
    for p in crowd:
        p.kill()
        p.wait()
    # Alone before and after, averaged: the file grows and the machine's load drifts.
    alone = (before + writer_rate(store, a.sends)) / 2

    print(f"engine: {engine}; {a.rounds} wake-ups, {a.waiters} waiters, {a.sends} sends")
    print("| measure | value | target |")
    print("|---|---:|---:|")
    print(f"| wake-up latency, median | {median:.2f} ms | <= 5 ms |")
    print(f"| wake-up latency, p99 | {p99:.2f} ms | <= 50 ms |")
    print(f"| idle waiter CPU | {idle * 100:.2f} % of a core | <= 1 % |")
    print(f"| writer alone (mean of before and after) | {alone:.0f} sends/s | |")
    print(f"| writer with {a.waiters} waiters | {with_waiters:.0f} sends/s | |")
    print(f"| writer slowdown (1 - with/alone) | {(1 - with_waiters / alone) * 100:.1f} % | <= 10 % |")


if __name__ == "__main__":
    main()
