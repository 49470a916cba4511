"""The `btmsg` command run as a subprocess: both syntaxes of every command, --json output,
exit codes, colour rules, and agents talking to each other through one database file.

The command under test is $AGOR_BTMSG (a path, or a command line such as
"python -m something"), else `btmsg` on PATH (the Python console script once installed):

    AGOR_BTMSG=$PWD/target/debug/btmsg python -m pytest tests/python/test_cli.py

This module needs no `agor` import of its own; where the package is not installed, add
`--noconftest` (the shared conftest imports it).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from cli_runner import ESC, HOSTILE, Cli, command_under_test, display_column, run_on_tty

@pytest.fixture(scope="session")
def command() -> list[str]:
    return command_under_test("btmsg", "AGOR_BTMSG")


@pytest.fixture
def cli(command, tmp_path) -> Cli:
    return Cli("btmsg", command, tmp_path / "team.db", tmp_path)


@pytest.fixture
def team(cli) -> Cli:
    """mgr-1 (manager), dev-1 and dev-2 (project), root (admin) in group core; the manager and
    each developer may message each other, the developers may not message each other."""
    cli.ok("register", "mgr-1", "Manager", "manager", "core")
    cli.ok("register", "dev-1", "Dev One", "project", "core")
    cli.ok("register", "dev-2", "Dev Two", "project", "core")
    cli.ok("register", "root", "Root", "admin", "core")
    cli.ok("allow", "mgr-1", "dev-1", "-b")
    cli.ok("allow", "mgr-1", "dev-2", "--bidirectional")
    return cli


def set_heartbeat(db: Path, agent: str, seconds_ago: int) -> None:
    """Arranges a silent agent (no CLI command backdates a heartbeat). Runs in this test
    process, which never loads agor itself, so only one SQLite copy touches the file here."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO heartbeats (agent_id, timestamp) VALUES (?, ?)",
            (agent, int(time.time()) - seconds_ago),
        )


# --- registration and the ACL -------------------------------------------------------------


def test_register_positional_and_flag_forms(cli):
    a = cli.json("register", "dev-1", "Dev One", "project", "core", "--model", "m-1")
    assert a["id"] == "dev-1" and a["name"] == "Dev One" and a["group_id"] == "core"
    assert a["tier"] == 2 and a["model"] == "m-1"
    b = cli.json(
        "register", "--id", "rev-1", "--name", "Reviewer", "--role", "reviewer",
        "--group", "core", "--tier", "1",
    )
    assert (b["role"], b["tier"]) == ("reviewer", 1)
    out = cli.ok("register", "mgr-1", "Manager", "manager", "core")
    assert "registered mgr-1" in out and "tier 1" in out
    # Registering again updates the agent.
    assert cli.json("register", "dev-1", "Renamed", "project", "core")["name"] == "Renamed"


def test_register_rejects_bad_input(cli):
    assert "missing group" in cli.fails(2, "register", "a", "b", "c")
    assert "agent id" in cli.fails(2, "register", "bad id", "n", "project", "core")
    assert "tier" in cli.fails(2, "register", "a", "n", "project", "core", "--tier", "7")
    assert "0, 1 or 2" in cli.fails(2, "register", "a", "n", "project", "core", "--tier", "x")


def test_allow_and_graph(cli):
    for agent in ("a", "b", "c"):
        cli.ok("register", agent, agent.upper(), "project", "g")
    assert cli.ok("allow", "a", "b") == "allowed a -> b\n"
    # --json prints the catalogue's response: `allow` answers null.
    assert cli.json("allow", "--from", "b", "--to", "c", "-b") is None
    assert cli.ok("graph").splitlines() == ["a -> b", "b <-> c"]
    edges = cli.json("graph")
    assert {(e["agent_id"], e["contact_id"]) for e in edges} == {("a", "b"), ("b", "c"), ("c", "b")}
    assert "own contact" in cli.fails(2, "allow", "a", "a")
    assert "agent not found: zed" in cli.fails(5, "allow", "a", "zed")


def test_whoami_and_contacts(team):
    out = team.ok("whoami", agent="dev-1")
    assert out.startswith("dev-1 (Dev One)") and "group:  core" in out
    assert team.json("whoami", agent="dev-1")["role"] == "project"
    assert [a["id"] for a in team.json("contacts", agent="dev-1")] == ["mgr-1"]
    assert {a["id"] for a in team.json("contacts", agent="mgr-1")} == {"dev-1", "dev-2"}
    assert "mgr-1" in team.ok("contacts", agent="dev-1")


# --- direct messages ----------------------------------------------------------------------


def test_send_both_forms_then_peek_read_and_unread(team):
    sent = team.json("send", "dev-1", "please", "take", "the", "parser", agent="mgr-1")
    assert sent["content"] == "please take the parser" and sent["to_agent"] == "dev-1"
    out = team.ok("send", "--to", "dev-1", "--content", "and the lexer", agent="mgr-1")
    assert out.startswith("sent ") and out.endswith(" to dev-1\n")

    assert team.ok("unread", agent="dev-1") == "2\n"
    assert team.json("unread", agent="dev-1") == 2
    peeked = team.json("peek", agent="dev-1")
    assert [m["content"] for m in peeked] == ["please take the parser", "and the lexer"]
    assert team.json("unread", agent="dev-1") == 2, "peek must not mark read"
    inbox = team.json("inbox", agent="dev-1")
    assert [m["id"] for m in inbox] == [m["id"] for m in peeked]

    one = team.json("read", sent["id"][:8], agent="dev-1")
    assert one["id"] == sent["id"] and one["read"] is True
    assert team.json("unread", agent="dev-1") == 1
    rest = team.json("read", agent="dev-1")
    assert [m["content"] for m in rest] == ["and the lexer"]
    assert team.json("unread", agent="dev-1") == 0
    assert team.ok("read", agent="dev-1") == "no unread messages\n"
    assert team.ok("inbox", agent="dev-1") == "no unread messages\n"
    everything = team.json("inbox", "--all", agent="dev-1")
    assert [m["content"] for m in everything] == ["and the lexer", "please take the parser"]
    assert len(team.json("inbox", "--all", "--limit", "1", agent="dev-1")) == 1
    # The flag spelling of read.
    assert team.json("read", "--id", sent["id"], agent="dev-1")["id"] == sent["id"]


