"""The Python API of agor: every messaging method of Store and Actor, the records they return,
the exception hierarchy, the permission rules, and several processes on one file. The task
board has its own suite, test_tasks.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import agor
from agor import _agor

from conftest import TEAM, location, sql_behind_api, sqlite_in_subprocess

MAX_CONTENT = 256 * 1024


# --- opening, closing, schema -------------------------------------------------------------


def test_open_creates_file_and_reports_path(db_path: Path) -> None:
    with agor.open(db_path) as s:
        assert db_path.exists()
        assert s.path == str(db_path)
        assert s.schema_version() >= 2
        assert s.stale_after == 300
        assert not s.closed
        assert repr(s) == f'Store(path="{db_path}")'
    assert s.closed
    assert "closed" in repr(s)


def test_open_without_path_uses_agor_db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGOR_DB", str(db_path))
    with agor.open() as s:
        assert s.path == str(db_path)
    assert db_path.exists()


def test_open_options(db_path: Path) -> None:
    with agor.open(db_path, busy_timeout=0.5, stale_after=42) as s:
        assert s.stale_after == 42
    with pytest.raises(agor.InvalidInputError) as e:
        agor.open(db_path, stale_after=-1)
    assert e.value.field == "stale_after"
    with pytest.raises(agor.InvalidInputError):
        agor.open(db_path, busy_timeout=float("nan"))
    with pytest.raises(agor.InvalidInputError):
        agor.open(str(db_path) + "\0x")
    with pytest.raises(TypeError):
        agor.open(42)  # type: ignore[arg-type]


class _BytesPathLike:
    """An ``os.PathLike`` whose ``__fspath__`` gives bytes, as ``os.DirEntry`` can."""

    def __init__(self, path: bytes) -> None:
        self._path = path

    def __fspath__(self) -> bytes:
        return self._path


def test_open_accepts_str_bytes_and_path_like(db_path: Path) -> None:
    for form in (str(db_path), os.fsencode(db_path), db_path, _BytesPathLike(os.fsencode(db_path))):
        with agor.open(form) as s:
            assert s.path == str(db_path), form
            s.register_agent("a-1", "A", "project", "core")  # idempotent upsert
    with pytest.raises(agor.InvalidInputError):
        agor.open(os.fsencode(db_path) + b"\0x")


def test_backup_is_a_single_file_copy_and_never_overwrites(file_store: agor.Store, tmp_path: Path) -> None:
    store = file_store
    store.as_agent("mgr-1").send("dev-1", "keep me")
    target = tmp_path / "copies" / "backup.db"
    target.parent.mkdir()
    written = store.backup(target)
    assert written == str(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["backup.db"]
    with agor.open(target) as copy:
        assert [m.content for m in copy.as_agent("dev-1").peek()] == ["keep me"]
    before = target.read_bytes()
    with pytest.raises(agor.StorageError, match="never overwrites"):
        store.backup(str(target))
    assert target.read_bytes() == before
    # bytes paths too
    store.backup(os.fsencode(tmp_path / "second.db"))
    assert (tmp_path / "second.db").exists()


def test_backup_while_another_process_writes_is_consistent(file_store: agor.Store, tmp_path: Path) -> None:
    store = file_store
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, agor
                me = agor.open(sys.argv[1]).as_agent("mgr-1")
                print("ready", flush=True)
                for i in range(400):
                    me.send("dev-1", f"message {i}")
                """
            ),
            store.path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    counts = []
    for i in range(4):
        copy = tmp_path / f"snap-{i}.db"
        store.backup(copy)
        # Each send writes its message and its audit row in one transaction.
        rows = sqlite_in_subprocess(
            copy,
            "SELECT (SELECT count(*) FROM messages),"
            " (SELECT count(*) FROM audit_log WHERE event_type = 'message_sent')",
        )
        messages, audited = rows[0]
        assert messages == audited, f"snapshot {i} is torn"
        counts.append(messages)
        time.sleep(0.02)
    assert writer.wait(timeout=60) == 0
    assert counts == sorted(counts)


def test_closed_store_refuses_calls(store: agor.Store) -> None:
    me = store.as_agent("mgr-1")
    store.close()
    store.close()  # idempotent
    with pytest.raises(agor.StorageError, match="closed"):
        store.list_agents()
    # Actors share the store's connection, so they are closed with it.
    with pytest.raises(agor.StorageError, match="closed"):
        me.whoami()


