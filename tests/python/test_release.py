"""The release (issue 25): one version on every surface, the package under test being the
installed wheel, the sdist holding what a build reads, and the shell completions and man pages
generated from the command tables.

The commands are the native binaries named by $AGOR_BTMSG, $AGOR_BTTASK and $AGOR_MCP (else
the console scripts on PATH); the C library is $AGOR_LIBAGOR (else target/debug/libagor.so).
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

import agor
from cli_runner import command_under_test
from conftest import require

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "agor-coord"
PROGRAMS = {"btmsg": "AGOR_BTMSG", "bttask": "AGOR_BTTASK", "agor": "AGOR_MCP"}


def workspace_version() -> str:
    """The one place the version is written: the workspace's Cargo.toml."""
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version = "([^"]+)"', section, re.M).group(1)


def run(prog: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        command_under_test(prog, PROGRAMS[prog]) + list(args),
        capture_output=True, text=True, timeout=60, **kw,
    )


def mcp_server_version(tmp_path: Path) -> str:
    db = tmp_path / "v.db"
    agor.open(str(db)).close()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}}
    p = run("agor", "mcp", "--db", str(db), input=json.dumps(init) + "\n")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[0])["result"]["serverInfo"]["version"]


def c_library_version() -> str:
    path = os.environ.get("AGOR_LIBAGOR") or str(ROOT / "target" / "debug" / "libagor.so")
    if not Path(path).exists():
        require("the C library", f"{path} is missing (cargo build -p agor-ffi)")
    lib = ctypes.CDLL(path)
    lib.agor_version.restype = ctypes.c_char_p
    return lib.agor_version().decode()


def test_every_surface_reports_the_workspace_version(tmp_path: Path) -> None:
    version = workspace_version()
    seen = {
        "agor.__version__": agor.__version__,
        "btmsg --version": run("btmsg", "--version").stdout.strip(),
        "bttask --version": run("bttask", "--version").stdout.strip(),
        "agor --version": run("agor", "--version").stdout.strip(),
        "MCP serverInfo": mcp_server_version(tmp_path),
        "C agor_version()": c_library_version(),
    }
    expected = {
        "agor.__version__": version,
        "btmsg --version": f"btmsg {version}",
        "bttask --version": f"bttask {version}",
        "agor --version": f"agor {version}",
        "MCP serverInfo": version,
        "C agor_version()": version,
    }
    assert seen == expected


def installed_distribution() -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        require(f"the installed {DISTRIBUTION} wheel", "scripts/test.sh installs it")


