"""Shared fixtures of the Python test suite: a fresh database path, a store with a small
team, and a way to touch the file with the stdlib ``sqlite3`` module from another process.

The stdlib ``sqlite3`` module must never open an agor file inside the test process itself:
two SQLite copies in one process break each other's POSIX locks (see ``agor``'s docs).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

import agor

# The team every test starts from (id, name, role, group). Tiers come from the roles:
# boss 0; mgr-1, arch-1, rev-1 1; dev-1, dev-2 2. ops-1 lives in another group.
TEAM = [
    ("boss", "Boss", "admin", "core"),
    ("mgr-1", "Manager", "manager", "core"),
    ("arch-1", "Architect", "architect", "core"),
    ("rev-1", "Reviewer", "reviewer", "core"),
    ("dev-1", "Developer One", "project", "core"),
    ("dev-2", "Developer Two", "project", "core"),
    ("ops-1", "Operations", "manager", "ops"),
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path in a fresh temporary folder; the file does not exist yet."""
    return tmp_path / "team.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[agor.Store]:
    """A store with TEAM registered. Contacts: mgr-1 <-> dev-1, dev-2, arch-1, rev-1.
    dev-1 and dev-2 may not message each other."""
    with agor.open(db_path) as s:
        for agent in TEAM:
            s.register_agent(*agent)
        for other in ("dev-1", "dev-2", "arch-1", "rev-1"):
            s.allow("mgr-1", other, bidirectional=True)
        yield s


def run_python(code: str, *args: str, timeout: float = 60) -> str:
    """Runs `code` in a fresh interpreter with `args` as sys.argv[1:]; returns its stdout.
    Fails the test with the child's stderr if it exits non-zero."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        pytest.fail(f"child exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def sqlite_in_subprocess(db: Path, *statements: str) -> list:
    """Executes `statements` in order on `db` with the stdlib sqlite3 module in a separate
    process (never in this one) and returns the rows of the last one."""
    out = run_python(
        """
        import sqlite3, sys
        con = sqlite3.connect(sys.argv[1], isolation_level=None)
        rows = []
        for sql in sys.argv[2:]:
            rows = con.execute(sql).fetchall()
        con.close()
        print(repr(rows))
        """,
        str(db),
        *statements,
    )
    return ast.literal_eval(out.strip())
