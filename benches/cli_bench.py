"""Wall time of `btmsg notify` and `btmsg send`: the native binary against the Python console
script (when installed) and against a Python stand-in for the legacy script, in one run.

Every implementation runs the same command on the same database, interleaved round by round
so machine noise hits all of them alike; the report gives medians and their ratios.

    cargo build --release -p agor-cli
    python benches/cli_bench.py --rounds 300

Options: --native PATH (default target/release/btmsg), --console CMD (default: `btmsg` on
PATH when it is a Python script), --rounds N.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What the legacy Python script does for these two commands, in the same process shape:
# start the interpreter, open the file with the stdlib sqlite3 module, run the queries, print.
# It is a stand-in for the legacy `btmsg` (not shipped here): same SQL, no argument library.
LEGACY_STAND_IN = r'''
import os, sqlite3, sys, uuid
db = sys.argv[1]
me = os.environ["BTMSG_AGENT_ID"]
conn = sqlite3.connect(db, timeout=10)
if sys.argv[2] == "notify":
    rows = conn.execute(
        "SELECT from_agent, count(*) FROM messages WHERE to_agent = ? AND read = 0 "
        "GROUP BY from_agent ORDER BY min(created_at)", (me,)).fetchall()
    total = sum(n for _, n in rows)
    if total:
        who = ", ".join(f"{s} ({n})" if n > 1 else s for s, n in rows)
        print(f"{total} unread message(s) from {who}")
else:
    to, content = sys.argv[3], " ".join(sys.argv[4:])
    sender = conn.execute("SELECT group_id, tier FROM agents WHERE id = ?", (me,)).fetchone()
    target = conn.execute("SELECT group_id FROM agents WHERE id = ?", (to,)).fetchone()
    if sender is None or target is None:
        sys.exit("unknown agent")
    if sender[1] != 0 and conn.execute(
            "SELECT 1 FROM contacts WHERE agent_id = ? AND contact_id = ?", (me, to)).fetchone() is None:
        sys.exit("not a contact")
    mid = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, sender_group_id, created_at) "
        "VALUES (?, ?, ?, ?, 0, ?, ?, datetime('now'))", (mid, me, to, content, target[0], sender[0]))
    conn.execute(
        "INSERT INTO audit_log (agent_id, event_type, detail, created_at) VALUES (?, 'message_sent', ?, datetime('now'))",
        (me, f"{me} -> {to} {mid}"))
    conn.commit()
    print("sent", mid[:8], "to", to)
'''


def console_script(explicit: str | None) -> list[str] | None:
    if explicit:
        return shlex.split(explicit)
    found = shutil.which("btmsg")
    if found is None:
        return None
    try:
        with open(found, "rb") as f:
            first = f.readline()
    except OSError:
        return None
    return [found] if b"python" in first else None


ERR_LOG = Path(tempfile.gettempdir()) / f"agor-cli-bench-{os.getpid()}.err"


def interpreter_of(console: list[str] | None) -> str:
    """The Python the console script runs on, so the stand-in pays the same start-up
    (a venv's interpreter starts faster than one with many site packages)."""
    if console:
        try:
            with open(console[0], "rb") as f:
                first = f.readline().decode(errors="replace")
        except OSError:
            first = ""
        if first.startswith("#!") and "python" in first:
            return first[2:].split()[0]
    return sys.executable


def run(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one call (posix_spawn: no copy of this process to fork first)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(ERR_LOG), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{shlex.join(cmd)} failed ({code}): {ERR_LOG.read_text().strip()}")
    return elapsed


def peak_rss_kib(cmd: list[str], env: dict[str, str]) -> int | None:
    """Peak RSS of one call, via GNU time. Not from wait4 here: Linux carries the peak of the
    process image replaced by exec over, which would be this Python process."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time is None:
        return None
    p = subprocess.run([gnu_time, "-f", "%M", *cmd], env=env, capture_output=True, text=True)
    return int(p.stderr.strip().splitlines()[-1]) if p.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--native", default=str(ROOT / "target/release/btmsg"))
    ap.add_argument("--console", default=None)
    ap.add_argument("--rounds", type=int, default=300)
    args = ap.parse_args()

    native = [args.native]
    if not Path(args.native).exists():
        sys.exit(f"{args.native} not found; run `cargo build --release -p agor-cli` first")
    console = console_script(args.console)

    work = Path(tempfile.mkdtemp(prefix="agor-cli-bench-"))
    db = work / "team.db"
    stand_in = work / "legacy_btmsg.py"
    stand_in.write_text(LEGACY_STAND_IN)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "AGOR_DB")}
    env["HOME"] = str(work)

    def setup(*a: str) -> None:
        subprocess.run(native + ["--db", str(db), *a], env=env, check=True, stdout=subprocess.DEVNULL)

    setup("register", "mgr-1", "Manager", "manager", "core")
    setup("register", "dev-1", "Developer", "project", "core")
    setup("allow", "mgr-1", "dev-1", "-b")
    for i in range(3):
        subprocess.run(native + ["--db", str(db), "send", "dev-1", f"task {i}"],
                       env={**env, "BTMSG_AGENT_ID": "mgr-1"}, check=True, stdout=subprocess.DEVNULL)

    impls = {"native": native}
    if console:
        impls["console script"] = console
    python = interpreter_of(console)
    impls["legacy stand-in"] = [python, str(stand_in)]

    def command(impl: str, op: str) -> list[str]:
        base = impls[impl]
        if impl == "legacy stand-in":
            return base + [str(db), op] + (["dev-1", "bench", "message"] if op == "send" else [])
        tail = ["send", "dev-1", "bench", "message"] if op == "send" else ["notify"]
        return base + ["--db", str(db)] + tail

    scenarios = [("file idle", False), ("file held open by another process", True)]
    results: dict[tuple[str, str, str], list[float]] = {}
    peak_kib: dict[str, int | None] = {}
    for scenario, held in scenarios:
        # A long-lived reader (like the desktop app) means no process is the last to close the
        # file, so SQLite skips the checkpoint-and-fsync it otherwise does on every close.
        holder = sqlite3.connect(db) if held else None
        if holder is not None:
            holder.execute("SELECT count(*) FROM agents").fetchone()
        try:
            for op, agent in (("notify", "dev-1"), ("send", "mgr-1")):
                op_env = {**env, "BTMSG_AGENT_ID": agent}
                for impl in impls:  # warm-up: page cache, first WAL creation
                    run(command(impl, op), op_env)
                for _ in range(args.rounds):
                    for impl in impls:
                        results.setdefault((scenario, op, impl), []).append(
                            run(command(impl, op), op_env))
                for impl in impls:
                    kib = peak_rss_kib(command(impl, op), op_env)
                    if kib is not None:
                        peak_kib[impl] = max(peak_kib.get(impl) or 0, kib)
        finally:
            if holder is not None:
                holder.close()

    print(f"# btmsg CLI wall time, {args.rounds} rounds, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()} ({python})\n")
    if not console:
        print("Console script column skipped: no Python `btmsg` console script installed "
              "(install the package, or pass --console CMD).\n")
    names = list(impls)
    header = "| scenario | command | " + " | ".join(f"{n} median ms" for n in names)
    header += " | native / legacy stand-in |"
    if console:
        header += " console / legacy stand-in | console / native |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for scenario, _ in scenarios:
        for op in ("notify", "send"):
            med = {n: statistics.median(results[(scenario, op, n)]) * 1000 for n in names}
            row = f"| {scenario} | {op} | " + " | ".join(f"{med[n]:.2f}" for n in names)
            row += f" | {med['native'] / med['legacy stand-in']:.2f} |"
            if console:
                row += (f" {med['console script'] / med['legacy stand-in']:.2f} |"
                        f" {med['console script'] / med['native']:.2f} |")
            print(row)
    if peak_kib:
        print("\nPeak RSS of one call (GNU time, largest over the commands): " + ", ".join(
            f"{n} {peak_kib[n] / 1024:.1f} MiB" for n in names if n in peak_kib) + ".")
    else:
        print("\nPeak RSS not measured: GNU time (/usr/bin/time) is not installed.")
    shutil.rmtree(work, ignore_errors=True)
    ERR_LOG.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
