"""SPEC §2.1 from Python and from the command line: agents cannot escalate, groups are a
boundary for ids and prefixes, the review channels belong to the system, dependencies gate
every route, and tasks agor moves stay visible to the legacy tools."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import agor
from cli_runner import Cli, command_under_test

LEGACY_BTTASK = Path(__file__).parent / "legacy" / "bttask_legacy.py"


def legacy(db: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs the legacy-tool stand-in in its own process (stdlib sqlite3 never opens the file
    in this one)."""
    return subprocess.run(
        [sys.executable, str(LEGACY_BTTASK), str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- Python API -----------------------------------------------------------------------------


def test_an_agent_cannot_make_itself_admin_or_grant_itself_contacts(store: agor.Store) -> None:
    dev = store.as_agent("dev-1")
    with pytest.raises(agor.PermissionDeniedError):
        dev.register_agent("dev-1", "Developer One", "admin", "core")
    with pytest.raises(agor.PermissionDeniedError):
        dev.register_agent("dev-1", "Developer One", "project", "core", tier=0)
    with pytest.raises(agor.PermissionDeniedError):
        dev.allow("dev-1", "dev-2", bidirectional=True)
    # Re-registering itself unchanged is fine (a new name or model).
    assert dev.register_agent("dev-1", "Dev 1", "project", "core", model="m2").name == "Dev 1"
    assert (store.get_agent("dev-1").role, store.get_agent("dev-1").tier) == ("project", 2)


def test_a_manager_creates_roles_below_it_inside_its_group(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    assert mgr.register_agent("dev-3", "Three", "project", "core").tier == 2
    for role in ("admin", "manager", "reviewer"):
        with pytest.raises(agor.PermissionDeniedError):
            mgr.register_agent("up-1", "Up", role, "core")
    with pytest.raises(agor.PermissionDeniedError):
        mgr.register_agent("dev-4", "Four", "project", "ops")
    # Another group's agent answers like any id it may not take (issue 19 item 14).
    with pytest.raises(agor.InvalidInputError, match="already taken"):
        mgr.register_agent("ops-1", "Operations", "project", "ops")
    mgr.allow("dev-3", "dev-1", bidirectional=True)
    with pytest.raises(agor.NotFoundError):  # ops-1 is outside its group
        mgr.allow("dev-3", "ops-1")
    edges = {(c.agent_id, c.contact_id) for c in store.as_agent("ops-1").contact_graph()}
    assert edges == set()  # ops has no contacts; core's edges are not its business
    assert ("dev-3", "dev-1") in {(c.agent_id, c.contact_id) for c in mgr.contact_graph()}
    row = store.audit_log("mgr-1", limit=5)
    assert any(e.event_type == "agent_registered" and e.detail.startswith("dev-3 ") for e in row)


def test_another_groups_manager_cannot_reach_core_objects(store: agor.Store) -> None:
    mgr, ops = store.as_agent("mgr-1"), store.as_agent("ops-1")
    msg = mgr.send("dev-1", "core only")
    task = mgr.create_task("core task")
    mgr.create_channel("core-chat")
    for ref in (msg.id, msg.id[:8]):
        with pytest.raises(agor.NotFoundError):
            ops.delete_message(ref)
    for ref in (task.id, task.id[:8]):
        with pytest.raises(agor.NotFoundError):
            ops.set_task_status(ref, "cancelled")
        with pytest.raises(agor.NotFoundError):
            ops.delete_task(ref)
        with pytest.raises(agor.NotFoundError):
            ops.get_task(ref)
    with pytest.raises(agor.NotFoundError):
        ops.post("core-chat", "hello from ops")
    with pytest.raises(agor.NotFoundError):
        ops.set_status("stopped", "dev-1")
    assert mgr.get_task(task.id).status == "todo"


def test_review_channels_are_the_systems(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    t = mgr.create_task("look")
    claim = dev.claim_task(t.id)
    dev.complete_task(t.id, claim.token, "done", review=True)
    owners = {c.name: c.created_by for c in mgr.list_channels()}
    assert owners["review-queue"] == "agor" and owners["review-log"] == "agor"
    with pytest.raises(agor.PermissionDeniedError):
        dev.add_member("review-log", "dev-2")
    with pytest.raises(agor.PermissionDeniedError):
        dev.post("review-log", "approved")


def test_dependencies_gate_status_changes_and_set_status_without_version(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    first, second = mgr.create_task("first"), mgr.create_task("second")
    mgr.add_dependency(second.id, first.id)
    with pytest.raises(agor.InvalidInputError):
        mgr.set_task_status(second.id, "in_progress")
    mgr.set_task_status(first.id, "in_progress")
    moved = mgr.set_task_status(first.id, "done")
    assert (moved.status, moved.version) == ("done", first.version + 2)
    assert mgr.set_task_status(second.id, "in_progress").status == "in_progress"


def test_claimed_tasks_stay_on_the_legacy_board(file_store: agor.Store, db_path: Path) -> None:
    mgr = file_store.as_agent("mgr-1")
    t = mgr.create_task("visible everywhere")
    claim = file_store.as_agent("dev-1").claim_task()
    assert claim.task.status == "in_progress"
    board = json.loads(legacy(db_path, "board").stdout)
    assert board["progress"] == [t.id]
    # The legacy tool moves it on; agor reads its spelling back.
    assert legacy(db_path, "status", t.id, "review").returncode == 0
    assert mgr.get_task(t.id).status == "review"
    assert legacy(db_path, "status", t.id, "progress").returncode == 0
    assert mgr.get_task(t.id).status == "in_progress"
    # Statuses the legacy tools lack stay agor's own and are simply not on their board.
    mgr.create_task("later", status="backlog")
    assert sum(len(v) for v in json.loads(legacy(db_path, "board").stdout).values()) == 1


# --- command line ---------------------------------------------------------------------------


@pytest.fixture
def btmsg(tmp_path: Path) -> Cli:
    cli = Cli("btmsg", command_under_test("btmsg", "AGOR_BTMSG"), tmp_path / "team.db", tmp_path)
    for args in (
        ("register", "mgr-1", "Manager", "manager", "core"),
        ("register", "dev-1", "Dev", "project", "core"),
        ("register", "ops-1", "Ops", "manager", "ops"),
    ):
        cli.ok(*args)  # the operator: no BTMSG_AGENT_ID
    return cli


def test_cli_register_and_allow_act_as_the_agent_when_one_is_set(btmsg: Cli) -> None:
    err = btmsg.fails(4, "register", "dev-1", "Dev", "admin", "core", agent="dev-1")
    assert "permission denied" in err
    btmsg.fails(4, "allow", "dev-1", "mgr-1", "-b", agent="dev-1")
    btmsg.ok("register", "dev-2", "Dev Two", "project", "core", agent="mgr-1")
    btmsg.ok("allow", "dev-1", "dev-2", "-b", agent="mgr-1")
    btmsg.fails(5, "allow", "dev-1", "ops-1", agent="mgr-1")
    # The operator, without an identity, still sets up anything, in the legacy syntax.
    btmsg.ok("allow", "dev-1", "ops-1")
    agent = btmsg.json("whoami", agent="dev-1")
    assert (agent["role"], agent["tier"]) == ("project", 2)


def test_cli_graph_as_an_agent_shows_only_its_groups_edges(btmsg: Cli) -> None:
    btmsg.ok("allow", "mgr-1", "dev-1", "-b")
    btmsg.ok("register", "ops-2", "Ops Two", "project", "ops")
    btmsg.ok("allow", "ops-1", "ops-2")
    everything = btmsg.json("graph")
    assert {"agent_id": "ops-1", "contact_id": "ops-2"} in everything
    mine = btmsg.json("graph", agent="dev-1")
    assert {(e["agent_id"], e["contact_id"]) for e in mine} == {("mgr-1", "dev-1"), ("dev-1", "mgr-1")}


def test_cli_status_group_stays_inside_the_agents_scope(btmsg: Cli) -> None:
    assert [a["id"] for a in btmsg.json("status", "--group", "ops")] == ["ops-1"]
    assert btmsg.json("status", "--group", "ops", agent="dev-1") == []
    assert {a["id"] for a in btmsg.json("status", "--group", "core", agent="dev-1")} == {
        "mgr-1",
        "dev-1",
    }