def test_the_package_under_test_is_the_installed_wheel() -> None:
    dist = installed_distribution()
    assert dist.version == workspace_version()
    # Imported from the install, not from python/ of the tree.
    assert ROOT / "python" not in Path(agor.__file__).resolve().parents
    scripts = {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"}
    assert scripts == {"btmsg": "agor._cli:btmsg", "bttask": "agor._cli:bttask",
                       "agor": "agor._cli:agor"}
    files = {str(f) for f in dist.files}
    assert any(re.fullmatch(r"agor/_agor\.abi3\.so", f) for f in files), sorted(files)
    assert {"agor/__init__.py", "agor/py.typed", "agor/_agor.pyi"} <= files


def test_the_sdist_holds_every_source_the_build_reads() -> None:
    sdist = os.environ.get("AGOR_SDIST")
    if not sdist:
        require("an sdist", "AGOR_SDIST is not set (scripts/test.sh builds one)")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    needed = {"pyproject.toml", "Cargo.toml", "Cargo.lock"}
    for crate in ("agor-core", "agor-cli", "agor-mcp", "agor-py"):
        needed.add(f"{crate}/Cargo.toml")
        needed |= {str(p.relative_to(ROOT)) for p in (ROOT / crate / "src").rglob("*") if p.is_file()}
    needed |= {str(p.relative_to(ROOT)) for p in (ROOT / "python" / "agor").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".so"}
    assert sorted(needed - names) == []


def completion_script(tmp_path: Path, prog: str, shell: str) -> Path:
    p = run(prog, "completions", shell)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    path = tmp_path / f"{prog}.{shell}"
    path.write_text(p.stdout)
    return path


def bash_complete(script: Path, prog: str, words: list[str]) -> list[str]:
    """COMPREPLY of the script's function for the line `prog words…` (completing the last)."""
    line = " ".join(f"'{w}'" for w in [prog, *words])
    p = subprocess.run(
        ["bash", "--norc", "-c",
         f'source "$1"; COMP_WORDS=({line}); COMP_CWORD={len(words)}; '
         f'_agor_{prog}; printf "%s\\n" "${{COMPREPLY[@]}}"', "bash", str(script)],
        capture_output=True, text=True, timeout=30,
    )
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return p.stdout.split()


def test_bash_completion_offers_the_table_words(tmp_path: Path) -> None:
    btmsg = completion_script(tmp_path, "btmsg", "bash")
    assert "send" in bash_complete(btmsg, "btmsg", ["se"])
    assert "inbox" not in bash_complete(btmsg, "btmsg", ["se"])
    # A global option's value is not a command word; a group offers its subcommands.
    assert "send" in bash_complete(btmsg, "btmsg", ["--db", "x.db", "se"])
    assert bash_complete(btmsg, "btmsg", ["channel", "h"]) == ["history"]
    assert "--content" in bash_complete(btmsg, "btmsg", ["send", "--to", "bob", "--c"])
    bttask = completion_script(tmp_path, "bttask", "bash")
    assert "claim" in bash_complete(bttask, "bttask", ["cl"])
    agor_script = completion_script(tmp_path, "agor", "bash")
    assert bash_complete(agor_script, "agor", ["mcp", "--ht"]) == ["--http"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_read_the_scripts(tmp_path: Path, shell: str) -> None:
    if shutil.which(shell) is None:
        require(shell, "apt-get install zsh fish (scripts/test.sh does)")
    for prog in PROGRAMS:
        script = completion_script(tmp_path, prog, shell)
        p = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert p.returncode == 0 and p.stderr == "", (prog, p.stderr)
    if shell == "fish":
        script = tmp_path / "btmsg.fish"
        p = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C 'btmsg se'"],
                           capture_output=True, text=True, timeout=30)
        assert "send" in [line.split("\t")[0] for line in p.stdout.splitlines()], p.stdout


def table_commands(prog: str) -> list[str]:
    """The commands `prog --help` lists (from its command table): each usage line's leading
    lowercase words (`channel send`, `set-status`)."""
    help_text = run(prog, "--help").stdout
    if prog == "agor":
        lines = [re.sub(r"^\s*(usage:)?\s*agor\s+", "", line) for line in help_text.splitlines()
                 if re.match(r"^\s*(usage:)?\s*agor [a-z]", line)]
    else:
        section = help_text.split("Commands", 1)[1].split("Global options", 1)[0]
        lines = [line[2:] for line in section.splitlines()[1:] if re.match(r"^[* ] \S", line)]
    names = []
    for line in lines:
        words = []
        for w in line.split():
            if not re.fullmatch(r"[a-z][a-z-]*", w):
                break
            words.append(w)
        if words and " ".join(words) not in names:
            names.append(" ".join(words))
    return names


@pytest.mark.parametrize("prog", PROGRAMS)
def test_every_command_of_the_table_is_in_its_man_page(prog: str) -> None:
    p = run(prog, "man")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    page = p.stdout
    assert page.startswith(f".TH {prog.upper()} 1 ")
    commands = table_commands(prog)
    assert len(commands) >= (4 if prog == "agor" else 10), commands
    lines = page.replace("\\-", "-").splitlines()
    documented = {line[3:] for line in lines if line.startswith(".B ")}
    for line in lines:
        if line.startswith("Also spelled: "):
            documented |= set(line[len("Also spelled: "):].rstrip(".").split(", "))
    assert [c for c in commands if c not in documented] == []


def test_dist_holds_the_generated_files() -> None:
    dist = os.environ.get("AGOR_DIST")
    if not dist:
        require("dist/", "AGOR_DIST is not set (scripts/test.sh runs scripts/dist.sh)")
    dist = Path(dist)
    for prog in PROGRAMS:
        assert (dist / "man" / "man1" / f"{prog}.1").read_text() == run(prog, "man").stdout
        for shell, name in (("bash", prog), ("zsh", f"_{prog}"), ("fish", f"{prog}.fish")):
            text = (dist / "completions" / shell / name).read_text()
            assert text == run(prog, "completions", shell).stdout, (prog, shell)
