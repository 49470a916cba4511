"""Runs every benchmark of benches/ in one go and writes their tables into one report.

    python benches/run.py                       # every benchmark, full size (tens of minutes)
    python benches/run.py --quick               # a smoke run (CI): small sizes, asserts no speed
    python benches/run.py --db postgresql://…   # the engine-specific ones on PostgreSQL too
    python benches/run.py --only wake,many      # some of them

The report (default `target/bench/REPORT.md`) starts with the machine and its load, then each
benchmark's command and its output as printed (their tables are markdown). A benchmark that
fails is reported with its exit status and the run goes on; `run.py` exits non-zero at the end
if any failed, so a smoke run catches a benchmark that no longer runs. It never judges speed:
every figure is a ratio or a latency measured in the same run, for people to read.

The Python benchmarks need `import agor` (pip install the wheel, or maturin develop); the
queue comparison also wants huey, litequeue and persist-queue (absent ones are left out of its
table), the CLI and instruction counts the release binaries (`cargo build --release -p
agor-cli`), instruction counts valgrind, the serve benchmark Chromium and chromedriver.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# name -> (full arguments, quick arguments, takes --db). Each entry is one program of benches/;
# `${VAR}` in an argument is the environment's (the smoke run's binaries are debug builds).
BENCHES: dict[str, tuple[list[str], list[str], bool]] = {
    "python": (
        ["python_vs_sqlite3.py"],
        ["python_vs_sqlite3.py", "--sends", "200", "--reads", "500", "--background", "500"],
        False,
    ),
    "wake": (
        ["wake_bench.py"],
        ["wake_bench.py", "--rounds", "20", "--idle-secs", "1", "--waiters", "5", "--sends", "300"],
        True,
    ),
    "many": (["many_agents.py"], ["many_agents.py", "--quick"], True),
    "queue": (["queue_bench.py"], ["queue_bench.py", "--quick", "--only", "Agor,Floor"], False),
    "batch": (["batch_bench.py"], ["batch_bench.py", "--quick"], False),
    "derived": (["derived_bench.py"], ["derived_bench.py", "--quick"], False),
    # Starts its own throw-away PostgreSQL server (scripts/pg.sh): no --db.
    "pg": (["pg_bench.py"], ["pg_bench.py", "--quick"], False),
    "search": (["search_bench.py"], ["search_bench.py", "--sizes", "1000", "--searches", "20"], True),
    "serve": (["serve_bench.py"], ["serve_bench.py", "--quick"], False),
    "cli": (["cli_bench.py"], ["cli_bench.py", "--rounds", "5", "--native", "${AGOR_BTMSG}"], False),
    "instructions": (["instructions.py"], [], False),
}


def machine() -> list[str]:
    """What the figures were measured on: each line of the report's header."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    return [
        f"* date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"* machine: {os.cpu_count()} cores ({cpu}), {mem_kib / 2**20:.0f} GiB; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"* load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def run(name: str, args: list[str], db: str | None, out: list[str]) -> bool:
    cmd = [sys.executable, str(HERE / args[0]), *map(os.path.expandvars, args[1:])]
    if db:
        cmd += ["--db", db]
    shown = " ".join(["python", f"benches/{args[0]}", *map(shlex.quote, cmd[2:])])
    print(f"== {name}: {shown}", flush=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    secs = time.monotonic() - t0
    sys.stdout.write(p.stdout)
    out += [f"## {name}{' (PostgreSQL)' if db else ''}", "", f"`{shown}` ({secs:.0f} s, "
            f"load average after: {os.getloadavg()[0]:.2f})", "", p.stdout.rstrip(), ""]
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        out += [f"**failed** with exit status {p.returncode}:", "", "```",
                p.stderr.strip()[-2000:], "```", ""]
    return p.returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--db", help="also run the engine-specific benchmarks on this PostgreSQL URL")
    ap.add_argument("--only", help=f"comma-separated names among {', '.join(BENCHES)}")
    ap.add_argument("--out", default=str(ROOT / "target/bench/REPORT.md"), help="the report")
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHES)})")
    report = [f"# agor benchmarks{' (quick smoke run)' if a.quick else ''}", "", *machine(), ""]
    failed = []
    for name in names:
        full, quick, takes_db = BENCHES[name]
        args = quick if a.quick else full
        if not args:
            report += [f"## {name}", "", "not part of a quick run", ""]
            continue
        if not (HERE / args[0]).exists():
            report += [f"## {name}", "", f"benches/{args[0]} is not in this checkout", ""]
            continue
        runs = [None, a.db] if (a.db and takes_db) else [None]
        for db in runs:
            if not run(name, args, db, report):
                failed.append(name)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(report) + "\n")
    print(f"report: {a.out}")
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
