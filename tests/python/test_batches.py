"""Batches through Python (sync and ``agor.aio``) and ``bttask``: ``create_tasks``,
``claim_tasks`` and ``complete_tasks``, a bad item refusing its whole batch with the item's
index, the bounds, who may call them, and another group. On both engines (``store``)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

import agor
import agor.aio

from conftest import location


def titles(tasks: list[dict]) -> list[str]:
    return [t["title"] for t in tasks]


def test_create_claim_complete(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    made = mgr.create_tasks([{"title": "a"}, {"title": "b", "priority": "high"}, {"title": "c", "status": "backlog"}])
    # Records, as every typed method answers.
    assert all(isinstance(t, agor.Task) for t in made)
    assert [t.title for t in made] == ["a", "b", "c"]
    assert [t.status for t in made] == ["todo", "todo", "backlog"]
    claims = dev.claim_tasks(10, lease_secs=60)
    # Claim-next's order (high first); not the backlog.
    assert [c.task.title for c in claims] == ["b", "a"]
    assert len({c.token for c in claims}) == 2
    done = dev.complete_tasks([
        {"task_id": claims[0].task.id, "token": claims[0].token, "summary": "merged"},
        {"task_id": claims[1].task.id, "token": claims[1].token},
    ])
    assert [t.status for t in done] == ["done", "done"]
    assert [t.completion.summary for t in done] == ["merged", "completed"]
    assert dev.claim_tasks(5) == []


def test_a_bad_item_refuses_the_batch_naming_it(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    with pytest.raises(agor.InvalidInputError) as e:
        mgr.create_tasks([{"title": "a"}, {"title": "  "}, {"title": "c"}])
    assert e.value.item == 1
    assert str(e.value).startswith("item 1 of the batch: ")
    with pytest.raises(agor.NotFoundError) as e:
        mgr.create_tasks([{"title": "a"}, {"title": "b", "assign_to": "ghost"}])
    assert (e.value.item, e.value.object_id) == (1, "ghost")
    assert mgr.list_tasks(all=True) == []

    mgr.create_tasks([{"title": "a"}, {"title": "b"}, {"title": "c"}])
    claims = dev.claim_tasks(3)
    items = [{"task_id": c.task.id, "token": c.token} for c in claims]
    items[1]["token"] = "stale"
    with pytest.raises(agor.LeaseError) as e:
        dev.complete_tasks(items)
    assert (e.value.item, e.value.task_id) == (1, claims[1].task.id)
    # Nothing completed, the item before the bad one included.
    assert {t.status for t in mgr.list_tasks()} == {"in_progress"}
    items[1]["token"] = claims[1].token
    assert len(dev.complete_tasks(items)) == 3


def test_bounds_who_may_and_another_group(store: agor.Store) -> None:
    mgr, dev, other = store.as_agent("mgr-1"), store.as_agent("dev-1"), store.as_agent("ops-1")
    for call in (lambda: dev.claim_tasks(0), lambda: dev.claim_tasks(1001), lambda: mgr.create_tasks([]),
                 lambda: mgr.create_tasks([{"title": "x"}] * 1001)):
        with pytest.raises(agor.InvalidInputError, match="1000"):
            call()
    with pytest.raises(agor.PermissionDeniedError):
        dev.create_tasks([{"title": "x"}])
    with pytest.raises(agor.PermissionDeniedError):
        store.call({"op": "claim_tasks", "count": 1})
    mgr.create_tasks([{"title": "core work"}])
    # A manager of another group sees none of it to claim, nor a claim of it to complete.
    assert other.claim_tasks(10) == []
    claim = dev.claim_tasks(1)[0]
    with pytest.raises(agor.NotFoundError) as e:
        other.complete_tasks([{"task_id": claim.task.id, "token": claim.token}])
    assert e.value.item == 0


def test_async(store: agor.Store) -> None:
    db = location(store)

    async def body() -> None:
        async with agor.aio.open(db) as astore:
            mgr, dev = astore.as_agent("mgr-1"), astore.as_agent("dev-1")
            await mgr.create_tasks(tasks=[{"title": f"t{n}"} for n in range(5)])
            claims = await dev.claim_tasks(count=5)
            assert len(claims) == 5
            done = await dev.complete_tasks(claims=[{"task_id": c["task"]["id"], "token": c["token"]} for c in claims])
            assert {t["status"] for t in done} == {"done"}

    asyncio.run(asyncio.wait_for(body(), 60))


def test_bttask_batches(store: agor.Store, bttask_cmd: list[str], tmp_path: Path) -> None:
    db = location(store)

    def bttask(*args: str, agent: str) -> str:
        p = subprocess.run([*bttask_cmd, "--db", db, *args], env={**os.environ, "BTMSG_AGENT_ID": agent},
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    lines = tmp_path / "tasks.txt"
    lines.write_text('fix the parser\n\n{"title": "urgent", "priority": "high", "tags": ["a"]}\n')
    made = json.loads(bttask("--json", "add-many", str(lines), agent="mgr-1"))
    assert titles(made) == ["fix the parser", "urgent"]
    claims = json.loads(bttask("--json", "claim", "--count", "5", agent="dev-1"))
    assert [c["task"]["title"] for c in claims] == ["urgent", "fix the parser"]
    pairs = [w for c in claims for w in (c["task"]["id"], c["token"])]
    out = bttask("done-many", *pairs, "--summary", "both merged", agent="dev-1")
    assert out.count("completed") == 2, out
    assert "nothing to claim" in bttask("claim", "--count", "3", agent="dev-1")
    # The legacy single claim still answers as before.
    assert json.loads(bttask("--json", "claim", agent="dev-1")) is None


def test_http_api(store: agor.Store) -> None:
    from test_serve import serve, team

    secrets = team(store)
    with serve(location(store)) as server:
        status, made = server.api("create_tasks", secrets["mgr-1"], tasks=[{"title": "a"}, {"title": "b"}])
        assert status == 200 and titles(made) == ["a", "b"]
        status, claims = server.api("claim_tasks", secrets["dev-1"], count=10)
        assert status == 200 and len(claims) == 2
        items = [{"task_id": c["task"]["id"], "token": c["token"]} for c in claims]
        # A bad item: the item's own status and kind, its index in the message.
        status, answer = server.api("complete_tasks", secrets["dev-1"],
                                    claims=[items[0], {**items[1], "token": "stale"}])
        assert (status, answer["error"]["kind"]) == (409, "lease"), answer
        assert answer["error"]["message"].startswith("item 1 of the batch: "), answer
        status, answer = server.api("claim_tasks", secrets["dev-1"], count=1001)
        assert (status, answer["error"]["kind"]) == (422, "invalid_input"), answer
        status, done = server.api("complete_tasks", secrets["dev-1"], claims=items)
        assert status == 200 and {t["status"] for t in done} == {"done"}