def test_text_output_of_inbox_and_read(team):
    sent = team.json("send", "dev-1", "line one\nline two", agent="mgr-1")
    out = team.ok("peek", agent="dev-1")
    assert out.splitlines()[0].startswith(sent["id"][:8] + " ")
    assert "mgr-1 -> dev-1 *" in out and "    line one\n    line two\n" in out
    full = team.ok("read", sent["id"], agent="dev-1")
    assert full.startswith(sent["id"] + " ")


def test_options_anywhere_and_double_dash(team):
    m = json.loads(team.ok("send", "dev-1", "--json", "hello", agent="mgr-1"))
    assert m["content"] == "hello"
    m = team.json("send", "dev-1", "--", "use", "--force", "-v", agent="mgr-1")
    assert m["content"] == "use --force -v"
    m = team.json("send", "dev-1", "-5", "degrees", agent="mgr-1")
    assert m["content"] == "-5 degrees"
    assert "unknown option '--force'" in team.fails(2, "send", "dev-1", "use", "--force", agent="mgr-1")


def test_reply_threads_both_forms(team):
    m = team.json("send", "dev-1", "status?", agent="mgr-1")
    r = team.json("reply", m["id"][:8], "done", "soon", agent="dev-1")
    assert (r["to_agent"], r["reply_to"], r["content"]) == ("mgr-1", m["id"], "done soon")
    r2 = team.json("reply", "--id", r["id"], "--content", "thanks", agent="mgr-1")
    assert (r2["to_agent"], r2["reply_to"]) == ("dev-1", r["id"])
    out = team.ok("peek", agent="dev-1")
    assert f"(re {r['id'][:8]})" in out


def test_history_and_limit(team):
    for i in range(5):
        team.ok("send", "dev-1", f"m{i}", agent="mgr-1")
    team.ok("send", "mgr-1", "answer", agent="dev-1")
    h = team.json("history", "dev-1", agent="mgr-1")
    assert [m["content"] for m in h] == ["m0", "m1", "m2", "m3", "m4", "answer"]
    h = team.json("history", "--agent", "dev-1", "--limit", "2", agent="mgr-1")
    assert [m["content"] for m in h] == ["m4", "answer"]
    assert "between 1 and 10000" in team.fails(
        2, "history", "dev-1", "--limit", "0", agent="mgr-1"
    )


@pytest.mark.parametrize("bad", ["0", "-1", "10001", str(2**32), str(2**63), "9" * 40])
@pytest.mark.parametrize(
    "words",
    [("inbox",), ("inbox", "--all"), ("history", "mgr-1"), ("feed",), ("channel", "history", "x")],
)
def test_limit_out_of_range_is_one_usage_error(team, words, bad):
    # The CLI's wording is the library's: --limit 0 is neither "all" nor "none".
    line = team.fails(2, *words, "--limit", bad, agent="dev-1")
    assert line.endswith(f"invalid limit: must be between 1 and 10000, not {bad}")


def test_notify_is_silent_without_mail(team):
    r = team.run("notify", agent="dev-1")
    assert (r.code, r.out, r.err) == (0, "", "")
    team.ok("send", "dev-1", "a", agent="mgr-1")
    team.ok("send", "dev-1", "b", agent="mgr-1")
    out = team.ok("notify", agent="dev-1")
    assert out.count("\n") == 1
    # issue 21 item 4.6: a sentence, not `2 unread messages from mgr-1 (2)`
    assert out.startswith("2 unread messages from mgr-1 — ")
    assert team.json("notify", agent="dev-1") == out.rstrip("\n")
    team.ok("read", agent="dev-1")
    assert team.json("notify", agent="dev-1") is None


def test_status_lists_group_with_unread_and_heartbeat(team):
    team.ok("send", "dev-1", "x", agent="mgr-1")
    team.ok("heartbeat", agent="dev-2")
    rows = {a["id"]: a for a in team.json("status", agent="dev-1")}
    assert set(rows) == {"mgr-1", "dev-1", "dev-2", "root"}
    assert rows["dev-1"]["unread"] == 1 and rows["dev-2"]["last_heartbeat"] is not None
    text = team.ok("status", agent="dev-1").splitlines()
    assert text[0].split() == ["ID", "NAME", "ROLE", "TIER", "STATUS", "UNREAD", "HEARTBEAT"]
    dev1 = next(line for line in text if line.startswith("dev-1"))
    dev2 = next(line for line in text if line.startswith("dev-2"))
    assert dev1.split()[-2:] == ["1", "never"] and dev2.endswith(" ago")
    # Without an identity, a group can still be named explicitly.
    assert len(team.json("status", "--group", "core")) == 4


