"""Claims with their files (issue 22 item 2, SPEC §14) through Python and `bttask`, on both
engines: `paths` on create/update, a claim that reserves them (all or none) naming its task,
release when the claim ends, claim-next and `ready_tasks` skipping a task whose files another
agent holds, and `claim_blockers` / `bttask blocked` saying who holds them."""

from __future__ import annotations

import pytest

import agor
from cli_runner import Cli, command_under_test
from conftest import open_team


def test_paths_round_trip_and_a_claim_reserves_them(store: agor.Store) -> None:
    mgr, dev1, dev2 = (store.as_agent(a) for a in ("mgr-1", "dev-1", "dev-2"))
    t = mgr.create_task("parser", paths=["src/parser/*", "docs/parser.md"])
    assert t.paths == ["src/parser/*", "docs/parser.md"]
    assert mgr.get_task(t.id).paths == t.paths
    claim = dev1.claim_task(t.id)
    [held] = dev2.reservations(path="src/parser/lexer.rs")
    assert (held.agent_id, held.task_id, held.exclusive) == ("dev-1", t.id, True)
    with pytest.raises(agor.AlreadyClaimedError, match="dev-1"):
        dev2.reserve(["docs/*"])
    dev1.complete_task(t.id, claim.token, "parsed")
    assert dev2.reservations() == []
    assert len(dev2.reserve(["docs/*"])) == 1


def test_all_or_none_and_claim_next_skips_with_the_blocker_named(store: agor.Store) -> None:
    mgr, dev1, dev2 = (store.as_agent(a) for a in ("mgr-1", "dev-1", "dev-2"))
    [r] = dev2.reserve(["src/lib.rs"], reason="refactoring")
    held = mgr.create_task("held", priority="critical", paths=["README.md", "src/*.rs"])
    free = mgr.create_task("free", priority="low", paths=["docs/*"])
    with pytest.raises(agor.AlreadyClaimedError, match="refactoring"):
        dev1.claim_task(held.id)
    assert dev1.get_task(held.id).status == "todo"
    assert dev2.reservations(agent_id="dev-1") == []  # README.md was not reserved either
    assert [t.id for t in dev1.ready_tasks()] == [free.id]
    # A derived method (from the catalogue): plain dicts.
    [b] = dev1.claim_blockers()
    assert (b["task_id"], b["path"], b["blocked_by"]["agent_id"], b["blocked_by"]["id"]) == (
        held.id, "src/*.rs", "dev-2", r.id)
    assert dev1.claim_task().task.id == free.id
    assert dev1.claim_task() is None
    # Released with the reservation: dev1 may take it now.
    dev2.release_reservations()
    assert dev1.claim_task().task.id == held.id


def test_update_paths_and_the_other_group(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    t = mgr.create_task("t")
    assert t.paths == []
    t = mgr.update_task(t.id, t.version, paths=["lib/**"])
    assert t.paths == ["lib/**"]
    with pytest.raises(agor.InvalidInputError):
        mgr.update_task(t.id, t.version, paths=["bad\x07path"])
    claim = store.as_agent("dev-1").claim_task(t.id)
    with pytest.raises(agor.InvalidInputError, match="claimed"):
        mgr.update_task(t.id, claim.task.version, paths=[])
    ops = store.as_agent("ops-1")
    assert ops.claim_blockers() == []
    with pytest.raises(agor.NotFoundError):
        ops.claim_blockers(t.id)
    # Another group's claim holds nothing of ops' repository.
    assert ops.reserve(["lib/x.rs"])


@pytest.fixture(scope="session")
def bttask_cmd() -> list[str]:
    return command_under_test("bttask", "AGOR_BTTASK")


def test_bttask_paths_claim_and_blocked(bttask_cmd, db, tmp_path) -> None:
    open_team(db).close()
    cli = Cli("bttask", bttask_cmd, db, tmp_path)
    a = cli.json("add", "parser", "--paths", "src/**", "--paths", "docs/*.md", agent="mgr-1")
    assert a["paths"] == ["src/**", "docs/*.md"]
    b = cli.json("add", "docs", "--priority", "high", "--paths=docs/guide.md", agent="mgr-1")
    assert "paths:     src/** docs/*.md" in cli.ok("show", a["id"], agent="dev-1")
    claim = cli.json("claim", a["id"], agent="dev-1")
    # dev-2's claim-next skips b (its file is in dev-1's claim) and finds nothing else.
    assert cli.json("ready", agent="dev-2") == []
    [blocked] = cli.json("blocked", agent="dev-2")
    assert blocked["task_id"] == b["id"] and blocked["blocked_by"]["task_id"] == a["id"]
    text = cli.ok("blocked", agent="dev-2")
    assert "docs/guide.md held by dev-1" in text and "claimed task" in text
    err = cli.fails(3, "claim", b["id"], agent="dev-2")
    assert "dev-1" in err and "docs/*.md" in err
    cli.ok("release", a["id"], claim["token"], agent="dev-1")
    assert cli.ok("blocked", agent="dev-2").strip() == "nothing held back by others' files"
    assert cli.json("claim", agent="dev-2")["task"]["id"] == b["id"]
    edited = cli.json("edit", a["id"], "--version", str(a["version"] + 2), "--no-paths", agent="mgr-1")
    assert edited["paths"] == []
