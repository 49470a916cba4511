"""Shared fixtures of the Python test suite: a fresh database path, a store with a small
team, and a way to touch the file with the stdlib ``sqlite3`` module from another process.

The stdlib ``sqlite3`` module must never open an agor file inside the test process itself:
two SQLite copies in one process break each other's POSIX locks (see ``agor``'s docs).
"""

from __future__ import annotations

import ast
import importlib
import itertools
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator, NoReturn

import pytest

import agor
from cli_runner import command_under_test

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


# Set to a PostgreSQL URL, every test that takes `db` or `store` also runs on that server
# (`scripts/test.sh` starts a throw-away one). Tests of the file itself take `db_path`.
PG_ENV = "AGOR_TEST_PG"
_schemas = itertools.count()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path in a fresh temporary folder; the file does not exist yet."""
    return tmp_path / "team.db"


def new_pg_schema(url: str) -> str:
    """A fresh schema on the test server; returns the URL that opens it."""
    schema = f"py_{os.getpid()}_{next(_schemas)}_{time.time_ns() % 10**9}"
    subprocess.run(["psql", url, "-qc", f"CREATE SCHEMA {schema}"], check=True, capture_output=True)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


# A strict run (`AGOR_TEST_STRICT=1`, which scripts/test.sh sets, or CI=true) skips nothing:
# every skip (`require` for a missing tool such as the PostgreSQL server or the MCP client, a
# `skipif` mark, `pytest.importorskip`) fails instead, through the two hooks below, so a broken
# install step cannot pass unseen. Outside one, skips stay skips, for a partial local setup.
# The same rule as the Rust tests' (agor-core/src/test_env.rs) and tests/c/run.sh's.
STRICT_ENV = "AGOR_TEST_STRICT"
STRICT = os.environ.get(STRICT_ENV) == "1" or os.environ.get("CI") == "true"


def require(what: str, why: str) -> NoReturn:
    """Skips the test for lack of `what` (a failure in a strict run)."""
    pytest.skip(f"{what} is missing: {why}")


def import_or_require(module: str):
    """Imports `module` for a test file, or skips the whole file (a failure in a strict run)."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pytest.skip(f"the Python package {module!r} is missing ({e})", allow_module_level=True)


def _strict_failure(nodeid: str, longrepr) -> str:
    """What a skip of `nodeid` says when a strict run fails it; a skip's report holds
    (file, line, "Skipped: reason")."""
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    return f"{nodeid} skipped, and a strict run ({STRICT_ENV}=1 or CI=true) skips nothing: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item):
    """In a strict run, a skipped test (in its setup, its body or by a mark) fails instead,
    naming itself and the reason."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _strict_failure(item.nodeid, report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """In a strict run, a whole file skipped at import (`pytest.importorskip`, a module-level
    `pytest.skip`) fails its collection, naming the file and the reason."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped:
        report.outcome = "failed"
        report.longrepr = _strict_failure(collector.nodeid, report.longrepr)


def pg_server() -> str:
    """The PostgreSQL test server's URL (see `require`)."""
    url = os.environ.get(PG_ENV)
    if not url:
        require("a PostgreSQL server", f"{PG_ENV} is not set (scripts/test.sh starts one)")
    return url


@pytest.fixture
def pg_db() -> str:
    """A fresh schema on the PostgreSQL test server."""
    return new_pg_schema(pg_server())


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database on each engine: a file path, or a PostgreSQL URL of a fresh schema."""
    if request.param == "sqlite":
        return str(tmp_path / "team.db")
    return new_pg_schema(pg_server())


def open_team(location: str | Path) -> agor.Store:
    """Opens `location` and registers TEAM. Contacts: mgr-1 <-> dev-1, dev-2, arch-1, rev-1.
    dev-1 and dev-2 may not message each other."""
    s = agor.open(location)
    for agent in TEAM:
        s.register_agent(*agent)
    for other in ("dev-1", "dev-2", "arch-1", "rev-1"):
        s.allow("mgr-1", other, bidirectional=True)
    return s


# Where each fixture store lives (`store.path` hides a PostgreSQL password).
_locations: dict[int, str] = {}


@pytest.fixture
def store(db: str) -> Iterator[agor.Store]:
    """A store with TEAM registered, on each engine (see `open_team`)."""
    with open_team(db) as s:
        _locations[id(s)] = db
        yield s
        del _locations[id(s)]


def location(store: agor.Store) -> str:
    """The path or URL that opens the store's database again (for child processes)."""
    return _locations.get(id(store), store.path)


def sql_behind_api(store: agor.Store, *statements: str) -> list:
    """Executes `statements` (SQL both engines read) in order on the store's database from
    another process, behind agor's back, and returns the rows of the last one: psql for
    PostgreSQL, the stdlib sqlite3 module for a file (never in this process)."""
    where = location(store)
    if not where.startswith("postgresql://"):
        return sqlite_in_subprocess(Path(where), *statements)
    args = ["psql", where, "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1"]
    for sql in statements:
        args += ["-c", sql]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    last = [line for line in out.splitlines() if line]
    return [tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("\x1f")) for line in last]


@pytest.fixture
def file_store(db_path: Path) -> Iterator[agor.Store]:
    """A store with TEAM registered in the SQLite file `db_path`, for tests of the file."""
    with open_team(db_path) as s:
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


# The command under test of each CLI, for the suites that run both (see cli_runner.py).
@pytest.fixture(scope="session")
def btmsg_cmd() -> list[str]:
    return command_under_test("btmsg", "AGOR_BTMSG")


@pytest.fixture(scope="session")
def bttask_cmd() -> list[str]:
    return command_under_test("bttask", "AGOR_BTTASK")