def test_broadcast_role_and_pattern(team):
    d = team.json("send", "--role", "project", "standup", "now", agent="mgr-1")
    assert sorted(m["to_agent"] for m in d["sent"]) == ["dev-1", "dev-2"]
    d = team.json("send", "--pattern", "dev-?", "hi", agent="mgr-1")
    assert len(d["sent"]) == 2
    d = team.json("broadcast", "all", "hands", agent="dev-1")
    assert [m["to_agent"] for m in d["sent"]] == ["mgr-1"]
    assert sorted(d["skipped"]) == ["dev-2", "root"]
    assert "skipped (not in contacts)" in team.ok("broadcast", "again", agent="dev-1")


def test_feed_is_for_admins(team):
    team.ok("send", "dev-1", "for the feed", agent="mgr-1")
    feed = team.json("feed", "--limit", "5", agent="root")
    assert [m["content"] for m in feed] == ["for the feed"]
    assert "permission denied" in team.fails(4, "feed", agent="dev-1")


def test_set_status_stale_and_delete(team):
    assert team.json("set-status", "sleeping", agent="dev-1")["status"] == "sleeping"
    assert team.json("set-status", "--status", "stopped", "--agent", "dev-1", agent="mgr-1")[
        "status"
    ] == "stopped"
    team.fails(4, "set-status", "active", "mgr-1", agent="dev-1")
    team.fails(2, "set-status", "dancing", agent="dev-1")
    set_heartbeat(team.db, "dev-2", 3600)
    stale = team.json("stale")
    assert [s["agent_id"] for s in stale] == ["dev-2"] and stale[0]["silent_secs"] >= 3600
    assert team.ok("stale", "--threshold", "99999") == "no stale agents\n"
    m = team.json("send", "dev-1", "oops", agent="mgr-1")
    team.fails(4, "delete", m["id"], agent="dev-1")
    assert team.json("delete", m["id"], agent="mgr-1") is None
    team.fails(5, "read", m["id"], agent="dev-1")


# --- channels -----------------------------------------------------------------------------


def test_channels_both_forms(team):
    c = team.json("channel", "create", "ops", agent="mgr-1")
    assert (c["name"], c["member_count"]) == ("ops", 1)
    assert "created #design" in team.ok("channel", "create", "--name", "design", agent="mgr-1")
    assert "permission denied" in team.fails(4, "channel", "create", "mine", agent="dev-1")

    team.ok("channel", "add", "ops", "dev-1", agent="mgr-1")
    added = team.json("channel", "add", "--channel", "ops", "--agent", "dev-2", agent="mgr-1")
    assert added["member_count"] == 3

    team.ok("channel", "send", "ops", "deploy", "at", "noon", agent="dev-1")
    post = team.json("channel-post", "--channel", "ops", "--content", "ack", agent="dev-2")
    assert post["content"] == "ack"
    team.fails(4, "channel-post", "--channel", "design", "--content", "hi", agent="dev-1")

    hist = team.json("channel", "history", "ops", agent="dev-1")
    assert [p["content"] for p in hist] == ["deploy at noon", "ack"]
    hist = team.json("channel", "history", "--channel", "ops", "--limit", "1", agent="dev-1")
    assert [p["content"] for p in hist] == ["ack"]

    listed = {c["name"]: c for c in team.json("channels", agent="dev-1")}
    assert listed["ops"]["last_message"]["content"] == "ack"
    assert team.json("channel", "list", agent="dev-1") == team.json("channels", agent="dev-1")
    text = team.ok("channels", agent="dev-1")
    assert "#ops [core] 3 members" in text and "dev-2: ack" in text
    assert "channel not found" in team.fails(5, "channel", "send", "nope", "x", agent="dev-1")
    assert "missing channel subcommand" in team.fails(2, "channel", agent="dev-1")


# --- liveness, acks and dead letters ------------------------------------------------------


def test_heartbeat_and_ack(team):
    hb = team.json("heartbeat", agent="dev-1")
    assert hb["agent_id"] == "dev-1" and hb["redelivered"] == []
    m = team.json("send", "dev-1", "see this", agent="mgr-1")
    assert team.json("ack", "--message-id", m["id"], "--session", "s1", agent="dev-1") is True
    again = team.ok("ack", m["id"], "--session", "s1", agent="dev-1")
    assert again.startswith("already acknowledged")
    by_env = team.ok("ack", m["id"][:8], agent="dev-1", env={"BTMSG_SESSION_ID": "s2"})
    assert by_env == f"acknowledged {m['id'][:8]} for session s2\n"
    # The documented flag form alone: no session named, the "default" one is used.
    plain = team.ok("ack", "--message-id", m["id"], agent="dev-1")
    assert plain == f"acknowledged {m['id']} for session default\n"
    team.fails(4, "ack", m["id"], "--session", "s1", agent="mgr-1")
    with sqlite3.connect(team.db) as conn:
        seen = conn.execute("SELECT session_id FROM seen_messages ORDER BY session_id").fetchall()
    assert seen == [("default",), ("s1",), ("s2",)]


def test_message_text_cannot_drive_the_readers_terminal(team):
    team.ok("send", "dev-1", "red \x1b[31malert\x1b[0m\rforged header", agent="mgr-1")
    shown = team.ok("peek", agent="dev-1")
    assert "\x1b" not in shown and "\r" not in shown
    assert "\\u{1b}[31malert" in shown
    # JSON keeps the text exactly as sent.
    assert team.json("peek", agent="dev-1")[0]["content"] == "red \x1b[31malert\x1b[0m\rforged header"


# Ids and channel names are checked by agor, but a legacy script writes whatever it likes.
LEGACY = "leg\x1b[7macy\u202e"


