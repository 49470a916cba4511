"""Runs an agor command (`btmsg`, `bttask`) as a subprocess against one database, for the CLI
test modules: which command to test, a clean environment, and helpers that assert the
command's contract (exit code, empty stderr on success, one `prog: error:` line on failure).
"""

from __future__ import annotations

import json
import os
import pty
import shlex
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

ESC = "\x1b["

# Text an agent (or a legacy script) could store to take over a reader's terminal: escape
# sequences (colour, clear screen, OSC title), BEL, a bare CR that rewrites the line, DEL, an
# 8-bit CSI, bidi overrides and isolates, zero-width and other invisible characters, a line
# separator, a BOM and a tag character.
HOSTILE = (
    "A\x1b[31mRED\x1b[0m\x1b]0;owned\x07\rB\x7f\x9b2J"
    "\u202eevil\u202c\u2066iso\u2069\u200e\u200f\u061c"
    "\u200bzw\u200d\ufeff\u2028\U000e0041Z"
)


def raw_controls(text: str) -> list[str]:
    """Characters of `text` that must not reach a terminal as themselves: controls other than
    newline and tab (C0, DEL, C1) and format, bidi and separator characters (Cf, Zl, Zp)."""
    return [
        c
        for c in text
        if (unicodedata.category(c) == "Cc" and c not in "\n\t")
        or unicodedata.category(c) in ("Cf", "Zl", "Zp")
    ]


def display_column(line: str, index: int) -> int:
    """The terminal column at which `line[index]` is shown (wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:index])

# Variables a caller's shell may have set that would change what the command does.
_SCRUBBED = ("BTMSG_AGENT_ID", "BTMSG_SESSION_ID", "AGOR_DB", "NO_COLOR")


def command_under_test(prog: str, variable: str) -> list[str]:
    """$variable (a path or a command line), else `prog` on PATH (the console script)."""
    configured = os.environ.get(variable)
    if configured:
        return shlex.split(configured)
    found = shutil.which(prog)
    if found is None:
        pytest.fail(
            f"no {prog} to test: set {variable} (e.g. target/debug/{prog}) or install the package"
        )
    return [found]


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """Runs one command against one database with a clean environment."""

    def __init__(self, prog: str, command: list[str], db: Path, home: Path):
        self.prog = prog
        self.command = command
        self.db = db
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        # The default database path lives under HOME; never touch the real one.
        self.env["HOME"] = str(home)

    def argv(self, *args, db=True) -> list[str]:
        return self.command + (["--db", str(self.db)] if db else []) + list(args)

    def environ(self, agent=None, env=None) -> dict:
        env_ = dict(self.env)
        if agent is not None:
            env_["BTMSG_AGENT_ID"] = agent
        env_.update(env or {})
        return env_

    def run(self, *args, agent=None, env=None, db=True, stdout=None) -> Result:
        p = subprocess.run(
            self.argv(*args, db=db),
            env=self.environ(agent, env),
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        out = p.stdout.decode() if p.stdout is not None else ""
        return Result(p.returncode, out, p.stderr.decode())

    def ok(self, *args, **kw) -> str:
        r = self.run(*args, **kw)
        assert r.code == 0, f"{self.prog} {args} exited {r.code}: {r.err}"
        assert r.err == ""
        return r.out

    def json(self, *args, **kw):
        return json.loads(self.ok("--json", *args, **kw))

    def fails(self, code: int, *args, **kw) -> str:
        """Asserts exit `code`, nothing on stdout, and exactly one error line (for a usage
        error of a known command, followed by that command's usage lines); returns it."""
        r = self.run(*args, **kw)
        assert r.code == code, f"{self.prog} {args}: expected {code}, got {r.code}: {r.err}{r.out}"
        assert r.out == ""
        lines = r.err.splitlines()
        assert lines and lines[0].startswith(f"{self.prog}: error: "), r.err
        usage = lines[1:]
        if usage:
            assert code == 2, f"only usage errors show usage: {r.err!r}"
            assert usage[0].startswith(f"usage: {self.prog} "), f"one error line: {r.err!r}"
            assert all(u.startswith(f"       {self.prog} ") for u in usage[1:]), r.err
        return lines[0]

    def shows_nothing_raw(self, *args, **kw) -> Result:
        """Runs the command and asserts that neither stdout nor stderr carries a raw control,
        bidi or invisible character, whatever the exit code."""
        r = self.run(*args, **kw)
        for stream, text in (("stdout", r.out), ("stderr", r.err)):
            bad = raw_controls(text)
            assert not bad, f"{self.prog} {args}: raw {bad!r} on {stream}: {text!r}"
        return r

    def usage_lines(self, *args, **kw) -> list[str]:
        """The usage lines printed under the error line of a usage error (exit 2)."""
        r = self.run(*args, **kw)
        assert r.code == 2 and r.out == "", r
        return [line.removeprefix("usage:").strip() for line in r.err.splitlines()[1:]]


def run_on_tty(cli: Cli, *args, agent=None, env=None) -> str:
    """Runs the command with stdout on a pseudo-terminal and returns what it printed."""
    leader, follower = pty.openpty()
    try:
        r = cli.run(*args, agent=agent, env=env, stdout=follower)
        assert r.code == 0, r.err
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO once the terminal is drained and closed
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks).decode()
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
