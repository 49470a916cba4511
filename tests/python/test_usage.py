"""Usage and cost (SPEC §9) on both engines: agents report requests, the group reads the sums
per agent, task, model and group, in all or per hour or day (`usage_series`, issue 23's charts);
another group's usage stays out of sight; bad input is refused."""

from __future__ import annotations

import math

import pytest

import agor
from cli_runner import Cli, command_under_test


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
        store.as_agent("dev-1").usage_summary(by="hour")
    with pytest.raises(agor.PermissionDeniedError):  # the operator has no requests of its own
        store.call({"op": "record_usage", "input_tokens": 1, "output_tokens": 1, "cost_usd": 0, "model": "m"})
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ghost").record_usage(1, 1, 0.0, "m")
    assert store.as_agent("dev-1").usage_summary() == []


def test_series_per_model_and_bucket(store: agor.Store) -> None:
    dev1, dev2 = store.as_agent("dev-1"), store.as_agent("dev-2")
    first = dev1.record_usage(1000, 200, 0.25, "claude-opus")
    dev2.record_usage(10, 20, 0.5, "claude-opus")
    dev1.record_usage(3, 4, 0.125, "claude-haiku")
    store.as_agent("ops-1").record_usage(9, 9, 9.0, "claude-opus")  # another group
    hour, day = first.created_at[:13] + ":00:00", first.created_at[:10] + " 00:00:00"

    def points(rows: list[dict]) -> list[tuple]:
        return [(p["key"], p["input_tokens"], p["output_tokens"], p["cost_usd"], p["requests"]) for p in rows]

    # Oldest bucket first (the first record's hour); summed over the buckets (an hour may
    # turn between the records), per model.
    series = dev1.usage_series(by="model", bucket="hour")
    assert series[0]["bucket_start"] == hour
    totals: dict[str, list] = {}
    for p in series:
        t = totals.setdefault(p["key"], [0, 0, 0.0, 0])
        for i, field in enumerate(("input_tokens", "output_tokens", "cost_usd", "requests")):
            t[i] += p[field]
    assert totals == {"claude-opus": [1010, 220, 0.75, 2], "claude-haiku": [3, 4, 0.125, 1]}
    daily = dev1.usage_series()  # by model, per day
    assert daily[0]["bucket_start"] == day
    assert all(p["bucket_start"].endswith(" 00:00:00") for p in daily)
    assert sum(p["requests"] for p in daily) == 3
    assert {p["key"] for p in dev1.usage_series(by="agent")} == {"dev-1", "dev-2"}
    # The operator reads every group, or one.
    assert {p["key"] for p in store.usage_series(by="group")} == {"core", "ops"}
    assert points(store.usage_series(group="ops")) == [("claude-opus", 9, 9, 9.0, 1)]
    # From `since` on: nothing recorded after tomorrow.
    assert dev1.usage_series(since="2999-01-01") == []
    assert len(dev1.usage_series(since="2000-01-01T00:00:00Z", by="agent")) >= 2
    with pytest.raises(agor.InvalidInputError, match="since"):
        dev1.usage_series(since="yesterday")
    with pytest.raises(agor.InvalidInputError):
        dev1.usage_series(bucket="week")
    # Per model in all.
    assert [(s.key, s.requests) for s in dev1.usage_summary(by="model")] == [
        ("claude-opus", 2),
        ("claude-haiku", 1),
    ]


def test_series_through_btmsg(store: agor.Store, db: str, tmp_path) -> None:
    btmsg = Cli("btmsg", command_under_test("btmsg", "AGOR_BTMSG"), db, tmp_path)
    btmsg.ok("usage", "--record", "--input", "1500", "--output", "500", "--cost", "0.75",
             "--model", "claude-opus", agent="dev-1")
    rows = btmsg.json("usage", "--series", "hour", agent="dev-2")
    assert [(r["key"], r["input_tokens"], r["output_tokens"], r["cost_usd"]) for r in rows] == [
        ("claude-opus", 1500, 500, 0.75)
    ]
    assert rows[0]["bucket_start"].endswith(":00:00")
    line = btmsg.ok("usage", "--series", "day", "--by", "agent", agent="mgr-1")
    assert line.startswith(rows[0]["bucket_start"][:10]) and "dev-1 $0.7500 1 requests" in line
    assert "claude-opus" in btmsg.ok("usage", "--by", "model", agent="dev-1")
    assert btmsg.json("usage", "--series", "day", "--since", "2999-01-01", agent="dev-1") == []
    assert "--series" in btmsg.fails(2, "usage", "--since", "2000-01-01", agent="dev-1")
    assert "unknown bucket" in btmsg.fails(2, "usage", "--series", "week", agent="dev-1")
    assert btmsg.json("usage", "--series", "day", agent="ops-1") == []  # another group