def plant_legacy_rows(db: Path) -> None:
    """An agent, its contacts, a message, a channel with a post and a dead letter as a legacy
    script could have written them: hostile text in every column, ids included."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO agents (id, name, role, group_id, tier, model, cwd)"
            " VALUES (?, ?, ?, 'core', 2, ?, ?)",
            (LEGACY, HOSTILE, "proj\x1b[5m", HOSTILE, HOSTILE),
        )
        conn.executemany(
            "INSERT INTO contacts (agent_id, contact_id) VALUES (?, ?)",
            [(LEGACY, "dev-1"), ("dev-1", LEGACY)],
        )
        conn.execute(
            "INSERT INTO messages (id, from_agent, to_agent, content, group_id, sender_group_id)"
            " VALUES ('legacy-msg-1', ?, 'dev-1', ?, 'core', 'core')",
            (LEGACY, HOSTILE),
        )
        conn.execute(
            "INSERT INTO channels (id, name, group_id, created_by)"
            " VALUES ('legacy-chan-1', ?, 'core', ?)",
            ("chan\x1b[2J\u2066", LEGACY),
        )
        conn.executemany(
            "INSERT INTO channel_members (channel_id, agent_id) VALUES ('legacy-chan-1', ?)",
            [(LEGACY,), ("dev-1",)],
        )
        conn.execute(
            "INSERT INTO channel_messages (id, channel_id, from_agent, content)"
            " VALUES ('legacy-post-1', 'legacy-chan-1', ?, ?)",
            (LEGACY, HOSTILE),
        )
        conn.execute(
            "INSERT INTO dead_letter_queue (from_agent, to_agent, content, error)"
            " VALUES (?, 'dev-1', ?, ?)",
            (LEGACY, HOSTILE, HOSTILE),
        )


# (arguments, acting agent, exit code, whether the output quotes hostile text). In order:
# each line may rely on the ones before it.
HOSTILE_LINES = [
    (["register", "evil-1", HOSTILE, "project", "core", "--model", HOSTILE, "--cwd", HOSTILE], None, 0, True),
    (["allow", "mgr-1", "evil-1", "-b"], None, 0, False),
    (["send", "dev-1", HOSTILE], "mgr-1", 0, False),
    (["send", "--to", "evil-1", "--content", HOSTILE], "mgr-1", 0, False),
    (["broadcast", HOSTILE], "mgr-1", 0, False),
    # The legacy agent is silent, so the reply waits as a dead letter (exit 1).
    (["reply", "legacy-msg-1", HOSTILE], "dev-1", 1, True),
    (["notify"], "dev-1", 0, True),
    (["inbox"], "dev-1", 0, True),
    (["peek"], "dev-1", 0, True),
    (["read", "legacy-msg-1"], "dev-1", 0, True),
    (["read"], "dev-1", 0, True),
    (["inbox", "--all"], "dev-1", 0, True),
    (["history", LEGACY], "dev-1", 0, True),
    (["contacts"], "dev-1", 0, True),
    (["contacts"], "mgr-1", 0, True),
    (["status"], "dev-1", 0, True),
    (["status", "--group", "core"], None, 0, True),
    (["whoami"], "evil-1", 0, True),
    (["whoami"], LEGACY, 2, True),  # agor does not let such an id act
    (["graph"], None, 0, True),
    (["feed"], "root", 0, True),
    (["stale", "--threshold", "1"], None, 0, True),
    (["channel", "list"], "dev-1", 0, True),
    (["channel", "history", "legacy-chan-1"], "dev-1", 0, True),
    (["channel", "send", "legacy-chan-1", HOSTILE], "dev-1", 0, False),
    (["dead-letters"], "mgr-1", 0, True),
    (["set-status", "sleeping", LEGACY], "mgr-1", 0, True),
    # Errors quote what was typed or stored.
    ([HOSTILE], "dev-1", 2, True),
    (["channel", HOSTILE], "dev-1", 2, True),
    (["inbox", "--" + HOSTILE], "dev-1", 2, True),
    (["history", "mgr-1", "--limit", HOSTILE], "dev-1", 2, True),
    (["register", HOSTILE, "n", "project", "core"], None, 2, True),
    (["read", "\x1b[2J" + HOSTILE], "dev-1", 5, True),
    (["send", "--to", "\x1b[2J", "x"], "dev-1", 5, True),
    (["channel", "send", "\x1b[2J", "x"], "dev-1", 5, True),
    (["unread"], "\x1b[2J", 2, True),
]


def test_hostile_text_never_reaches_the_terminal_raw(team):
    plant_legacy_rows(team.db)
    set_heartbeat(team.db, LEGACY, 3600)
    for args, agent, code, quotes in HOSTILE_LINES:
        r = team.shows_nothing_raw(*args, agent=agent)
        assert r.code == code, f"{args}: exit {r.code}: {r.err}"
        if quotes:
            assert "\\u{1b}[" in r.out + r.err, f"{args}: hostile text not shown: {r.out}{r.err}"
        if code == 0:
            # JSON escapes the same characters and reads back the stored text.
            j = team.shows_nothing_raw("--json", *args, agent=agent)
            json.loads(j.out)
    assert team.json("peek", agent="evil-1")[-1]["content"] == HOSTILE
    assert team.json("whoami", agent="evil-1")["name"] == HOSTILE


def test_status_columns_align_whatever_the_names(cli):
    names = ["A", "A much longer name", "x\x1b[31m\u202eevil\u200b", "日本語の名前"]
    for i, name in enumerate(names):
        cli.ok("register", f"a{i}" + "-x" * i, name, ["manager", "project"][i % 2], "core")
    lines = cli.ok("status", "--group", "core").splitlines()
    header, rows = lines[0], lines[1:]
    assert len(rows) == len(names)
    for column in ("NAME", "ROLE", "STATUS", "HEARTBEAT"):
        at = display_column(header, header.index(column))
        for row in rows:
            starts = [m.end() for m in re.finditer(r"(?:^|  )(?=\S)", row)]
            cols = [display_column(row, i) for i in starts]
            assert at in cols, f"{column} at {at}, not a field start in {row!r} ({cols})"
    # Right-aligned numbers end under their header.
    for column in ("TIER", "UNREAD"):
        end = display_column(header, header.index(column) + len(column))
        for row in rows:
            ends = [display_column(row, m.end()) for m in re.finditer(r"\d+(?=  )", row)]
            assert end in ends, f"{column} ends at {end}, not in {row!r}"


def test_mistyped_commands_get_a_suggestion(cli):
    assert "did you mean 'send'?" in cli.fails(2, "sned", "bob", "hi")
    assert "did you mean 'status'?" in cli.fails(2, "stauts")
    assert "did you mean 'send'?" in cli.fails(2, "channel", "sedn", "ops", "hi")
    assert "did you mean '--limit'?" in cli.fails(2, "inbox", "--limt", "3")
    far = cli.fails(2, "frobnicate")
    assert "did you mean" not in far and "btmsg --help" in far


def test_missing_arguments_print_the_usage_lines(cli):
    for args, expected in [
        (["send"], "btmsg send <to> <message…>"),
        (["send", "bob"], "btmsg send --to ID --content TEXT"),
        (["register", "a", "b"], "btmsg register <id> <name> <role> <group> [--tier N] [--model M] [--cwd DIR]"),
        (["channel", "add", "ops"], "btmsg channel add <channel> <agent>"),
        (["history"], "btmsg history <agent> [--limit N]"),
        (["peek", "extra"], "btmsg peek"),
    ]:
        assert "missing" in cli.fails(2, *args) or "unexpected" in cli.fails(2, *args)
        assert expected in cli.usage_lines(*args), args


def test_dead_letters_list_redeliver_clear(team):
    set_heartbeat(team.db, "dev-1", 3600)
    err = team.fails(1, "send", "dev-1", "are you there", agent="mgr-1")
    assert "unavailable" in err and "dead letter #" in err
    team.fails(1, "send", "dev-1", "second try", agent="mgr-1")
    letters = team.json("dead-letters", agent="mgr-1")
    assert [d["content"] for d in letters] == ["are you there", "second try"]
    assert "are you there" in team.ok("dead-letters", agent="mgr-1")
    assert team.json("dead-letters", agent="dev-2") == []

    first, second = letters[0]["id"], letters[1]["id"]
    moved = team.json("dead-letters", "--redeliver", str(first), agent="mgr-1")
    assert [m["content"] for m in moved] == ["are you there"]
    assert team.json("unread", agent="dev-1") == 1
    assert team.json("dead-letters", "--clear", "--json", agent="mgr-1") == 1
    assert team.ok("dead-letters", agent="mgr-1") == "no dead letters\n"
    team.fails(5, "dead-letters", "--clear", str(second), agent="mgr-1")
    assert "not both" in team.fails(2, "dead-letters", "--clear", "--redeliver", agent="mgr-1")

    # A heartbeat brings queued mail in.
    team.fails(1, "send", "dev-1", "third", agent="mgr-1")
    hb = team.json("heartbeat", agent="dev-1")
    assert [m["content"] for m in hb["redelivered"]] == ["third"]
    assert team.ok("dead-letters", "--redeliver", agent="mgr-1") == "redelivered 0 dead letter(s)\n"


# --- exit codes, errors and input checks --------------------------------------------------


def test_exit_codes(team, tmp_path):
    assert team.run("whoami", agent="dev-1").code == 0
    # 1: a file that is not an agor database is refused and left untouched.
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text " * 100)
    before = junk.read_bytes()
    r = team.run("--db", str(junk), "graph", db=False)
    assert r.code == 1 and "not an agor database" in r.err
    assert junk.read_bytes() == before
    # 2: usage.
    assert "unknown command" in team.fails(2, "frobnicate")
    assert "missing command" in team.fails(2)
    assert "BTMSG_AGENT_ID is not set" in team.fails(2, "inbox")
    assert "BTMSG_AGENT_ID is not set" in team.fails(2, "notify")
    assert "agent id" in team.fails(2, "whoami", agent="not valid!")
    # 2: an ambiguous prefix lists the candidates.
    err = team.fails(2, "history", "dev", agent="mgr-1")
    assert "ambiguous" in err and "dev-1" in err and "dev-2" in err
    # 4: ACL.
    assert "not in contacts" in team.fails(4, "send", "dev-2", "psst", agent="dev-1")
    # 5: unknown ids.
    assert "agent not found: ghost" in team.fails(5, "send", "ghost", "hi", agent="mgr-1")
    assert "message not found" in team.fails(5, "read", "ffffffff", agent="dev-1")
    assert "agent not found: ghost" in team.fails(5, "whoami", agent="ghost")


def test_content_checks(team):
    assert "must not be empty" in team.fails(2, "send", "dev-1", "   ", agent="mgr-1")
    assert "missing message text" in team.fails(2, "send", "dev-1", agent="mgr-1")
    # Over the 256 KiB limit, passed as several arguments (one argument is capped by the OS).
    chunks = ["x" * 100_000] * 3
    assert "over the limit" in team.fails(2, "send", "dev-1", *chunks, agent="mgr-1")
    unicode = team.json("send", "dev-1", "héllo — ✓ 日本", agent="mgr-1")
    assert unicode["content"] == "héllo — ✓ 日本"


def test_non_utf8_argument_is_a_usage_error(team):
    r = subprocess.run(
        team.command + ["--db", str(team.db), "send", "dev-1", b"caf\xe9"],
        env={**team.env, "BTMSG_AGENT_ID": "mgr-1"},
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert b"not valid UTF-8" in r.stderr and r.stdout == b""


def test_reads_never_create_a_database(cli, tmp_path):
    # issue 21 item 4.1: a mistyped --db says so (exit 5, naming the path) and creates nothing;
    # only `register` creates
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    before = sorted(tmp_path.iterdir())
    for args in (["status"], ["inbox"], ["graph"], ["channel", "list"]):
        line = cli.fails(5, "--db", str(missing), *args, db=False, agent="mgr-1")
        assert line == f"btmsg: error: database not found: {missing}", args
    assert sorted(tmp_path.iterdir()) == before, "nothing created beside the mistyped path"
    cli.ok("register", "mgr-1", "Mgr", "manager", "core")
    assert cli.db.exists()
    line = cli.fails(5, "status", agent="mgr-9")
    assert line == f"btmsg: error: agent not found: mgr-9 (in {cli.db})"
    # the Python API keeps creating by default and refuses with create=False
    import agor

    with pytest.raises(agor.NotFoundError, match="database not found"):
        agor.open(missing, create=False)
    assert not missing.parent.exists()
    with agor.open(cli.db, create=False) as s:
        assert [a.id for a in s.list_agents()] == ["mgr-1"]


def test_db_from_environment_and_default_path(cli, tmp_path):
    env_db = tmp_path / "from-env.db"
    cli.ok("register", "a", "A", "project", "g", db=False, env={"AGOR_DB": str(env_db)})
    assert env_db.exists()
    assert cli.json("graph", db=False, env={"AGOR_DB": str(env_db)}) == []
    # Neither --db nor AGOR_DB: the default path under HOME.
    cli.ok("register", "b", "B", "project", "g", db=False)
    assert (tmp_path / ".local/share/agor/btmsg.db").exists()


def test_help_and_version(cli):
    out = cli.ok("--help", db=False)
    for line in ("0  ok", "2  usage", "4  permission denied", "5  not found"):
        assert line in out
    for command in ("register", "send", "channel-post", "dead-letters", "notify", "ack"):
        assert command in out
    assert cli.ok("help", db=False) == out
    send = cli.ok("send", "--help", db=False)
    assert "usage: btmsg send <to> <message…>" in send and "--content" in send
    assert "channel add" in cli.ok("channel", "--help", db=False)
    assert cli.ok("--version", db=False).startswith("btmsg ")


# --- --json everywhere, colour ------------------------------------------------------------


def test_every_command_speaks_json(team):
    m = team.json("send", "dev-1", "hello", agent="mgr-1")
    team.ok("channel", "create", "ops", agent="mgr-1")
    lines = [
        (["register", "x-1", "X", "project", "core"], None),
        (["allow", "mgr-1", "x-1"], None),
        (["graph"], None),
        (["stale"], None),
        (["status", "--group", "core"], None),
        (["send", "dev-1", "hi"], "mgr-1"),
        (["broadcast", "hi"], "mgr-1"),
        (["reply", m["id"], "ok"], "dev-1"),
        (["inbox"], "dev-1"),
        (["inbox", "--all"], "dev-1"),
        (["peek"], "dev-1"),
        (["unread"], "dev-1"),
        (["notify"], "dev-1"),
        (["contacts"], "dev-1"),
        (["history", "mgr-1"], "dev-1"),
        (["status"], "dev-1"),
        (["whoami"], "dev-1"),
        (["feed"], "root"),
        (["channel", "list"], "mgr-1"),
        (["channels"], "mgr-1"),
        (["channel", "add", "ops", "dev-1"], "mgr-1"),
        (["channel", "send", "ops", "x"], "dev-1"),
        (["channel-post", "--channel", "ops", "--content", "y"], "dev-1"),
        (["channel", "history", "ops"], "dev-1"),
        (["heartbeat"], "dev-1"),
        (["ack", "--message-id", m["id"], "--session", "s"], "dev-1"),
        (["dead-letters"], "mgr-1"),
        (["dead-letters", "--redeliver"], "mgr-1"),
        (["dead-letters", "--clear"], "mgr-1"),
        (["set-status", "active"], "dev-1"),
        (["read", m["id"]], "dev-1"),
        (["read"], "dev-1"),
        (["delete", m["id"]], "mgr-1"),
    ]
    for args, agent in lines:
        out = team.ok(*args, "--json", agent=agent)
        assert out.count("\n") == 1, f"{args}: one JSON document per call"
        json.loads(out)


def test_colour_only_on_a_terminal_without_no_color(team):
    team.ok("send", "dev-1", "coloured?", agent="mgr-1")
    for args in (["peek"], ["status"], ["contacts"]):
        piped = team.ok(*args, agent="dev-1")
        assert ESC not in piped, f"{args}: escape codes on a pipe"
        assert ESC in run_on_tty(team, *args, agent="dev-1"), f"{args}: no colour on a terminal"
        plain = run_on_tty(team, *args, agent="dev-1", env={"NO_COLOR": "1"})
        assert ESC not in plain and "mgr-1" in plain
    assert ESC not in run_on_tty(team, "peek", "--json", agent="dev-1")


# --- two agents, one file -----------------------------------------------------------------


def test_two_agents_talk_through_one_file(cli):
    cli.ok("register", "--id", "alice", "--name", "Alice", "--role", "manager", "--group", "t")
    cli.ok("register", "bob", "Bob", "project", "t")
    cli.ok("allow", "alice", "bob", "-b")

    q = cli.json("send", "bob", "can you review PR 12?", agent="alice")
    assert cli.ok("notify", agent="bob").startswith("1 unread message from alice")
    [got] = cli.json("read", agent="bob")
    assert got["id"] == q["id"] and got["content"] == "can you review PR 12?"
    cli.ok("reply", got["id"][:8], "yes,", "after", "lunch", agent="bob")
    cli.ok("send", "--to", "bob", "--content", "thanks", agent="alice")

    [answer] = cli.json("read", agent="alice")
    assert (answer["from_agent"], answer["reply_to"]) == ("bob", q["id"])
    convo = cli.json("history", "alice", agent="bob")
    assert [(m["from_agent"], m["content"]) for m in convo] == [
        ("alice", "can you review PR 12?"),
        ("bob", "yes, after lunch"),
        ("alice", "thanks"),
    ]
    assert cli.json("history", "bob", agent="alice") == convo
    assert cli.json("unread", agent="bob") == 1
    assert cli.json("unread", agent="alice") == 0


# --- backup ---------------------------------------------------------------------------------


def snapshot_counts(copy: Path) -> tuple[int, int]:
    """Messages and their audit rows in a copy; one send writes both in one transaction."""
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute(
            "SELECT (SELECT count(*) FROM messages),"
            " (SELECT count(*) FROM audit_log WHERE event_type = 'message_sent')"
        ).fetchone()


def test_backup_writes_a_copy_and_never_overwrites(team, tmp_path):
    team.ok("send", "dev-1", "keep me", agent="mgr-1")
    copy = tmp_path / "copy.db"
    assert "backup written to" in team.ok("backup", str(copy))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]
    assert json.loads(team.run("--db", str(copy), "--json", "peek", agent="dev-1", db=False).out)[0][
        "content"
    ] == "keep me"
    before = copy.read_bytes()
    assert "never overwrites" in team.fails(1, "backup", str(copy))
    assert copy.read_bytes() == before
    assert team.json("backup", "--file", str(tmp_path / "second.db")) == str(tmp_path / "second.db")
    assert "missing backup file" in team.fails(2, "backup")


def test_backup_while_other_processes_write(team, tmp_path):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    stop = threading.Event()

    def writer() -> int:
        # At least one send, however soon the backups end; a failed send fails the test
        # through the future (an exception in a plain thread would only be printed).
        sent = 0
        while sent == 0 or not stop.is_set():
            team.ok("send", "dev-1", "busy", agent="mgr-1")
            sent += 1
        return sent

    with ThreadPoolExecutor(max_workers=1) as pool:
        sending = pool.submit(writer)
        try:
            copies = []
            for i in range(3):
                copy = tmp_path / f"snap-{i}.db"
                team.ok("backup", str(copy))
                copies.append(copy)
                time.sleep(0.05)
        finally:
            stop.set()
        assert sending.result(timeout=60) > 0
    counts = [snapshot_counts(c) for c in copies]
    assert all(m == a for m, a in counts), counts
    assert [m for m, _ in counts] == sorted(m for m, _ in counts)


# --- search and MCP secrets ---------------------------------------------------------------


def test_search_finds_what_you_may_read(team):
    team.ok("send", "dev-1", "the auth token format is JWT", agent="mgr-1")
    team.ok("send", "dev-2", "private: token rotation for dev-2", agent="mgr-1")
    out = team.ok("search", "token", agent="dev-1")
    # issue 21 item 4.4: plain text on a pipe (no literal `**`), bold on a terminal
    assert "**" not in out and " token format" in out and "JWT" in out and "rotation" not in out
    assert f"{ESC}1mtoken{ESC}0m" in run_on_tty(team, "search", "token", agent="dev-1")
    # posts name their channel, not its id
    channel = team.json("channel", "create", "ops", agent="mgr-1")
    team.ok("channel", "add", "ops", "dev-1", agent="mgr-1")
    team.ok("channel", "send", "ops", "deploy the token service", agent="mgr-1")
    line = next(l for l in team.ok("search", "deploy", agent="dev-1").splitlines() if l.startswith("post"))
    assert " in #ops " in line and channel["id"][:8] not in line, line
    hit = team.json("search", "deploy", agent="dev-1")[0]
    assert (hit["channel"], hit["parent_id"]) == ("ops", channel["id"]), "JSON keeps the id"
    hits = team.json("search", "jwt OR rotation", "--kind", "message", agent="mgr-1")
    assert sorted(h["kind"] for h in hits) == ["message", "message"]
    assert team.ok("search", "nothing-like-this", agent="dev-1").strip() == "no matches"
    assert "no matching )" in team.fails(2, "search", "(token", agent="dev-1")
    assert "unknown search kind" in team.fails(2, "search", "token", "--kind", "email", agent="dev-1")
    team.fails(2, "search", agent="dev-1")


# issue 19 item 1: `btmsg search` aborted on a query nested 20,000 deep and exited 1 with a
# StorageError on a long OR chain; both are usage errors (exit 2) naming the bound.
def test_search_bounds_are_usage_errors(team):
    team.ok("send", "dev-1", "the auth token format is JWT", agent="mgr-1")
    deep = "(" * 20_000 + "token" + ")" * 20_000
    assert "limit of 4096 bytes" in team.fails(2, "search", deep, agent="dev-1")
    assert "limit of 16" in team.fails(2, "search", "(" * 17 + "token" + ")" * 17, agent="dev-1")
    chain = " OR ".join(["token"] * 200)
    assert "limit of 64" in team.fails(2, "search", chain, agent="dev-1")


def test_token_issue_list_revoke(team):
    secret = team.ok("token", "issue", "dev-1").strip()
    assert secret.startswith("agor_") and len(secret) == 69
    listed = team.json("token", "list")
    assert [t["agent_id"] for t in listed] == ["dev-1"] and secret not in json.dumps(listed)
    assert "revoked 1 secret of dev-1" in team.ok("token", "revoke", "dev-1")
    assert "not found" in team.fails(5, "token", "issue", "ghost")


def test_reserve_release_and_reservations(team):
    out = team.ok("reserve", "src/*", "--reason", "refactor", agent="dev-1")
    assert "src/*" in out and "exclusive" in out and "refactor" in out
    err = team.fails(3, "reserve", "src/main.rs", agent="dev-2")
    assert "reserved by dev-1" in err and "src/main.rs" in err
    shared = team.json("reserve", "Cargo.lock", "--shared", "--ttl", "60", agent="dev-2")
    assert shared[0]["exclusive"] is False
    listed = team.json("reservations", "--path", "src/lib.rs", agent="mgr-1")
    assert [r["agent_id"] for r in listed] == ["dev-1"]
    renewed = team.json("reserve", "--renew", "--ttl", "7200", agent="dev-1")
    assert [r["pattern"] for r in renewed] == ["src/*"]
    assert "released 1 reservation" in team.ok("release", agent="dev-1")
    assert team.ok("reservations", "--agent", "dev-1", agent="dev-1").strip() == "no reservations"
    team.fails(2, "reserve", agent="dev-1")
    assert "lease" in team.fails(2, "reserve", "x", "--ttl", "0", agent="dev-1")


def test_usage_record_and_summary(team):
    out = team.ok("usage", "--record", "--input", "1000", "--output", "200", "--cost", "0.05",
                  "--model", "claude", agent="dev-1")
    assert "recorded 1000 in / 200 out tokens" in out
    rows = team.json("usage", "--by", "agent", agent="mgr-1")
    assert [(r["key"], r["requests"]) for r in rows] == [("dev-1", 1)]
    assert "dev-1" in team.ok("usage", agent="mgr-1")
    assert "cost_usd" in team.fails(2, "usage", "--record", "--input", "1", "--output", "1",
                                    "--cost", "-3", "--model", "m", agent="dev-1")
    team.fails(2, "usage", "--record", "--input", "1", agent="dev-1")
    assert "unknown summary" in team.fails(2, "usage", "--by", "hour", agent="dev-1")


def test_work_state_and_hooks(team):
    assert team.ok("state", agent="dev-1").strip() == "dev-1 idle"
    assert team.json("state", "working", agent="dev-1")["state"] == "working"
    assert team.json("state", "--hook", "Stop", agent="dev-1")["state"] == "idle"
    assert "cannot go from idle to done" in team.fails(2, "state", "done", agent="dev-1")
    # A hook never blocks its agent (issue 21 item 3): an unknown event is a warning, exit 0.
    lunch = team.run("state", "--hook", "Lunch", agent="dev-1")
    assert lunch.code == 0 and "unknown hook event" in lunch.err and "warning" in lunch.err
    assert team.json("state", "--agent", "dev-1", agent="mgr-1")["state"] == "idle"


def test_remove_restore_purge_rename(team):
    assert team.ok("remove", "dev-2", agent="mgr-1") == "removed dev-2\n"
    assert "dev-2" not in [a["id"] for a in team.json("status", agent="mgr-1")]
    assert "not found" in team.fails(5, "send", "dev-2", "hello", agent="mgr-1")
    assert "reserved" in team.fails(2, "register", "dev-2", "Again", "project", "core")
    team.fails(4, "remove", "dev-1", agent="dev-1")
    assert team.ok("remove", "dev-2", "--undo").startswith("registered dev-2")
    team.ok("send", "dev-2", "back", agent="mgr-1")
    assert "not stopped" in team.fails(2, "purge", "dev-2", agent="mgr-1")
    assert team.ok("purge", "--id", "dev-2", "--force", agent="mgr-1") == "purged dev-2\n"
    team.fails(5, "purge", "dev-2", "--force")
    assert "(Dev Uno)" in team.ok("rename", "dev-1", "Dev", "Uno", agent="dev-1")
    team.fails(4, "rename", "mgr-1", "Mine", agent="dev-1")


def test_roles_list_show_define_check(team):
    out = team.ok("role", "list")
    assert out.splitlines()[0].split()[:3] == ["role", "tier", "kind"]
    assert any(line.split()[:3] == ["manager", "1", "built-in"] for line in out.splitlines())
    assert team.json("roles", agent="dev-1")[5]["name"] == "project"
    assert "implement_tasks" in team.ok("role", "show", "project", agent="dev-1")
    team.fails(5, "role", "show", "scribe")
    row = team.json("role", "define", "lead", "--tier", "1", "--capability", "assign_work",
                    "--permission", "can_send_messages", "--creates", "project")
    assert (row["tier"], row["capabilities"], row["creates"]) == (1, ["assign_work"], ["project"])
    assert "unknown capability 'fly'" in team.fails(2, "role", "define", "odd", "--capability", "fly")
    assert "built-in" in team.fails(2, "role", "define", "manager")
    team.fails(4, "role", "define", "helper", agent="mgr-1")  # no can_modify_roles
    assert team.ok("role", "check", "dev-1", "implement_tasks") == "yes\n"
    assert team.ok("role", "check", "--agent", "dev-1", "--right", "can_create_agents") == "no\n"
    assert team.json("role", "check", "mgr-1", "can_create_agents", agent="dev-1") is True
    assert team.ok("role", "can-create", "manager", "project") == "yes\n"
    assert team.ok("role", "can-create", "lead", "reviewer") == "no\n"
