"""Full-text search benchmark (SPEC §10): search latency at 10k and 1M messages.

For each size, a fresh database gets a team of 50 agents and that many DMs between them, each
of 12 words drawn from a 50,000-word vocabulary, written behind agor's back the way the legacy
scripts write (plain INSERTs: stdlib sqlite3 in another process, or psql). The first search
then indexes them all (reported as the catch-up time); after that, 200 searches by one agent
for a random word (about 240 documents hold each word at 1M; the agent may read 1/25 of
them), and for a random two-word AND; p50 and p99 of each.

    python benches/search_bench.py                       # SQLite, 10k and 1M
    python benches/search_bench.py --sizes 10000          # smaller
    python benches/search_bench.py --db 'postgresql://…&options=-csearch_path%3Dsb' --sizes 10000,1000000

The PostgreSQL URL names a schema the benchmark may empty (it drops and recreates it).
Reports figures from one run; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import agor

AGENTS = 50
VOCAB = 50_000
WORDS = 12

SQLITE_FILL = textwrap.dedent(
    """
    import random, sqlite3, sys, uuid
    db, n, agents, vocab, words = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rnd = random.Random(7)
    con = sqlite3.connect(db)
    rows = []
    for i in range(n):
        a, b = rnd.sample(range(agents), 2)
        text = " ".join(f"w{rnd.randrange(vocab)}" for _ in range(words))
        rows.append((str(uuid.UUID(int=rnd.getrandbits(128))), f"a{a}", f"a{b}", text, "bench"))
        if len(rows) == 50_000:
            con.executemany("INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at) VALUES (?, ?, ?, ?, 0, ?, datetime('now'))", rows)
            rows.clear()
    con.executemany("INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at) VALUES (?, ?, ?, ?, 0, ?, datetime('now'))", rows)
    con.commit()
    """
)

PG_FILL = """
INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
SELECT md5(random()::text || g), 'a' || (g % {agents}), 'a' || ((g * 7 + 1) % {agents}),
       (SELECT string_agg('w' || floor(random() * {vocab})::int, ' ')
          FROM generate_series(1, {words}) AS w WHERE g > 0),
       0, 'bench', '2026-01-01 00:00:00'
FROM generate_series(1, {n}) AS g
"""


def fill(db: str, n: int) -> None:
    if db.startswith("postgres"):
        sql = PG_FILL.format(agents=AGENTS, vocab=VOCAB, words=WORDS, n=n)
        subprocess.run(["psql", db, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)
    else:
        subprocess.run([sys.executable, "-c", SQLITE_FILL, db, str(n), str(AGENTS), str(VOCAB), str(WORDS)], check=True)


def fresh(db_arg: str | None, tmp: str, n: int) -> str:
    if db_arg is None:
        return os.path.join(tmp, f"search-{n}.db")
    schema = db_arg.rsplit("search_path%3D", 1)[1].split("&")[0]
    subprocess.run(
        ["psql", db_arg.split("&options=")[0].split("?options=")[0], "-X", "-q", "-c",
         f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"],
        check=True,
        env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
    )
    return db_arg


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def run(db: str, n: int, searches: int) -> dict[str, float]:
    store = agor.open(db)
    for i in range(AGENTS):
        store.register_agent(f"a{i}", f"A{i}", "project", "bench")
    fill(db, n)
    me = store.as_agent("a0")
    t0 = time.perf_counter()
    me.search("w1")
    catch_up = time.perf_counter() - t0
    rnd = random.Random(11)
    one, two, found = [], [], 0
    for _ in range(searches):
        q = f"w{rnd.randrange(VOCAB)}"
        t0 = time.perf_counter()
        found += len(me.search(q))
        one.append((time.perf_counter() - t0) * 1000)
        q = f"w{rnd.randrange(VOCAB)} w{rnd.randrange(VOCAB)}"
        t0 = time.perf_counter()
        me.search(q)
        two.append((time.perf_counter() - t0) * 1000)
    store.close()
    return {
        "catch_up_s": catch_up,
        "p50": statistics.median(one),
        "p99": percentile(one, 0.99),
        "and_p50": statistics.median(two),
        "and_p99": percentile(two, 0.99),
        "hits": found / searches,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="a PostgreSQL URL naming a schema (default: SQLite temp files)")
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--searches", type=int, default=200)
    a = ap.parse_args()
    engine = "PostgreSQL" if a.db else "SQLite"
    print(f"engine: {engine}; {AGENTS} agents, {WORDS} words per message from {VOCAB}; {a.searches} searches each")
    print("| messages | first search (indexes all) | one word p50 | p99 | two words p50 | p99 | hits per search |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in a.sizes.split(",")):
            r = run(fresh(a.db, tmp, n), n, a.searches)
            print(
                f"| {n:,} | {r['catch_up_s']:.1f} s | {r['p50']:.2f} ms | {r['p99']:.2f} ms "
                f"| {r['and_p50']:.2f} ms | {r['and_p99']:.2f} ms | {r['hits']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
