"""Usage and cost (SPEC §9) on both engines: agents report requests, the group reads the sums
per agent, task and group; another group's usage stays out of sight; bad input is refused."""

from __future__ import annotations

import math

import pytest

import agor


def test_record_and_summaries(store: agor.Store) -> None:
    mgr, dev1, dev2 = (store.as_agent(a) for a in ("mgr-1", "dev-1", "dev-2"))
    task = mgr.create_task("Write the parser")
    r = dev1.record_usage(1200, 300, 0.0123456789, "claude-sonnet", task=task.id[:8])
    assert (r.agent_id, r.task_id, r.model) == ("dev-1", task.id, "claude-sonnet")
    assert r.cost_usd == pytest.approx(0.012346) and r.id > 0
    dev1.record_usage(800, 200, 0.01, "claude-sonnet", task=task.id)
    dev2.record_usage(100, 50, 0.5, "gpt")
    store.as_agent("ops-1").record_usage(9, 9, 9.0, "other-group")
    by_agent = {s.key: s for s in dev1.usage_summary()}
    assert set(by_agent) == {"dev-1", "dev-2"}  # ops-1's group is not ours
    d1 = by_agent["dev-1"]
    assert (d1.input_tokens, d1.output_tokens, d1.requests) == (2000, 500, 2)
    assert d1.cost_usd == pytest.approx(0.022346)
    assert [s.key for s in dev1.usage_summary()][0] == "dev-2"  # biggest cost first
    by_task = {s.key: s.requests for s in mgr.usage_summary(by="task")}
    assert by_task == {task.id: 2, None: 1}
    [core] = mgr.usage_summary(by="group")
    assert core.key == "core" and core.requests == 3
    assert {s.key for s in store.as_agent("boss").usage_summary(by="group")} == {"core", "ops"}


@pytest.mark.parametrize(
    "args, problem",
    [
        ((-1, 0, 0.0, "m"), "input_tokens"),
        ((0, 10**13, 0.0, "m"), "output_tokens"),
        ((0, 0, -0.01, "m"), "cost_usd"),
        ((0, 0, math.nan, "m"), "cost_usd"),
        ((0, 0, math.inf, "m"), "cost_usd"),
        ((0, 0, 0.0, " "), "model"),
    ],
)
def test_bad_input(store: agor.Store, args: tuple, problem: str) -> None:
    with pytest.raises(agor.InvalidInputError, match=problem):
        store.as_agent("dev-1").record_usage(*args)


def test_denied_and_unknown(store: agor.Store) -> None:
    ops_task = store.as_agent("ops-1").create_task("ops work")
    with pytest.raises(agor.NotFoundError):  # another group's task cannot be named
        store.as_agent("dev-1").record_usage(1, 1, 0.0, "m", task=ops_task.id)
    with pytest.raises(agor.InvalidInputError, match="unknown summary"):
        store.as_agent("dev-1").usage_summary(by="model")
    with pytest.raises(agor.PermissionDeniedError):  # the operator has no requests of its own
        store.call({"op": "record_usage", "input_tokens": 1, "output_tokens": 1, "cost_usd": 0, "model": "m"})
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ghost").record_usage(1, 1, 0.0, "m")
    assert store.as_agent("dev-1").usage_summary() == []
