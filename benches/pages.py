"""Pages per transition (SPEC §15): which B-tree pages one enqueue, one claim and one
completion write, on a SQLite file, by name of table or index.

Each operation runs alone after a checkpoint has emptied the write-ahead log, so the frames
it appends to the log are exactly the pages its transaction dirtied; `dbstat` says which
table or index each page belongs to. Counts are averaged over `--ops` operations on a board
that already holds `--queued` tasks (a split, or a new leaf, shows as a fraction).

    python benches/pages.py                 # 200 of each, 5,000 tasks queued
    python benches/pages.py --queued 100000

Writes a markdown table; it asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import os
import sqlite3
import struct
import tempfile

import agor

WAL_HEADER = 32
FRAME_HEADER = 24


def frames(db: str, page_size: int) -> list[int]:
    """The page number of every frame in `db`'s write-ahead log, in order."""
    try:
        data = open(db + "-wal", "rb").read()
    except FileNotFoundError:
        return []
    out = []
    at = WAL_HEADER
    while at + FRAME_HEADER <= len(data):
        out.append(struct.unpack(">I", data[at:at + 4])[0])
        at += FRAME_HEADER + page_size
    return out


def owners(peek: sqlite3.Connection) -> dict[int, str]:
    """Page number -> the table or index it belongs to (page 1 is the file header's)."""
    return {pageno: name for name, pageno in peek.execute("SELECT name, pageno FROM dbstat")}


def measure(db: str, peek: sqlite3.Connection, page_size: int, op) -> collections.Counter:
    peek.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    op()
    pages = set(frames(db, page_size))
    names = owners(peek)
    return collections.Counter(names.get(p, "(freelist or new)") for p in pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ops", type=int, default=200, help="operations of each kind measured")
    ap.add_argument("--queued", type=int, default=5000, help="tasks on the board beforehand")
    a = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = os.path.join(tmp.name, "pages.db")
    store = agor.open(db)
    store.register_agent("mgr", "Mgr", "manager", "g")
    store.register_agent("dev", "Dev", "project", "g")
    mgr, dev = store.as_agent("mgr"), store.as_agent("dev")
    for i in range(a.queued):
        mgr.create_task(f"queued {i}")
    peek = sqlite3.connect(db)
    page_size = peek.execute("PRAGMA page_size").fetchone()[0]

    totals = {k: collections.Counter() for k in ("enqueue", "claim", "complete")}
    for i in range(a.ops):
        # The new task goes first in claim order (urgent), so the claim takes it.
        made = []
        totals["enqueue"] += measure(db, peek, page_size,
                                     lambda: made.append(mgr.create_task(f"t{i}", priority="critical")))
        claims = []
        totals["claim"] += measure(db, peek, page_size, lambda: claims.append(dev.claim_task()))
        claim = claims[0]
        assert claim is not None and claim.task.id == made[0].id
        totals["complete"] += measure(
            db, peek, page_size, lambda: dev.complete_task(claim.task.id, claim.token, "done"))

    names = sorted({n for c in totals.values() for n in c})
    print(f"pages written per operation (mean of {a.ops}; {a.queued} tasks queued; "
          f"page size {page_size} B; agor {agor.__version__}, SQLite file)")
    print("| table or index | " + " | ".join(totals) + " |")
    print("|---|" + "---:|" * len(totals))
    for n in names:
        print(f"| {n} | " + " | ".join(f"{totals[k][n] / a.ops:.2f}" for k in totals) + " |")
    print("| **total** | " + " | ".join(f"**{sum(c.values()) / a.ops:.2f}**" for c in totals.values()) + " |")
    litequeue_pages(tmp.name, a.ops)


def litequeue_pages(folder: str, ops: int) -> None:
    """The same count for litequeue's `put`, `pop` and `done` (the queue benchmark's peer), so
    the two tables say how much of the gap is pages. Skipped when litequeue is not installed."""
    try:
        from litequeue import LiteQueue
    except ImportError:
        return
    db = os.path.join(folder, "litequeue.db")
    q = LiteQueue(db)
    for i in range(5000):
        q.put(f"queued {i}")
    peek = sqlite3.connect(db)
    page_size = peek.execute("PRAGMA page_size").fetchone()[0]
    totals = {k: collections.Counter() for k in ("put", "pop", "done")}
    for i in range(ops):
        totals["put"] += measure(db, peek, page_size, lambda: q.put(f"t{i}"))
        got = []
        totals["pop"] += measure(db, peek, page_size, lambda: got.append(q.pop()))
        totals["done"] += measure(db, peek, page_size, lambda: q.done(got[0].message_id))
    print(f"\nlitequeue, the same way (mean of {ops}; 5000 messages queued): " + ", ".join(
        f"{k} {sum(c.values()) / ops:.2f} pages ({', '.join(f'{n} {v / ops:.2f}' for n, v in sorted(c.items()))})"
        for k, c in totals.items()))


if __name__ == "__main__":
    main()
