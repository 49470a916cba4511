"""In-process Python benchmark: agor vs the same SQL through the stdlib ``sqlite3`` module.

Measures per-operation time of agor's ``send``, ``unread_count`` and ``inbox`` against a
baseline doing the equivalent SQL on one persistent ``sqlite3`` connection in WAL mode with
the same durability (``synchronous=NORMAL``): a send is one ``BEGIN IMMEDIATE`` transaction
inserting the message and its audit row; the reads are the unread-count and unread-inbox
SELECTs. agor additionally checks the sender, the recipient, the ACL and liveness inside its
transaction, and returns typed objects instead of tuples.

The two sides use *different* files. The baseline file is created (schema and indexes) by agor
and closed before ``sqlite3`` opens it, so the two SQLite copies in this process never hold the
same file open (see the warning in ``agor``'s docs).

Run:  python benches/python_vs_sqlite3.py [--sends N] [--reads N] [--background N]
Prints one table of per-operation times and the ratio measured in this run.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, List

import agor

SENDER, READER, OTHER = "mgr-1", "dev-1", "dev-2"
CONTENT = "please take the parser task and report back when the tests pass"


def time_per_op(op: Callable[[], object], n: int, rounds: int = 5) -> float:
    """Median over `rounds` of the mean time of `n` calls, in microseconds."""
    samples: List[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            op()
        samples.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(samples)


def setup_agor(path: Path) -> agor.Store:
    store = agor.open(path)
    store.register_agent(SENDER, "Manager", "manager", "core")
    store.register_agent(READER, "Developer", "project", "core")
    store.register_agent(OTHER, "Developer 2", "project", "core")
    store.allow(SENDER, READER, bidirectional=True)
    store.allow(SENDER, OTHER, bidirectional=True)
    return store


class Baseline:
    """The same SQL on one persistent stdlib connection, autocommit with explicit BEGIN."""

    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute(f"PRAGMA synchronous = {synchronous}")
        self.con.execute("PRAGMA busy_timeout = 10000")

    def send(self, to: str, content: str) -> str:
        msg_id = str(uuid.uuid4())
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute(
                "INSERT INTO messages (id, from_agent, to_agent, content, read, group_id,"
                " sender_group_id, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, datetime('now'))",
                (msg_id, SENDER, to, content, "core", "core"),
            )
            con.execute(
                "INSERT INTO audit_log (agent_id, event_type, detail, created_at)"
                " VALUES (?, 'message_sent', ?, datetime('now'))",
                (SENDER, f"{SENDER} -> {to} {msg_id}"),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return msg_id

    def unread_count(self, agent: str) -> int:
        return self.con.execute(
            "SELECT count(*) FROM messages WHERE to_agent = ? AND read = 0", (agent,)
        ).fetchone()[0]

    def inbox(self, agent: str) -> list:
        return self.con.execute(
            "SELECT id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id,"
            " created_at FROM messages WHERE to_agent = ? AND read = 0 ORDER BY created_at, rowid",
            (agent,),
        ).fetchall()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sends", type=int, default=2000, help="sends per timing round")
    ap.add_argument("--reads", type=int, default=5000, help="reads per timing round")
    ap.add_argument("--background", type=int, default=10000,
                    help="messages to another agent already in the file")
    ap.add_argument("--unread", type=int, default=20, help="unread messages the reader's inbox returns")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        agor_path, base_path = Path(tmp, "agor.db"), Path(tmp, "baseline.db")
        setup_agor(base_path).close()  # same schema and indexes; closed before sqlite3 opens it
        store = setup_agor(agor_path)
        sender, reader = store.as_agent(SENDER), store.as_agent(READER)
        base = Baseline(base_path)

        # Same starting content on both sides: background traffic plus the reader's unread mail.
        for i in range(args.background):
            sender.send(OTHER, CONTENT)
            base.send(OTHER, CONTENT)
        for i in range(args.unread):
            sender.send(READER, CONTENT)
            base.send(READER, CONTENT)
        assert reader.unread_count() == base.unread_count(READER) == args.unread

        rows = []
        # Reads first, while both inboxes hold exactly `--unread` messages.
        rows.append(("unread_count", time_per_op(reader.unread_count, args.reads),
                     time_per_op(lambda: base.unread_count(READER), args.reads)))
        rows.append((f"inbox ({args.unread} msgs)", time_per_op(reader.inbox, args.reads),
                     time_per_op(lambda: base.inbox(READER), args.reads)))
        agor_send = time_per_op(lambda: sender.send(OTHER, CONTENT), args.sends)
        rows.append(("send", agor_send, time_per_op(lambda: base.send(OTHER, CONTENT), args.sends)))
        base.con.close()
        # For reference only: sqlite3 at SQLite's default durability (fsync on every commit),
        # which is what a connection gets unless it sets `synchronous` itself.
        full = Baseline(base_path, synchronous="FULL")
        rows.append(("send (sqlite3 FULL)*", agor_send,
                     time_per_op(lambda: full.send(OTHER, CONTENT), max(1, args.sends // 4))))
        full.con.close()
        store.close()

    print(f"agor {agor.__version__} vs sqlite3 {sqlite3.sqlite_version} (stdlib module), "
          f"Python {platform.python_version()}, {platform.machine()}")
    print(f"{args.background} background messages, median of 5 rounds; "
          f"ratio = sqlite3 time / agor time (>1 means agor is faster)")
    print(f"{'operation':<22}{'agor µs/op':>12}{'sqlite3 µs/op':>15}{'ratio':>8}")
    for name, a, b in rows:
        print(f"{name:<22}{a:>12.2f}{b:>15.2f}{b / a:>8.2f}")
    print("* reference row: agor at synchronous=NORMAL against sqlite3 at synchronous=FULL; "
          "not a like-for-like comparison")


if __name__ == "__main__":
    main()
