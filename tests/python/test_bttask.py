"""The `bttask` command run as a subprocess: both syntaxes of every command, --json output,
every exit code, claims under leases with their fencing tokens, and two agents working one
board through one database file.

The command under test is $AGOR_BTTASK (a path, or a command line such as
"python -m something"), else `bttask` on PATH (the Python console script once installed):

    AGOR_BTTASK=$PWD/target/debug/bttask python -m pytest tests/python/test_bttask.py

The team is registered through the `agor` package, which must be importable; the runner
lives in cli_runner.py.
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import time

import pytest

import agor
from cli_runner import ESC, HOSTILE, Cli, command_under_test, display_column, run_on_tty

# (id, name, role, group): tiers come from the roles.
TEAM = [
    ("mgr-1", "Manager", "manager", "core"),
    ("arch-1", "Architect", "architect", "core"),
    ("rev-1", "Reviewer", "reviewer", "core"),
    ("dev-1", "Developer One", "project", "core"),
    ("dev-2", "Developer Two", "project", "core"),
    ("ops-1", "Operations", "manager", "ops"),
]


@pytest.fixture(scope="session")
def command() -> list[str]:
    return command_under_test("bttask", "AGOR_BTTASK")


@pytest.fixture
def cli(command, tmp_path) -> Cli:
    return Cli("bttask", command, tmp_path / "team.db", tmp_path)


@pytest.fixture
def team(cli) -> Cli:
    with agor.open(cli.db) as s:
        for agent in TEAM:
            s.register_agent(*agent)
    return cli


def add(cli: Cli, title: str, *more: str) -> dict:
    return cli.json("add", title, *more, agent="mgr-1")


# --- creating, listing, showing -----------------------------------------------------------


def test_add_legacy_and_create_flag_form(team):
    a = team.json(
        "add", "fix", "the", "parser", "--desc", "it drops tokens", "--priority", "high",
        "--assign", "dev-1", agent="mgr-1",
    )
    assert (a["title"], a["description"], a["priority"]) == ("fix the parser", "it drops tokens", "high")
    assert (a["status"], a["assigned_to"], a["version"]) == ("todo", "dev-1", 1)
    b = team.json(
        "create", "--title", "write docs", "--priority", "low", "--description", "the CLI",
        agent="mgr-1",
    )
    assert (b["title"], b["priority"], b["description"]) == ("write docs", "low", "the CLI")
    sub = team.json("add", "sub", "step", "--parent", a["id"][:8], "--backlog", agent="mgr-1")
    assert sub["parent_task_id"] == a["id"] and sub["status"] == "backlog"

    out = team.ok("add", "plain", agent="mgr-1")
    assert out.startswith("created ") and out.endswith("[todo] plain\n")

    listed = team.json("list", agent="dev-2")
    # Priority first, then board order.
    assert [t["title"] for t in listed] == ["fix the parser", "sub step", "plain", "write docs"]
    text = team.ok("list", agent="dev-2")
    assert a["id"][:8] in text and "@dev-1" in text and "v1" in text

    detail = team.json("show", a["id"][:6], agent="dev-2")
    assert detail["id"] == a["id"]
    assert [s["id"] for s in detail["subtasks"]] == [sub["id"]]
    shown = team.ok("show", "--id", a["id"][:8], agent="dev-2")
    assert "fix the parser" in shown and "it drops tokens" in shown and "version 1" in shown


def test_add_rejects_bad_input(team):
    assert team.fails(2, "add", agent="mgr-1") == "bttask: error: missing task title"
    assert "unknown priority 'urgent'" in team.fails(
        2, "add", "t", "--priority", "urgent", agent="mgr-1"
    )
    assert "title" in team.fails(2, "create", "--title", "", agent="mgr-1")
    assert "not found" in team.fails(5, "add", "t", "--assign", "nobody", agent="mgr-1")
    assert "not found" in team.fails(5, "add", "t", "--parent", "ffff", agent="mgr-1")


# --- status with and without a version ----------------------------------------------------


def test_status_legacy_form_applies_the_current_version(team):
    t = add(team, "task")
    moved = team.json("status", t["id"][:8], "blocked", agent="mgr-1")
    assert (moved["status"], moved["version"]) == ("blocked", 2)
    # Legacy form: no version, so it applies on top of whatever is current.
    out = team.ok("status", t["id"][:8], "todo", agent="mgr-1")
    assert out == f"{t['id'][:8]} is todo (version 3)\n"
    # The legacy 'progress' spelling is accepted.
    assert team.json("status", t["id"], "progress", agent="mgr-1")["status"] == "in_progress"


def test_status_flag_form_is_checked_against_the_version(team):
    t = add(team, "task")
    moved = team.json(
        "status", "--id", t["id"], "--status", "in_progress", "--version", "1", agent="mgr-1"
    )
    assert moved["version"] == 2
    # Someone else's view is now stale: conflict, exit 3, naming the current version.
    err = team.fails(
        3, "status", "--id", t["id"], "--status", "done", "--version", "1", agent="rev-1"
    )
    assert "current version is 2" in err
    assert team.json("show", t["id"], agent="mgr-1")["status"] == "in_progress"
    done = team.json(
        "status", "--id", t["id"], "--status", "done", "--version", "2", agent="rev-1"
    )
    assert done["status"] == "done"
    # An invalid move is the caller's to fix: usage.
    assert "cannot move from done to review" in team.fails(
        2, "status", "--id", t["id"], "--status", "review", "--version", "3", agent="mgr-1"
    )
    assert "unknown task status" in team.fails(2, "status", t["id"], "later", agent="mgr-1")
    # Closed tasks show up with --all only.
    assert t["id"] not in [x["id"] for x in team.json("list", agent="mgr-1")]
    assert t["id"] in [x["id"] for x in team.json("list", "--all", agent="mgr-1")]
    assert [x["id"] for x in team.json("list", "--status", "done", agent="mgr-1")] == [t["id"]]


# --- assign, comment, board, delete -------------------------------------------------------


def test_assign_comment_board_delete_both_forms(team):
    t = add(team, "task")
    assert team.json("assign", t["id"][:8], "dev-1", agent="mgr-1")["assigned_to"] == "dev-1"
    out = team.ok("assign", "--id", t["id"], "--agent", "dev-2", agent="mgr-1")
    assert out == f"assigned {t['id'][:8]} to dev-2\n"

    c = team.json("comment", t["id"][:8], "looks", "hard", agent="dev-1")
    assert (c["content"], c["agent_id"], c["task_id"]) == ("looks hard", "dev-1", t["id"])
    team.ok("comment", "--id", t["id"], "--content", "agreed", agent="arch-1")
    comments = [x["content"] for x in team.json("show", t["id"], agent="mgr-1")["comments"]]
    assert comments == ["looks hard", "agreed"]

    # The catalogue's board: a list of {status, tasks} columns in board order.
    board = team.json("board", agent="dev-1")
    assert [c["status"] for c in board] == [
        "backlog", "todo", "in_progress", "review", "done", "blocked", "failed", "cancelled",
    ]
    assert [x["id"] for x in board[1]["tasks"]] == [t["id"]]
    text = team.ok("board", agent="dev-1")
    assert "TODO (1)" in text and "DONE (0)" in text

    other = add(team, "other")
    assert team.json("delete", t["id"][:8], agent="mgr-1") is None
    assert team.ok("delete", "--id", other["id"], agent="mgr-1") == f"deleted task {other['id']}\n"
    assert "not found" in team.fails(5, "delete", t["id"], agent="mgr-1")
    assert "not found" in team.fails(5, "show", t["id"], agent="mgr-1")


# --- claims, leases and completion --------------------------------------------------------


def test_dependencies_gate_ready_and_claim(team):
    design = add(team, "design", "--priority", "low")
    build = add(team, "build", "--priority", "critical")
    out = team.json("depend", build["id"][:8], design["id"][:8], agent="mgr-1")
    assert out == [design["id"]], "--json prints what the task waits for now"
    assert "cycle" in team.fails(2, "depend", "--id", design["id"], "--on", build["id"], agent="mgr-1")
    team.fails(4, "depend", design["id"], build["id"], agent="dev-1")
    assert [t["id"] for t in team.json("ready", agent="dev-1")] == [design["id"]]
    assert "waits for" in team.fails(2, "claim", "--id", build["id"], agent="dev-1")
    removed = team.json("depend", build["id"], design["id"], "--remove", agent="mgr-1")
    assert removed == []
    assert [t["id"] for t in team.json("ready", agent="dev-1")] == [build["id"], design["id"]]


def test_errors_print_short_ids(team):
    # issue 21 item 4.3: the core names tasks by full id; the CLI's error line uses short ids
    design = add(team, "design")
    build = add(team, "build")
    team.ok("depend", build["id"], design["id"], agent="mgr-1")
    line = team.fails(2, "claim", "--id", build["id"], agent="dev-1")
    assert f"task {build['id'][:8]} cannot be in_progress: it waits for {design['id'][:8]} " in line
    assert build["id"] not in line and design["id"] not in line
    team.ok("claim", "--id", design["id"], agent="dev-1")
    line = team.fails(3, "claim", "--id", design["id"], agent="dev-2")
    assert design["id"] not in line and design["id"][:8] in line
    # JSON keeps full ids: the response of a command that works
    assert team.json("show", build["id"], agent="dev-1")["waits_for"] == [design["id"]]


def test_dependencies_shown_wherever_a_task_is_shown(team):
    # issue 21 item 4.2: board, list and show (text and --json) say what a task waits for
    design = add(team, "design")
    build = add(team, "build")
    team.ok("depend", build["id"], design["id"], agent="mgr-1")
    short = design["id"][:8]
    for args in (["list"], ["board"]):
        line = next(l for l in team.ok(*args, agent="dev-1").splitlines() if "build" in l)
        assert line.rstrip().endswith(f"waits for {short}"), (args, line)
        other = next(l for l in team.ok(*args, agent="dev-1").splitlines() if "design" in l)
        assert "waits for" not in other
    assert f"  waits for: {short}\n" in team.ok("show", build["id"], agent="dev-1")
    assert team.json("show", build["id"], agent="dev-1")["waits_for"] == [design["id"]]
    assert [t["waits_for"] for t in team.json("list", agent="dev-1")] == [[], [design["id"]]]
    assert any(t["waits_for"] == [design["id"]] for c in team.json("board", agent="dev-1")
               for t in c["tasks"])
    # once the dependency is done, nothing is shown
    team.ok("status", design["id"], "in_progress", agent="mgr-1")
    team.ok("status", design["id"], "done", agent="mgr-1")
    assert "waits for" not in team.ok("show", build["id"], agent="dev-1")
    assert team.json("show", build["id"], agent="dev-1")["waits_for"] == []
    # a missing second argument says in plain words what is missing
    line = team.fails(2, "depend", build["id"][:8], agent="mgr-1")
    assert f"missing the task that {build['id'][:8]} should wait for" in line


@pytest.mark.parametrize("bad", ["0", "-5", "86401", str(2**64), "9" * 40])
def test_lease_out_of_range_is_one_usage_error(team, bad):
    # --lease 0 was "default" in C and an error elsewhere; now it is this error everywhere.
    for command in (("claim",), ("renew", "ab12", "k1")):
        line = team.fails(2, *command, "--lease", bad, agent="dev-1")
        assert line.endswith(f"invalid lease: must be between 1 and 86400, not {bad}")


def test_claim_complete_round_trip(team):
    low = add(team, "low one", "--priority", "low")
    high = add(team, "high one", "--priority", "high")
    ready = team.json("ready", agent="dev-1")
    assert [t["id"] for t in ready] == [high["id"], low["id"]], "claim order: priority first"

    claim = team.json("claim", agent="dev-1")
    assert claim["task"]["id"] == high["id"]
    assert (claim["task"]["status"], claim["task"]["assigned_to"]) == ("in_progress", "dev-1")
    assert claim["expires_at"] > time.time() + 800, "default lease is 15 minutes"
    token = claim["token"]
    assert [t["id"] for t in team.json("ready", agent="dev-2")] == [low["id"]]

    renewed = team.json("renew", "--id", high["id"][:8], "--token", token, "--lease", "3600", agent="dev-1")
    assert renewed["token"] == token and renewed["expires_at"] > time.time() + 3000

    done = team.json(
        "complete", "--id", high["id"], "--token", token, "--summary", "parser fixed",
        "--artifact", "file:src/parse.rs", "--artifact", "msg:42", "--result-ref", "commit:abc",
        "--next", "add a fuzz test", agent="dev-1",
    )
    assert done["status"] == "done"
    assert done["completion"] == {
        "summary": "parser fixed",
        "artifacts": ["file:src/parse.rs", "msg:42"],
        "result_ref": "commit:abc",
        "next": "add a fuzz test",
    }
    shown = team.ok("show", high["id"], agent="mgr-1")
    assert "completion: parser fixed" in shown and "artifact: file:src/parse.rs" in shown

    # Text output of a claim gives the token on its own line; legacy positional forms.
    out = team.ok("claim", low["id"][:8], "--lease", "600", agent="dev-2")
    assert out.startswith(f"claimed {low['id'][:8]} low one")
    token2 = next(l.split(" ", 1)[1] for l in out.splitlines() if l.startswith("token: "))
    released = team.json("release", low["id"][:8], token2, agent="dev-2")
    assert (released["status"], released["assigned_to"]) == ("todo", None)
    again = team.json("claim", "--id", low["id"], agent="dev-2")
    out = team.ok("complete", low["id"][:8], again["token"], "all", "done", "--review", agent="dev-2")
    assert out == f"completed {low['id'][:8]}: review\n"

    # Nothing left: claim exits 0 and says so.
    assert team.json("claim", agent="dev-1") is None
    assert team.ok("claim", agent="dev-1") == "nothing to claim\n"
    assert team.ok("ready", agent="dev-1") == "nothing ready to claim\n"


def test_claim_conflicts_and_fencing_exit_3(team):
    t = add(team, "contested")
    claim = team.json("claim", t["id"], agent="dev-1")
    assert "already claimed by dev-1" in team.fails(3, "claim", "--id", t["id"], agent="dev-2")
    # A wrong token, or the right token from another agent, is a lease error.
    assert "lease" in team.fails(
        3, "complete", "--id", t["id"], "--token", "not-the-token", "--summary", "x", agent="dev-1"
    )
    assert "lease" in team.fails(3, "release", t["id"], claim["token"], agent="dev-2")
    assert "lease" in team.fails(3, "renew", t["id"], "bogus", agent="dev-1")
    assert team.json("show", t["id"], agent="mgr-1")["status"] == "in_progress"


def test_lapsed_lease_is_fenced_out(team):
    t = add(team, "short lease")
    first = team.json("claim", "--id", t["id"], "--lease", "1", agent="dev-1")
    time.sleep(2.1)
    # The lapsed task is claimable again, and the first worker's token no longer works.
    second = team.json("claim", agent="dev-2")
    assert second["task"]["id"] == t["id"] and second["token"] != first["token"]
    assert "lease" in team.fails(
        3, "complete", t["id"], first["token"], "late", "work", agent="dev-1"
    )
    assert team.json("complete", t["id"], second["token"], "on time", agent="dev-2")["status"] == "done"
    assert "between 1 and 86400" in team.fails(2, "claim", "--lease", "0", agent="dev-1")


def test_review_count(team):
    for title in ("a", "b"):
        t = add(team, title)
        c = team.json("claim", t["id"], agent="dev-1")
        team.ok("complete", t["id"], c["token"], "done", "--review", agent="dev-1")
    assert team.ok("review-count", agent="rev-1") == "2\n"
    assert team.json("review-count", agent="rev-1") == {"group": "core", "count": 2, "attention": 20}
    # With a group no agent is needed.
    assert team.json("review-count", "--group", "ops") == {"group": "ops", "count": 0, "attention": 0}


# --- permissions, exit codes, help --------------------------------------------------------


def test_roles_are_enforced(team):
    t = add(team, "task")
    assert "permission denied" in team.fails(4, "add", "mine", agent="dev-1")
    assert "permission denied" in team.fails(4, "delete", t["id"], agent="dev-1")
    assert "permission denied" in team.fails(4, "assign", t["id"], "dev-1", agent="dev-2")
    assert "permission denied" in team.fails(4, "claim", t["id"], agent="arch-1")
    # A project agent moves only tasks assigned to it.
    assert "permission denied" in team.fails(4, "status", t["id"], "blocked", agent="dev-1")
    team.ok("assign", t["id"], "dev-1", agent="mgr-1")
    assert team.json("status", t["id"], "blocked", agent="dev-1")["status"] == "blocked"


def token_of(claim_text: str) -> str:
    return next(l.split(" ", 1)[1] for l in claim_text.splitlines() if l.startswith("token: "))


def test_hostile_text_never_reaches_the_terminal_raw(team):
    """Every command that shows task text, with control, bidi and invisible characters in
    every free-text field; errors that quote what was typed are checked too."""
    with agor.open(team.db) as s:
        s.register_agent("evil-1", HOSTILE, "project", "core")
    t = team.json(
        "add", HOSTILE, "--desc", HOSTILE + "\nline two\t" + HOSTILE,
        "--definition-of-done", HOSTILE, "--assign", "evil-1", agent="mgr-1",
    )["id"]
    team.json("add", "sub " + HOSTILE, "--parent", t, agent="mgr-1")
    claimed = team.shows_nothing_raw("claim", "--id", t, agent="evil-1")
    assert claimed.code == 0 and "\\u{1b}[31mRED" in claimed.out, claimed
    token = token_of(claimed.out)
    steps = [  # (arguments, acting agent, exit code, whether the output quotes hostile text)
        (["add", HOSTILE, "--backlog"], "mgr-1", 0, True),
        (["renew", t, token], "evil-1", 0, True),
        (["comment", t, HOSTILE + "\n" + HOSTILE], "dev-1", 0, False),
        (["complete", "--id", t, "--token", token, "--summary", HOSTILE, "--artifact", HOSTILE,
          "--result-ref", HOSTILE, "--next", HOSTILE, "--review"], "evil-1", 0, False),
        (["status", t, "\x1b[2J"], "mgr-1", 2, True),
        (["status", "--id", t, "--status", "done", "--version", "\x1b[2J"], "mgr-1", 2, True),
        (["show", "\x1b[2J" + HOSTILE], "dev-1", 5, True),
        (["assign", t, HOSTILE], "mgr-1", 5, True),
        (["depend", t, "\x1b[2J"], "mgr-1", 5, True),
        ([HOSTILE], "dev-1", 2, True),
        (["list", "--" + HOSTILE], "dev-1", 2, True),
    ]
    reads = [
        (["show", t], "dev-1", 0, True),
        (["list"], "dev-1", 0, True),
        (["list", "--all"], "dev-1", 0, True),
        (["board"], "dev-1", 0, True),
        (["ready"], "mgr-1", 0, True),
        (["review-count"], "dev-1", 0, False),
    ]
    for args, agent, code, quotes in steps + reads:
        r = team.shows_nothing_raw(*args, agent=agent)
        assert r.code == code, f"{args}: exit {r.code}: {r.err}"
        if quotes:
            assert "\\u{1b}[" in r.out + r.err, f"{args}: hostile text not shown: {r.out}{r.err}"
    for args, agent, _, _ in reads:
        json.loads(team.shows_nothing_raw("--json", *args, agent=agent).out)
    shown = team.json("show", t, agent="dev-1")
    assert shown["title"] == HOSTILE
    assert HOSTILE + "\n" + HOSTILE in [c["content"] for c in shown["comments"]]
    assert shown["completion"]["summary"] == HOSTILE
    text = team.ok("show", t, agent="dev-1")
    assert "\tline two" not in text and "line two\t" in text, "tabs indent bodies"


def test_task_columns_align_whatever_the_assignee_and_title(team):
    with agor.open(team.db) as s:
        s.register_agent("a-very-long-agent-id", "Long", "project", "core")
    for title, who in [("first", "dev-1"), ("日本語", "a-very-long-agent-id"), ("x\x1b[2Jy", None)]:
        add(team, title, *(["--assign", who] if who else []))
    shown = ["first", "日本語", "x\\u{1b}[2Jy"]  # the last one as escaped
    for args in (["list"], ["board"]):
        lines = team.ok(*args, agent="dev-1").splitlines()
        columns = set()
        for title in shown:
            [row] = [line for line in lines if line.endswith(title)]
            columns.add(display_column(row, len(row) - len(title)))
        assert len(columns) == 1, f"{args}: titles start at columns {columns}: {lines}"


def test_mistyped_commands_get_a_suggestion(cli):
    assert "did you mean 'claim'?" in cli.fails(2, "clam", agent="dev-1")
    assert "did you mean 'complete'?" in cli.fails(2, "compelte", agent="dev-1")
    assert "did you mean '--lease'?" in cli.fails(2, "claim", "--leese", "60", agent="dev-1")
    assert "did you mean" not in cli.fails(2, "frobnicate", agent="dev-1")


def test_missing_arguments_print_the_usage_lines(cli):
    for args, expected in [
        (["add"], "bttask add <title…> [--desc D] [--priority P] [--assign A] [--parent T]"),
        (["assign", "t1"], "bttask assign <task> <agent>"),
        (["renew", "t1"], "bttask renew --id TASK --token K [--lease SECONDS]"),
        (["complete"], "bttask complete <task> <token> <summary…>"),
        (["show"], "bttask show --id TASK"),
    ]:
        assert "missing" in cli.fails(2, *args, agent="dev-1")
        assert expected in cli.usage_lines(*args, agent="dev-1"), args


def test_every_exit_code(team, tmp_path):
    t = add(team, "task")
    assert team.run("list", agent="dev-1").code == 0
    # 1: the file is not an agor database.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    r = team.run("--db", str(junk), "list", agent="dev-1", db=False)
    assert r.code == 1 and r.err.startswith("bttask: error: ") and r.out == ""
    assert junk.read_bytes() == b"this is not sqlite" * 100, "the file is left untouched"
    # 2: usage, including an unset agent and an unknown command.
    assert "BTMSG_AGENT_ID is not set" in team.fails(2, "claim")
    assert "unknown command 'frob'" in team.fails(2, "frob", agent="dev-1")
    assert "unknown option '--frob'" in team.fails(2, "list", "--frob", agent="dev-1")
    assert "missing command" in team.fails(2, agent="dev-1")
    # 3, 4, 5.
    assert "current version is 1" in team.fails(
        3, "status", "--id", t["id"], "--status", "blocked", "--version", "7", agent="mgr-1"
    )
    assert "permission denied" in team.fails(4, "add", "x", agent="dev-1")
    assert "not found" in team.fails(5, "show", "ffffffff", agent="dev-1")
    assert "not found" in team.fails(5, "list", agent="ghost")


def test_non_utf8_argument_is_a_usage_error(team):
    argv = [os.fsencode(a) for a in team.argv("comment", "abc")] + [b"\xff\xfe"]
    p = subprocess.run(argv, env=team.environ("dev-1"), capture_output=True, timeout=60)
    assert p.returncode == 2
    assert b"not valid UTF-8" in p.stderr and p.stdout == b""


def test_help_and_version(cli):
    out = cli.ok("--help", db=False)
    for usage in ("claim [--id TASK] [--lease SECONDS]", "status --id TASK --status STATE --version N",
                  "add <title…> [--desc D] [--priority P] [--assign A] [--parent T]"):
        assert usage in out
    assert "import <file>" in out and "export [<file>]" in out
    assert "3  version conflict" in out
    assert "last writer wins" in cli.ok("help", "status", db=False)
    assert "usage: bttask claim" in cli.ok("claim", "--help", db=False)
    assert cli.ok("--version", db=False).startswith("bttask ")
    assert "cannot read tasks.toml" in cli.fails(2, "import", "tasks.toml", agent="dev-1")


def test_help_lists_no_timeout_code_without_a_wait(cli):
    # issue 21 item 4.6: bttask has no `wait`, so its help must not list exit code 6
    out = cli.ok("--help", db=False)
    assert "  5  not found" in out
    codes = [line.split()[0] for line in out.splitlines() if re.match(r"^\s+\d+\s{2}", line)]
    assert "5" in codes and "6" not in codes, codes


def test_colour_only_on_a_terminal_without_no_color(team):
    t = add(team, "coloured?")
    for args in (["list"], ["board"], ["show", t["id"]]):
        piped = team.ok(*args, agent="dev-1")
        assert ESC not in piped, f"{args}: escape codes on a pipe"
        assert ESC in run_on_tty(team, *args, agent="dev-1"), f"{args}: no colour on a terminal"
        plain = run_on_tty(team, *args, agent="dev-1", env={"NO_COLOR": "1"})
        assert ESC not in plain and "coloured?" in plain
    assert ESC not in run_on_tty(team, "list", "--json", agent="dev-1")


def test_every_command_speaks_json(team):
    t = add(team, "json task")
    c = team.json("claim", t["id"], agent="dev-1")
    for args, agent in [
        (["list"], "dev-1"), (["ready"], "dev-1"), (["board"], "dev-1"), (["show", t["id"]], "dev-1"),
        (["comment", t["id"], "hi"], "dev-1"), (["renew", t["id"], c["token"]], "dev-1"),
        (["review-count"], "dev-1"), (["add", "x"], "mgr-1"), (["assign", t["id"], "dev-1"], "mgr-1"),
    ]:
        out = team.ok("--json", *args, agent=agent)
        assert out.count("\n") == 1, f"{args}: one JSON document per call"
        json.loads(out)
    team.json("release", t["id"], c["token"], agent="dev-1")
    team.json("status", t["id"], "blocked", agent="mgr-1")
    team.json("delete", t["id"], agent="mgr-1")


def test_two_agents_claim_one_board_concurrently(team):
    ids = {add(team, f"job {i}")["id"] for i in range(12)}
    # Each agent claims and completes in a loop until nothing is left, both at once.
    script = (
        'while out=$("$@" --json claim) && [ "$out" != null ]; do '
        'id=$(printf %s "$out" | python3 -c "import json,sys; c=json.load(sys.stdin); print(c[\'task\'][\'id\'], c[\'token\'])"); '
        '"$@" complete $id done >/dev/null || exit 9; echo "${id%% *}"; done'
    )
    procs = [
        subprocess.Popen(
            ["sh", "-c", script, "worker", *team.argv()],
            env=team.environ(agent),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for agent in ("dev-1", "dev-2")
    ]
    done = {}
    for agent, p in zip(("dev-1", "dev-2"), procs):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        done[agent] = out.decode().split()
    claimed = done["dev-1"] + done["dev-2"]
    assert sorted(claimed) == sorted(ids), "every task claimed exactly once"
    tasks = team.json("list", "--all", agent="mgr-1")
    assert {t["status"] for t in tasks} == {"done"}
    for t in tasks:
        worker = "dev-1" if t["id"] in done["dev-1"] else "dev-2"
        assert t["assigned_to"] == worker


def test_search_tasks_and_comments_of_your_group(team):
    t = team.json("add", "fix", "the", "parser", "--desc", "it drops tokens", agent="mgr-1")
    team.ok("comment", t["id"], "the tokenizer is at fault", agent="dev-1")
    team.json("add", "ops", "parser", "audit", agent="ops-1")
    hits = team.json("search", "parser OR tokenizer", agent="dev-1")
    assert sorted(h["kind"] for h in hits) == ["comment", "task"]
    assert all("audit" not in h["snippet"] for h in hits)
    assert "the tokenizer is at fault" in team.ok("search", "token*", agent="dev-1")
    assert "NOT needs a term after it" in team.fails(2, "search", "parser NOT", agent="dev-1")


def test_edit_at_the_version_read(team):
    t = team.json("add", "fix", "the", "parser", agent="mgr-1")
    u = team.json("edit", t["id"], "--version", str(t["version"]), "--title", "fix the lexer",
                  "--priority", "high", "--tag", "core", agent="mgr-1")
    assert (u["title"], u["priority"], u["tags"], u["version"]) == ("fix the lexer", "high", ["core"], t["version"] + 1)
    assert "version" in team.fails(3, "edit", t["id"], "--version", str(t["version"]), "--title", "x", agent="mgr-1")
    team.fails(2, "edit", t["id"], "--title", "x", agent="mgr-1")


# --- the rest of the board: archive, lanes, proposals, tasks.toml ---------------------------


def test_archive_lane_and_reorder(team):
    t = add(team, "Spike")
    team.ok("status", t["id"], "cancelled", agent="mgr-1")
    assert team.ok("archive", t["id"][:8], agent="mgr-1").startswith("archived ")
    assert [x["id"] for x in team.json("archived", agent="dev-1")] == [t["id"]]
    assert team.json("list", "--all", agent="mgr-1") == []
    team.fails(4, "archive", t["id"], "--undo", agent="dev-1")
    team.ok("archive", t["id"], "--undo", agent="mgr-1")
    assert team.json("archived", agent="mgr-1") == []
    open_task = add(team, "Open")
    assert "only done or cancelled" in team.fails(2, "archive", open_task["id"], agent="mgr-1")

    a, b = add(team, "A", "--assign", "dev-1"), add(team, "B", "--assign", "dev-1")
    assert [x["title"] for x in team.json("lane", agent="dev-1")] == ["A", "B"]
    assert [x["title"] for x in team.json("lane", "dev-1", agent="mgr-1")] == ["A", "B"]
    lane = team.json("reorder", b["id"][:8], agent="dev-1")
    assert [x["title"] for x in lane] == ["B", "A"]
    assert [line.split()[-1] for line in team.ok("lane", agent="dev-1").splitlines()] == ["B", "A"]
    team.fails(4, "reorder", a["id"], "--agent", "dev-1", agent="dev-2")
    assert "name at least one task" in team.fails(2, "reorder", agent="dev-1")


def test_history_lists_status_moves_for_agents_and_the_operator(team):
    t = add(team, "Traced")
    claim = team.json("claim", t["id"], agent="dev-1")
    team.ok("complete", "--id", t["id"], "--token", claim["token"], "--summary", "ok", agent="dev-1")
    moves = team.json("history", t["id"][:8], agent="dev-2")
    assert [(m["from"], m["to"], m["actor"]) for m in moves] == [
        (None, "todo", "mgr-1"),
        ("todo", "in_progress", "dev-1"),
        ("in_progress", "done", "dev-1"),
    ]
    # The operator names a task of any group; --limit keeps the newest.
    assert [m["to"] for m in team.json("history", "--id", t["id"], "--limit", "1")] == ["done"]
    lines = team.ok("history", t["id"], agent="mgr-1").splitlines()
    assert len(lines) == 3 and "created → todo" in lines[0] and lines[2].endswith("dev-1")
    # Another group's manager cannot name it; an unknown task is exit 5.
    team.fails(5, "history", t["id"], agent="ops-1")
    team.fails(5, "history", "ffffffff", agent="dev-1")


def test_proposals_through_the_cli(team):
    with agor.open(team.db) as s:
        s.allow("mgr-1", "ops-1", bidirectional=True)
    t = add(team, "Deploy")
    p = team.json("propose", t["id"], "ops-1", agent="mgr-1")
    assert p["status"] == "pending"
    assert "pending" in team.ok("proposals", agent="ops-1")
    team.fails(4, "accept", p["id"], agent="mgr-1")
    team.fails(5, "accept", "nope", agent="ops-1")
    assert "now in ops" in team.ok("accept", p["id"][:8], agent="ops-1")
    assert team.json("proposals", agent="ops-1") == []
    t2 = add(team, "Docs")
    p2 = team.json("propose", "--id", t2["id"], "--agent", "dev-1", agent="mgr-1")
    out = team.json("decline", p2["id"], "--reason", "busy", agent="dev-1")
    assert (out["status"], out["reason"]) == ("declined", "busy")
    team.fails(4, "propose", t2["id"], "dev-2", agent="dev-1")


def test_import_export_files(team, tmp_path):
    src = tmp_path / "tasks.toml"
    src.write_text(
        '[[tasks]]\nid = "t1"\ndescription = "Parser"\nagent = "dev-1"\nstatus = "assigned"\n\n'
        '[[tasks]]\nid = "t2"\ntitle = "Lexer"\nstatus = "completed"\nparent = "t1"\n'
    )
    assert team.ok("import", str(src), agent="mgr-1") == "imported: 2 created, 0 updated, 0 unchanged\n"
    assert team.json("import", str(src), agent="mgr-1") == {
        "created": [], "updated": [], "unchanged": ["t1", "t2"]}
    out = tmp_path / "out.toml"
    assert team.ok("export", str(out), agent="dev-1") == "exported 2 tasks\n"
    printed = team.ok("export", agent="dev-1")
    assert printed == out.read_text() and 'status = "assigned"' in printed
    # Round trip through a fresh database: the same file.
    fresh = Cli("bttask", team.command, tmp_path / "fresh.db", tmp_path)
    with agor.open(fresh.db) as s:
        for agent in TEAM:
            s.register_agent(*agent)
    fresh.ok("import", str(out), agent="mgr-1")
    again = tmp_path / "again.toml"
    fresh.ok("export", "--file", str(again), agent="mgr-1")
    assert again.read_text() == out.read_text()
    # Refusals: a malformed file (nothing imported), a missing file, a project agent.
    bad = tmp_path / "bad.toml"
    bad.write_text('[[tasks]]\nid = "t9"\ntitle = "x"\n\n[[tasks]]\nid = "t10"\ntitle = \n')
    assert "line 7" in team.fails(2, "import", str(bad), agent="mgr-1")
    assert "t9" not in team.ok("export", agent="mgr-1")
    assert "cannot read" in team.fails(2, "import", str(tmp_path / "none.toml"), agent="mgr-1")
    team.fails(4, "import", str(src), agent="dev-1")
    assert "cannot write" in team.fails(2, "export", str(tmp_path / "no" / "dir.toml"), agent="mgr-1")
