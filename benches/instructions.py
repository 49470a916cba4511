"""Instructions executed by the single-process paths (CLI commands, a Python session), counted
by valgrind's callgrind: a count does not move with machine noise, so two builds can be
compared in one run to within a fraction of a percent, where wall time cannot.

    cargo build --release -p agor-cli && pip install .           # the build under test
    python benches/instructions.py --save after.json
    python benches/instructions.py --compare before.json         # ratio against a saved run

Options: --btmsg/--bttask PATH (default target/release/*), --python PATH (an interpreter whose
`import agor` is the build under test; default this one), --save FILE, --compare FILE.
Each path runs on a database seeded the same way (a team of 3, 20 messages, 20 tasks), so
the counts include process start, opening the file and the schema check, as a user pays them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SEED = r"""
import agor, sys
store = agor.open(sys.argv[1])
for a in ("mgr", "dev", "rev"):
    role = {"mgr": "manager", "dev": "developer", "rev": "reviewer"}[a]
    store.register_agent(a, a, role, "team")
    if a != "mgr":
        store.allow("mgr", a, bidirectional=True)
mgr, dev = store.as_agent("mgr"), store.as_agent("dev")
for i in range(20):
    mgr.send("dev", f"note {i}")
    mgr.create_task(f"task {i}")
"""

# One Python session as an agent script lives it: open, read the inbox, claim and finish work.
PYTHON_SESSION = r"""
import agor, sys
store = agor.open(sys.argv[1])
dev = store.as_agent("dev")
dev.heartbeat()
dev.inbox()
for _ in range(5):
    claim = dev.claim_task()
    dev.complete_task(claim.task.id, claim.token, "done")
dev.send("mgr", "five done")
store.list_tasks()
"""

CLI_PATHS = [
    ("btmsg inbox", "btmsg", ["inbox"]),
    ("btmsg send", "btmsg", ["send", "mgr", "hello from the bench"]),
    ("btmsg notify", "btmsg", ["notify"]),
    ("bttask list", "bttask", ["list"]),
    ("bttask claim-next", "bttask", ["claim"]),
]

COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions executed by one run of `argv` (the process itself, not its children)."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env=env, capture_output=True, text=True, check=False,
    )
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{run.stdout}\n{run.stderr}")
    found = COLLECTED.search(run.stderr)
    if not found:
        raise SystemExit(f"no callgrind count for {argv}:\n{run.stderr}")
    return int(found.group(1))


def measure(args: argparse.Namespace) -> dict[str, int]:
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Without PYTHONDONTWRITEBYTECODE: the seeding run caches the package's bytecode, as
        # an installed wheel has it, so the session does not count compiling its sources (in
        # an editable install, with that variable set, every import compiles them again).
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("BTMSG_", "AGOR_")) and k != "PYTHONDONTWRITEBYTECODE"}
        for name, tool, argv in [("python session", None, None), *CLI_PATHS]:
            db = os.path.join(tmp, f"{len(counts)}.db")
            subprocess.run([args.python, "-c", SEED, db], check=True, env=env)
            run_env = {**env, "AGOR_DB": db, "BTMSG_AGENT_ID": "dev"}
            if tool is None:
                counts[name] = instructions([args.python, "-c", PYTHON_SESSION, db], run_env)
            else:
                path = args.btmsg if tool == "btmsg" else args.bttask
                counts[name] = instructions([path, *argv], run_env)
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--btmsg", default=str(ROOT / "target/release/btmsg"))
    p.add_argument("--bttask", default=str(ROOT / "target/release/bttask"))
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--save")
    p.add_argument("--compare")
    args = p.parse_args()
    counts = measure(args)
    before = json.loads(Path(args.compare).read_text()) if args.compare else {}
    print("| path | instructions | " + ("baseline | ratio |" if before else ""))
    print("|---|---:|" + ("---:|---:|" if before else ""))
    for name, n in counts.items():
        row = f"| {name} | {n:,} |"
        if name in before:
            row += f" {before[name]:,} | {n / before[name]:.3f}x |"
        print(row)
    if args.save:
        Path(args.save).write_text(json.dumps(counts, indent=1) + "\n")


if __name__ == "__main__":
    main()
