"""The README's quick start, run as written: the second shell block of "Run a team in five
minutes" takes a lead from nothing to two agents exchanging work through MCP (issue 21). The
build step (the first block) is the test run's own build: the block finds the commands on PATH
(`$AGOR_BTMSG`'s and `$AGOR_MCP`'s folders, or the installed console scripts)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import import_or_require

import_or_require("mcp")

ROOT = Path(__file__).resolve().parents[2]


def quick_start_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Run a team in five minutes", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the quick start has a build block and a run block"
    return blocks[1]


def test_the_readme_quick_start_runs_as_written() -> None:
    block = quick_start_block()
    folders = [str(Path(os.environ[v]).parent) for v in ("AGOR_BTMSG", "AGOR_MCP") if os.environ.get(v)]
    path = os.pathsep.join([*folders, str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {k: v for k, v in os.environ.items() if k not in ("BTMSG_AGENT_ID", "AGOR_DB")}
    env["PATH"] = path
    started = time.monotonic()
    # Its own process group: the server it starts in the background goes with it, even when
    # a step fails before the block's own `kill`.
    # Output to a file, not a pipe: a server left running by a failed step keeps a pipe open.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", block], cwd=ROOT, env=env, text=True,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            proc.wait(timeout=120)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        log.seek(0)
        out = log.read()
    took = time.monotonic() - started
    assert proc.returncode == 0, out
    assert "lead: created 'Write the parser' for dev-1" in out, out
    assert "dev-1: claimed 'Write the parser'" in out, out
    assert "lead: dev-1 answered: 'done: the parser is in'" in out, out
    # The board printed at the end shows the work done.
    board = out.split("dev-1 answered", 1)[1]
    assert "Write the parser" in board and "done" in board.lower(), out
    print(f"quick start ran in {took:.1f} s (without the build)")