def test_not_sqlite_file_is_schema_error_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    original = b"this is not a database\n" * 100
    path.write_bytes(original)
    mtime = path.stat().st_mtime_ns
    with pytest.raises(agor.SchemaError) as e:
        agor.open(path)
    assert e.value.path == str(path)
    assert isinstance(e.value, agor.AgorError)
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_schema_is_schema_error_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite_in_subprocess(path, "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    before = path.read_bytes()
    with pytest.raises(agor.SchemaError):
        agor.open(path)
    assert path.read_bytes() == before


def test_newer_schema_is_refused(db_path: Path) -> None:
    agor.open(db_path).close()
    sqlite_in_subprocess(db_path, "PRAGMA user_version = 999")
    with pytest.raises(agor.SchemaError, match="newer"):
        agor.open(db_path)


def test_read_only_store_refuses_writes(store: agor.Store, db: str) -> None:
    with agor.open(db, read_only=True) as ro:
        assert [a.id for a in ro.list_agents("ops")] == ["ops-1"]
        with pytest.raises(agor.ReadOnlyError) as e:
            ro.as_agent("mgr-1").send("dev-1", "hello")
        assert isinstance(e.value, agor.StorageError)
    assert store.as_agent("dev-1").unread_count() == 0


LOCK_HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
"""


def test_busy_error_and_gil_released_while_waiting(file_store: agor.Store, db_path: Path) -> None:
    with agor.open(db_path, busy_timeout=1.0) as impatient:
        me = impatient.as_agent("mgr-1")
        holder = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(db_path), "4"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            outcome: list = []

            def send() -> None:
                try:
                    me.send("dev-1", "blocked")
                except agor.AgorError as e:
                    outcome.append(e)

            t = threading.Thread(target=send)
            t.start()
            # While the send waits for the lock, this thread must keep running Python.
            ticks = 0
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                ticks += 1
            t.join()
        finally:
            holder.kill()
            holder.wait()
    assert ticks > 10_000, "the GIL was held while waiting for the database lock"
    assert len(outcome) == 1 and isinstance(outcome[0], agor.BusyError)
    assert isinstance(outcome[0], agor.StorageError)
    assert outcome[0].waited_ms >= 900
    assert file_store.as_agent("dev-1").unread_count() == 0


# --- agents and the ACL -------------------------------------------------------------------


def test_register_and_get_agent(store: agor.Store) -> None:
    a = store.register_agent("qa-1", "QA", "tester", "core", model="m-1", cwd="/src")
    assert (a.id, a.name, a.role, a.group_id, a.tier) == ("qa-1", "QA", "tester", "core", 1)
    assert (a.model, a.cwd, a.status, a.unread, a.last_heartbeat) == ("m-1", "/src", "active", 0, None)
    assert store.get_agent("qa-1") == a
    assert store.get_agent("qa") == a  # unique prefix
    # Re-registering updates in place.
    b = store.register_agent("qa-1", "QA Lead", "custom-role", "core", tier=0)
    assert (b.name, b.role, b.tier) == ("QA Lead", "custom-role", 0)
    assert store.register_agent("x-1", "X", "custom-role", "core").tier == 2
    assert store.register_agent("adm", "A", "admin", "core").tier == 0


@pytest.mark.parametrize(
    "args, field",
    [
        (("", "N", "project", "core"), "agent id"),
        (("bad id", "N", "project", "core"), "agent id"),
        (("a" * 65, "N", "project", "core"), "agent id"),
        (("ok", " ", "project", "core"), "name"),
        (("ok", "N", "", "core"), "role"),
        (("ok", "N", "project", "no spaces"), "group"),
    ],
)
def test_register_invalid(store: agor.Store, args: tuple, field: str) -> None:
    with pytest.raises(agor.InvalidInputError) as e:
        store.register_agent(*args)
    assert e.value.field == field
    assert isinstance(e.value, ValueError)


def test_register_invalid_tier_and_types(store: agor.Store) -> None:
    with pytest.raises(agor.InvalidInputError):
        store.register_agent("ok", "N", "project", "core", tier=5)
    with pytest.raises(TypeError):
        store.register_agent("ok", "N", "project", "core", tier="high")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.register_agent(None, "N", "project", "core")  # type: ignore[arg-type]


def test_get_agent_not_found_and_ambiguous(store: agor.Store) -> None:
    with pytest.raises(agor.NotFoundError) as e:
        store.get_agent("ghost")
    assert (e.value.object_kind, e.value.object_id) == ("agent", "ghost")
    assert isinstance(e.value, LookupError)
    with pytest.raises(agor.AmbiguousIdError) as amb:
        store.get_agent("dev")
    assert sorted(amb.value.candidates) == ["dev-1", "dev-2"]
    assert amb.value.prefix == "dev"
    assert isinstance(amb.value, agor.InvalidInputError)


def test_list_agents_with_unread_counts(store: agor.Store) -> None:
    # Ordered by group, then tier, then id.
    assert [a.id for a in store.list_agents()] == [
        "boss", "arch-1", "mgr-1", "rev-1", "dev-1", "dev-2", "ops-1",
    ]
    core = store.list_agents("core")
    assert {a.id for a in core} == {t[0] for t in TEAM if t[3] == "core"}
    assert [a.id for a in store.list_agents("ops")] == ["ops-1"]
    assert store.list_agents("nobody") == []
    store.as_agent("mgr-1").send("dev-1", "one")
    store.as_agent("mgr-1").send("dev-1", "two")
    unread = {a.id: a.unread for a in store.list_agents("core")}
    assert unread["dev-1"] == 2 and unread["dev-2"] == 0


def test_allow_and_contacts(store: agor.Store) -> None:
    dev1 = store.as_agent("dev-1")
    assert [a.id for a in dev1.contacts()] == ["mgr-1"]
    with pytest.raises(agor.PermissionDeniedError) as e:
        dev1.send("dev-2", "hi")
    assert e.value.actor == "dev-1"
    store.allow("dev-1", "dev-2")  # one way
    dev1.send("dev-2", "hi")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-2").send("dev-1", "hi back")
    store.allow("dev-1", "dev-2", bidirectional=True)
    store.as_agent("dev-2").send("dev-1", "hi back")
    edges = {(c.agent_id, c.contact_id) for c in store.contact_graph()}
    assert ("dev-1", "dev-2") in edges and ("dev-2", "dev-1") in edges
    assert ("mgr-1", "rev-1") in edges
    with pytest.raises(agor.NotFoundError):
        store.allow("dev-1", "ghost")
    with pytest.raises(agor.InvalidInputError):
        store.allow("dev-1", "dev-1")


def test_tier0_bypasses_acl_and_sees_everyone(store: agor.Store) -> None:
    boss = store.as_agent("boss")
    boss.send("ops-1", "cross-group, no contact row")
    assert store.as_agent("ops-1").unread_count() == 1
    assert {a.id for a in boss.contacts()} == {t[0] for t in TEAM} - {"boss"}
    assert {a.id for a in boss.list_agents()} == {t[0] for t in TEAM}
    assert {a.id for a in store.as_agent("dev-1").list_agents()} == {
        t[0] for t in TEAM if t[3] == "core"
    }


def test_as_agent_validates_id_and_unknown_actor(store: agor.Store) -> None:
    with pytest.raises(agor.InvalidInputError):
        store.as_agent("not valid!")
    ghost = store.as_agent("ghost")
    assert ghost.id == "ghost"
    with pytest.raises(agor.NotFoundError):
        ghost.whoami()
    with pytest.raises(agor.NotFoundError):
        ghost.send("dev-1", "boo")


def test_whoami_and_actor_attributes(store: agor.Store) -> None:
    me = store.as_agent("rev-1")
    assert me.whoami().role == "reviewer"
    assert me.store is store
    assert repr(me) == f'Actor(id="rev-1", path="{store.path}")'


def test_set_status(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    assert dev.set_status("sleeping").status == "sleeping"
    assert store.get_agent("dev-1").last_active_at is not None
    with pytest.raises(agor.PermissionDeniedError):
        dev.set_status("stopped", agent_id="dev-2")
    assert store.as_agent("mgr-1").set_status("stopped", agent_id="dev-2").status == "stopped"
    with pytest.raises(agor.InvalidInputError) as e:
        dev.set_status("asleep")
    assert e.value.field == "status"


# --- direct messages ----------------------------------------------------------------------


def test_send_returns_message(store: agor.Store) -> None:
    msg = store.as_agent("mgr-1").send("dev-1", "please take the parser task")
    assert isinstance(msg, agor.Message)
    assert (msg.from_agent, msg.to_agent, msg.content, msg.read) == (
        "mgr-1", "dev-1", "please take the parser task", False,
    )
    assert (msg.group_id, msg.sender_group_id, msg.reply_to) == ("core", "core", None)
    assert len(msg.id) == 36 and len(msg.created_at) == 19
    d = msg.to_dict()
    assert d["id"] == msg.id and d["read"] is False and d["reply_to"] is None
    assert json.loads(json.dumps(d)) == d
    assert repr(msg).startswith(f"Message(id='{msg.id}', from_agent='mgr-1', to_agent='dev-1'")


def test_send_by_prefix_and_unknown_recipient(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    assert mgr.send("arch", "prefix works").to_agent == "arch-1"
    with pytest.raises(agor.NotFoundError):
        mgr.send("nobody", "x")
    with pytest.raises(agor.AmbiguousIdError):
        mgr.send("dev", "which one?")


@pytest.mark.parametrize("content", ["", "   \n\t"])
def test_empty_content_is_invalid(store: agor.Store, content: str) -> None:
    with pytest.raises(agor.InvalidInputError) as e:
        store.as_agent("mgr-1").send("dev-1", content)
    assert e.value.field == "content"


def test_content_size_limit(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    at_limit = "x" * MAX_CONTENT
    assert len(mgr.send("dev-1", at_limit).content) == MAX_CONTENT
    with pytest.raises(agor.InvalidInputError, match="256|262144"):
        mgr.send("dev-1", at_limit + "y")
    # The limit is in UTF-8 bytes, not characters.
    with pytest.raises(agor.InvalidInputError):
        mgr.send("dev-1", "é" * (MAX_CONTENT // 2 + 1))
    with pytest.raises(agor.InvalidInputError):
        mgr.post("general", at_limit + "y")
    assert store.as_agent("dev-1").unread_count() == 1


def test_non_utf8_text_is_refused(store: agor.Store) -> None:
    with pytest.raises(UnicodeEncodeError):
        store.as_agent("mgr-1").send("dev-1", "lone surrogate \udcff")
    assert store.as_agent("dev-1").unread_count() == 0


def test_unicode_round_trip(store: agor.Store) -> None:
    text = "héllo 👋 — 中文"
    store.as_agent("mgr-1").send("dev-1", text)
    assert store.as_agent("dev-1").read()[0].content == text


def test_inbox_peek_read_and_unread_count(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    ids = [mgr.send("dev-1", f"m{i}").id for i in range(3)]
    assert dev.unread_count() == 3
    assert [m.id for m in dev.inbox()] == ids  # oldest first
    assert [m.id for m in dev.inbox(limit=2)] == ids[:2]
    assert [m.id for m in dev.peek()] == ids
    assert dev.unread_count() == 3  # neither inbox nor peek marks read
    one = dev.read(ids[1][:8])  # by prefix
    assert one.id == ids[1] and one.read
    assert dev.unread_count() == 2
    rest = dev.read()
    assert [m.id for m in rest] == [ids[0], ids[2]] and all(m.read for m in rest)
    assert dev.unread_count() == 0 and dev.inbox() == [] and dev.read_unread() == []
    everything = dev.inbox(all=True)
    assert [m.id for m in everything] == ids[::-1]  # newest first
    assert all(m.read for m in everything)
    with pytest.raises(agor.InvalidInputError):
        dev.inbox(limit=-1)
    with pytest.raises(agor.NotFoundError):
        dev.read("ffffffff")


def test_read_unread_marks_all(store: agor.Store) -> None:
    store.as_agent("mgr-1").send("dev-1", "a")
    dev = store.as_agent("dev-1")
    assert [m.content for m in dev.read_unread()] == ["a"]
    assert dev.unread_count() == 0


def test_read_someone_elses_message_is_denied(store: agor.Store) -> None:
    msg = store.as_agent("mgr-1").send("dev-1", "private")
    # For an agent that neither sent nor received it, the message does not exist.
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-2").read(msg.id)
    # The sender may read what it sent; that does not mark it read for the recipient.
    assert store.as_agent("mgr-1").read(msg.id).read is False
    assert store.as_agent("boss").read(msg.id).id == msg.id


def test_reply_threads_and_goes_to_the_other_party(store: agor.Store) -> None:
    original = store.as_agent("mgr-1").send("dev-1", "status?")
    answer = store.as_agent("dev-1").reply(original.id[:6], "done")
    assert (answer.to_agent, answer.reply_to) == ("mgr-1", original.id)
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-2").reply(original.id, "not mine")
    with pytest.raises(agor.InvalidInputError):
        store.as_agent("dev-1").reply(original.id, "")


def test_mark_conversation_read(store: agor.Store) -> None:
    store.as_agent("mgr-1").send("dev-1", "a")
    store.as_agent("mgr-1").send("dev-1", "b")
    store.as_agent("boss").send("dev-1", "c")
    dev = store.as_agent("dev-1")
    assert dev.mark_conversation_read("mgr-1") == 2
    assert dev.mark_conversation_read("mgr-1") == 0
    assert [m.content for m in dev.inbox()] == ["c"]


def test_ack_per_session(store: agor.Store) -> None:
    msg = store.as_agent("mgr-1").send("dev-1", "ack me")
    dev = store.as_agent("dev-1")
    assert dev.ack(msg.id, "session-a") is True
    assert dev.ack(msg.id, "session-a") is False
    assert dev.ack(msg.id, "session-b") is True
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-2").ack(msg.id, "session-a")
    with pytest.raises(agor.InvalidInputError):
        dev.ack(msg.id, "")
    seen = sql_behind_api(store, "SELECT session_id FROM seen_messages ORDER BY session_id")
    assert seen == [("session-a",), ("session-b",)]


def test_history(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    for i in range(4):
        mgr.send("dev-1", f"q{i}")
        dev.send("mgr-1", f"a{i}")
    store.as_agent("mgr-1").send("dev-2", "elsewhere")
    h = dev.history("mgr-1")
    assert [m.content for m in h] == ["q0", "a0", "q1", "a1", "q2", "a2", "q3", "a3"]
    assert [m.content for m in dev.history("mgr", limit=3)] == ["a2", "q3", "a3"]
    with pytest.raises(agor.NotFoundError):
        dev.history("ghost")


def test_feed_is_tier0_only(store: agor.Store) -> None:
    store.as_agent("mgr-1").send("dev-1", "one")
    store.as_agent("mgr-1").send("dev-2", "two")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("mgr-1").feed()
    boss = store.as_agent("boss")
    assert [m.content for m in boss.feed()] == ["two", "one"]
    assert [m.content for m in boss.feed(limit=1)] == ["two"]
    assert boss.feed(group="ops") == []


def test_notify(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    assert dev.notify() is None
    store.as_agent("mgr-1").send("dev-1", "a")
    store.as_agent("mgr-1").send("dev-1", "b")
    store.as_agent("boss").send("dev-1", "c")
    line = dev.notify()
    # issue 21 item 4.6: each sender's count said once, in words
    assert line is not None and line.startswith("3 unread messages: 2 from mgr-1, 1 from boss — ")


def test_delete_message_is_manager_only(store: agor.Store) -> None:
    msg = store.as_agent("mgr-1").send("dev-1", "oops")
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").delete_message(msg.id)
    assert store.as_agent("mgr-1").delete_message(msg.id) is None
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-1").read(msg.id)


def test_fan_out(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    d = mgr.send_to_role("project", "standup")
    assert isinstance(d, agor.Delivery)
    assert sorted(m.to_agent for m in d.sent) == ["dev-1", "dev-2"]
    assert d.dead_lettered == [] and d.skipped == []
    d = mgr.send_to_pattern("dev-*", "pattern")
    assert sorted(m.to_agent for m in d.sent) == ["dev-1", "dev-2"]
    with pytest.raises(agor.NotFoundError):
        mgr.send_to_role("astronaut", "anyone?")
    with pytest.raises(agor.NotFoundError):
        mgr.send_to_pattern("zz*", "anyone?")
    # A project agent's broadcast reaches its contacts and lists the rest as skipped.
    d = store.as_agent("dev-1").broadcast("hello team")
    assert [m.to_agent for m in d.sent] == ["mgr-1"]
    assert sorted(d.skipped) == ["arch-1", "boss", "dev-2", "rev-1"]
    plain = d.to_dict()
    assert plain["sent"][0]["to_agent"] == "mgr-1" and isinstance(plain["sent"][0], dict)
    assert json.loads(json.dumps(plain))["skipped"] == plain["skipped"]
    d = store.as_agent("boss").broadcast("all hands")
    assert len(d.sent) == 5 and d.skipped == []
    with pytest.raises(agor.InvalidInputError):
        mgr.broadcast("")


# --- liveness and dead letters ------------------------------------------------------------


def make_stale(store: agor.Store, agent_id: str, seconds_ago: int = 3600) -> None:
    """Writes an old heartbeat for `agent_id` the way a legacy tool would, from another process."""
    sql_behind_api(
        store,
        f"INSERT INTO heartbeats (agent_id, timestamp) "
        f"VALUES ('{agent_id}', {int(time.time()) - seconds_ago}) "
        f"ON CONFLICT (agent_id) DO UPDATE SET timestamp = excluded.timestamp",
    )


def test_heartbeat_and_stale_agents(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    hb = dev.heartbeat()
    assert isinstance(hb, agor.Heartbeat)
    assert hb.agent_id == "dev-1" and abs(hb.timestamp - time.time()) < 5
    assert hb.redelivered == []
    assert store.get_agent("dev-1").last_heartbeat == hb.timestamp
    assert store.stale_agents() == []
    make_stale(store, "dev-2", 900)
    stale = store.stale_agents()
    assert [s.agent_id for s in stale] == ["dev-2"]
    assert 890 <= stale[0].silent_secs <= 1000
    assert store.stale_agents(threshold_secs=3600) == []
    with pytest.raises(agor.InvalidInputError):
        store.stale_agents(threshold_secs=-1)


def test_recipient_unavailable_then_redelivered(store: agor.Store) -> None:
    make_stale(store, "dev-1")
    mgr = store.as_agent("mgr-1")
    with pytest.raises(agor.RecipientUnavailableError) as e:
        mgr.send("dev-1", "are you there?")
    err = e.value
    assert err.recipient == "dev-1" and isinstance(err.dead_letter_id, int)
    assert err.silent_secs >= 3600
    dev = store.as_agent("dev-1")
    assert dev.unread_count() == 0
    letters = mgr.dead_letters()
    assert [(dl.id, dl.to_agent, dl.content) for dl in letters] == [
        (err.dead_letter_id, "dev-1", "are you there?")
    ]
    assert "no heartbeat" in (letters[0].error or "")
    assert isinstance(letters[0], agor.DeadLetter) and letters[0].to_dict()["id"] == err.dead_letter_id
    # Tier 0 senders bypass the liveness check.
    store.as_agent("boss").send("dev-1", "from the boss")
    assert dev.unread_count() == 1
    hb = dev.heartbeat()
    assert [m.content for m in hb.redelivered] == ["are you there?"]
    assert sorted(m.content for m in dev.read()) == ["are you there?", "from the boss"]
    assert mgr.dead_letters() == []


def test_redeliver_and_clear_dead_letters(store: agor.Store) -> None:
    make_stale(store, "dev-1")
    make_stale(store, "dev-2")
    mgr = store.as_agent("mgr-1")
    ids = []
    for to in ("dev-1", "dev-2", "dev-2"):
        with pytest.raises(agor.RecipientUnavailableError) as e:
            mgr.send(to, f"for {to}")
        ids.append(e.value.dead_letter_id)
    d = mgr.broadcast("fan-out to the silent")
    assert sorted(m.to_agent for m in d.sent) == ["arch-1", "rev-1"]
    assert sorted(to for to, _ in d.dead_lettered) == ["dev-1", "dev-2"]
    assert all(isinstance(dl_id, int) for _, dl_id in d.dead_lettered)
    # A project agent sees only its own letters and cannot act on others'.
    assert {dl.to_agent for dl in store.as_agent("dev-1").dead_letters()} == {"dev-1"}
    with pytest.raises(agor.NotFoundError):
        store.as_agent("dev-1").clear_dead_letters(ids[1])
    redelivered = mgr.redeliver_dead_letters(ids[0])
    assert [m.to_agent for m in redelivered] == ["dev-1"]
    assert store.as_agent("dev-1").unread_count() == 1
    with pytest.raises(agor.NotFoundError):
        mgr.redeliver_dead_letters(ids[0])
    assert mgr.clear_dead_letters(ids[1]) == 1
    remaining = len(mgr.dead_letters())
    assert mgr.clear_dead_letters() == remaining == 3
    assert mgr.dead_letters() == []
    assert mgr.redeliver_dead_letters() == []


# --- channels -----------------------------------------------------------------------------


def test_channels(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    ch = mgr.create_channel("general")
    assert isinstance(ch, agor.Channel)
    assert (ch.name, ch.group_id, ch.created_by, ch.member_count, ch.last_message) == (
        "general", "core", "mgr-1", 1, None,
    )
    with pytest.raises(agor.InvalidInputError):
        mgr.create_channel("general")
    with pytest.raises(agor.InvalidInputError):
        mgr.create_channel("has space")
    ch = mgr.add_member("general", "dev-1")
    assert ch.member_count == 2
    assert mgr.add_member(ch.id[:8], "dev-1").member_count == 2  # idempotent, id prefix
    dev = store.as_agent("dev-1")
    post = dev.post("general", "hello channel")
    assert isinstance(post, agor.ChannelMessage)
    assert (post.channel_id, post.from_agent, post.content) == (ch.id, "dev-1", "hello channel")
    mgr.post("general", "welcome")
    assert [p.content for p in dev.channel_history("general")] == ["hello channel", "welcome"]
    assert [p.content for p in dev.channel_history("general", limit=1)] == ["welcome"]
    listed = mgr.list_channels()
    assert [c.name for c in listed] == ["general"]
    assert listed[0].member_count == 2 and listed[0].last_message.content == "welcome"
    assert listed[0].to_dict()["last_message"]["content"] == "welcome"
    with pytest.raises(agor.NotFoundError):
        dev.post("no-such-channel", "x")
    with pytest.raises(agor.NotFoundError):
        mgr.add_member("general", "ghost")


def test_channel_permissions(store: agor.Store) -> None:
    for who in ("dev-1", "arch-1", "rev-1"):
        with pytest.raises(agor.PermissionDeniedError):
            store.as_agent(who).create_channel("mine")
    store.as_agent("mgr-1").create_channel("leads")
    dev2 = store.as_agent("dev-2")
    with pytest.raises(agor.PermissionDeniedError):
        dev2.post("leads", "let me in")
    with pytest.raises(agor.PermissionDeniedError):
        dev2.channel_history("leads")
    with pytest.raises(agor.PermissionDeniedError):
        dev2.add_member("leads", "dev-2")
    # Tier 0 posts anywhere and sees every group's channels.
    boss = store.as_agent("boss")
    boss.post("leads", "admin note")
    boss.create_channel("boss-room")
    store.as_agent("ops-1").create_channel("ops-room")
    assert {c.name for c in boss.list_channels()} == {"leads", "boss-room", "ops-room"}
    assert {c.name for c in store.as_agent("mgr-1").list_channels()} == {"leads", "boss-room"}
    # Managers read channels they are not in.
    assert [p.content for p in store.as_agent("mgr-1").channel_history("boss-room")] == []


def test_ensure_review_channels(store: agor.Store) -> None:
    queue, log = store.ensure_review_channels("core")
    assert (queue.name, log.name) == ("review-queue", "review-log")
    again = store.ensure_review_channels("core")
    assert (again[0].id, again[1].id) == (queue.id, log.id)
    with pytest.raises(agor.InvalidInputError):
        store.ensure_review_channels("")


# --- records, audit log, errors -----------------------------------------------------------


def test_records_are_immutable_and_comparable(store: agor.Store) -> None:
    a = store.get_agent("dev-1")
    with pytest.raises(AttributeError):
        a.name = "renamed"  # type: ignore[misc]
    assert a == store.get_agent("dev-1")
    assert a != store.get_agent("dev-2")
    assert a != "dev-1"
    assert a.to_dict()["id"] == "dev-1"
    assert set(a.to_dict()) == {
        "id", "name", "role", "group_id", "tier", "model", "cwd", "status",
        "last_active_at", "created_at", "last_heartbeat", "unread",
    }
    assert agor.Agent.__doc__ and agor.Message.content.__doc__
    with pytest.raises(TypeError):
        agor.Message()  # records come only from the library


def test_audit_log(store: agor.Store) -> None:
    msg = store.as_agent("mgr-1").send("dev-1", "audited")
    entries = store.audit_log(limit=5)
    assert isinstance(entries[0], agor.AuditEntry)
    assert entries[0].event_type == "message_sent" and msg.id in (entries[0].detail or "")
    ids = [e.id for e in entries]
    assert ids == sorted(ids, reverse=True) and len(entries) == 5
    # Registrations are the operator's acts: the row names the operator, the detail the agent.
    mine = store.audit_log("operator")
    assert {e.agent_id for e in mine} == {"operator"}
    assert any(e.event_type == "agent_registered" and (e.detail or "").startswith("dev-2 ") for e in mine)
    with pytest.raises(agor.InvalidInputError):
        store.audit_log(limit=-5)


def test_every_error_kind_maps_to_its_own_class() -> None:
    """One sample per core error kind: each gets its own class and attributes, including the
    I/O failure no test can provoke on demand."""
    kinds = _agor._error_kinds()
    classes = [c for _, c in kinds]
    assert len(set(classes)) == len(classes) == 12
    expected_attrs = {
        "NotFound": {"object_kind": "agent", "object_id": "ghost"},
        "Ambiguous": {"candidates": ["abc1", "abd2"], "prefix": "ab"},
        "PermissionDenied": {"actor": "dev-1", "action": "create channels"},
        "Conflict": {"current_version": 3, "expected": 2},
        "AlreadyClaimed": {"task_id": "t1", "claimed_by": "dev-2"},
        "Lease": {"task_id": "t1", "reason": "token expired"},
        "RecipientUnavailable": {"recipient": "dev-2", "dead_letter_id": 7, "silent_secs": 900},
        "InvalidInput": {"field": "content"},
        "Schema": {"path": "/tmp/sample.db"},
        "ReadOnly": {"path": "/tmp/sample.db"},
        "Busy": {"waited_ms": 100},
        "Storage": {"path": "/tmp/sample.db"},
    }
    assert {k for k, _ in kinds} == set(expected_attrs)
    for kind, class_name in kinds:
        err = _agor._sample_error(kind)
        cls = getattr(agor, class_name)
        assert type(err) is cls, kind
        assert isinstance(err, agor.AgorError) and str(err)
        for attr, value in expected_attrs[kind].items():
            assert getattr(err, attr) == value, (kind, attr)
    assert issubclass(agor.ReadOnlyError, agor.StorageError)
    assert issubclass(agor.BusyError, agor.StorageError)
    assert issubclass(agor.AmbiguousIdError, agor.InvalidInputError)
    assert issubclass(agor.InvalidInputError, ValueError)
    # Conflict, claim and lease errors are also raised for real (and pickled) in test_tasks.py.


# --- threads and processes ----------------------------------------------------------------


def test_threads_share_a_store(store: agor.Store) -> None:
    senders = ["dev-1", "dev-2", "arch-1", "rev-1"]
    errors: list = []

    def work(sender: str) -> None:
        try:
            me = store.as_agent(sender)
            for i in range(25):
                me.send("mgr-1", f"{sender} {i}")
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = [m.content for m in store.as_agent("mgr-1").read()]
    assert sorted(got) == sorted(f"{s} {i}" for s in senders for i in range(25))


PEER = """
import json, sys, time
import agor
db, me_id, other, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
me = agor.open(db).as_agent(me_id)
received = []
for i in range(n):
    me.send(other, f"{me_id} {i}")
    received += [m.content for m in me.read()]
deadline = time.monotonic() + 60
while len(received) < n and time.monotonic() < deadline:
    received += [m.content for m in me.read()]
    time.sleep(0.01)
print(json.dumps(received))
"""


def test_two_processes_exchange_messages_without_loss(store: agor.Store) -> None:
    n = 200
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PEER, location(store), me, other, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me, other in (("dev-1", "mgr-1"), ("mgr-1", "dev-1"))
    ]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outputs.append(json.loads(out))
    got_by_dev, got_by_mgr = outputs
    assert sorted(got_by_dev) == sorted(f"mgr-1 {i}" for i in range(n))
    assert sorted(got_by_mgr) == sorted(f"dev-1 {i}" for i in range(n))
    # Each process saw the other's messages in the order they were sent.
    assert got_by_dev == [f"mgr-1 {i}" for i in range(n)]
    assert got_by_mgr == [f"dev-1 {i}" for i in range(n)]
    sent_rows = sql_behind_api(store, "SELECT count(*) FROM audit_log WHERE event_type = 'message_sent'")
    assert sent_rows == [(2 * n,)]


def test_package_metadata() -> None:
    assert agor.__version__ == _agor.__version__
    doc = " ".join((agor.__doc__ or "").split())
    assert "stdlib ``sqlite3`` module *in the same process*" in doc
    for name in agor.__all__:
        assert hasattr(agor, name), name
    pkg = Path(agor.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_agor.pyi").exists()


# --- PostgreSQL: what only a server adds ------------------------------------------------------


def test_postgresql_failures_are_clear_and_change_nothing(pg_db: str) -> None:
    wrong = pg_db.replace(":agor-test@", ":not-the-password@")
    assert wrong != pg_db, "the test server's URL carries the password agor-test"
    with pytest.raises(agor.StorageError, match="refused the credentials") as e:
        agor.open(wrong)
    assert "not-the-password" not in str(e.value)
    with pytest.raises(agor.StorageError, match="cannot be reached"):
        agor.open("postgresql://agor@/agor?host=/nonexistent-socket-dir")
    with agor.open(pg_db) as s:
        assert "***" in s.path and "agor-test" not in s.path
        s.register_agent("mgr-1", "Manager", "manager", "core")
        with pytest.raises(agor.InvalidInputError, match="pg_dump"):
            s.backup("/tmp/never-written.db")
    subprocess.run(
        ["psql", pg_db, "-qc", "UPDATE agor_meta SET value = '999' WHERE key = 'schema_version'"],
        check=True,
    )
    with pytest.raises(agor.SchemaError, match="newer"):
        agor.open(pg_db)


# issue 19 item 10: a password holding `/` or `?` showed in clear in `store.path`, `repr(store)`
# and connect errors (the redaction cut the user info at the first `/` or `?`).
def test_a_password_with_slash_and_question_mark_never_shows(pg_db: str) -> None:
    role = f"py_role_{os.getpid()}_{time.time_ns() % 10**9}"
    password = "pw/se?cr"
    subprocess.run(
        ["psql", pg_db, "-qc", f"CREATE ROLE {role} LOGIN PASSWORD '{password}'; "
         f"CREATE SCHEMA {role} AUTHORIZATION {role}"],
        check=True, capture_output=True,
    )
    scheme, rest = pg_db.split("://", 1)
    after = rest.split("@", 1)[1].split("&options=")[0]
    pieces = ("pw/se", "se?cr", "pw%2F", "%3Fcr")
    for userinfo in (f"{role}:{password}", f"{role}:pw%2Fse%3Fcr"):
        url = f"{scheme}://{userinfo}@{after}&options=-csearch_path%3D{role}"
        with agor.open(url) as s:
            shown = f"{s.path} {s!r}"
            assert "***" in s.path and not any(p in shown for p in pieces), shown
        with pytest.raises(agor.StorageError) as e:
            agor.open(url.replace("pw", "pX"))
        said = f"{e.value} {e.value!r}"
        assert not any(p.replace("pw", "pX") in said for p in pieces), said
