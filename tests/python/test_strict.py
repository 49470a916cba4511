"""A strict run (`AGOR_TEST_STRICT=1`, set by scripts/test.sh, or CI=true) fails every skip of
this suite, whatever its kind, naming the test and the reason; outside one they stay skips.
Checked on a throw-away suite run in a child pytest with this suite's conftest as a plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# One skip of each kind the suite has: `require` in a test and in a fixture, a `skipif` mark,
# a bare `pytest.skip`, and a whole file skipped at import (`import_or_require`).
PROBES = {
    "test_probe.py": """
        import pytest
        from conftest import require

        @pytest.fixture
        def server():
            require("a probe server", "none in this probe")

        def test_require():
            require("a probe tool", "none in this probe")

        def test_fixture(server):
            pass

        @pytest.mark.skipif(True, reason="a probe mark")
        def test_mark():
            pass

        def test_bare():
            pytest.skip("a bare probe skip")

        def test_passes():
            pass
    """,
    "test_probe_module.py": """
        from conftest import import_or_require
        import_or_require("agor_no_such_probe_module")

        def test_never_collected():
            pass
    """,
}


def run_probes(tmp_path: Path, target: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs pytest on `target` (a probe file, or `.` for both) with `env` added."""
    for name, text in PROBES.items():
        lines = text.splitlines()
        (tmp_path / name).write_text("\n".join(line[8:] for line in lines) + "\n")
    base = {k: v for k, v in os.environ.items() if k not in ("AGOR_TEST_STRICT", "CI")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "conftest", target],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(HERE), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def strict_failure(test: str, reason: str) -> str:
    return f"{test} skipped, and a strict run (AGOR_TEST_STRICT=1 or CI=true) skips nothing: {reason}"


def test_outside_a_strict_run_skips_stay_skips(tmp_path: Path) -> None:
    p = run_probes(tmp_path, ".")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "1 passed, 5 skipped" in p.stdout, p.stdout


def test_a_strict_run_fails_every_skip_naming_test_and_reason(tmp_path: Path) -> None:
    for env in ({"AGOR_TEST_STRICT": "1"}, {"CI": "true"}):
        p = run_probes(tmp_path, "test_probe.py", **env)
        assert p.returncode == 1, (env, p.stdout + p.stderr)
        # A skip in setup (a fixture's `require`, a mark) fails as an error at setup.
        assert "2 failed, 1 passed, 2 errors" in p.stdout, (env, p.stdout)
        for test, reason in [
            ("test_require", "a probe tool is missing: none in this probe"),
            ("test_fixture", "a probe server is missing: none in this probe"),
            ("test_mark", "a probe mark"),
            ("test_bare", "a bare probe skip"),
        ]:
            assert strict_failure(f"test_probe.py::{test}", reason) in p.stdout, (env, test, p.stdout)

        # A file skipped at import fails the collection, which stops the run.
        p = run_probes(tmp_path, "test_probe_module.py", **env)
        assert p.returncode == 2, (env, p.stdout + p.stderr)
        reason = "the Python package 'agor_no_such_probe_module' is missing"
        assert strict_failure("test_probe_module.py", reason) in p.stdout, (env, p.stdout)
