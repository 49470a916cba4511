"""The conventions that hold on every surface (SPEC §5): one meaning per number, a cap on
every text field, and one notion of blank text."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import agor

# Every count argument of the API, called with `n`.
COUNTS: list[tuple[str, Callable[[agor.Store, Any], Any]]] = [
    ("inbox", lambda s, n: s.as_agent("dev-1").inbox(limit=n)),
    ("inbox all", lambda s, n: s.as_agent("dev-1").inbox(all=True, limit=n)),
    ("history", lambda s, n: s.as_agent("mgr-1").history("dev-1", limit=n)),
    ("feed", lambda s, n: s.as_agent("boss").feed(limit=n)),
    ("channel_history", lambda s, n: s.as_agent("boss").channel_history("general", limit=n)),
    ("audit_log", lambda s, n: s.audit_log(limit=n)),
    ("claim_task", lambda s, n: s.as_agent("dev-1").claim_task(lease_seconds=n)),
]


def _prepare(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    mgr.send("dev-1", "hello")
    mgr.create_channel("general")
    mgr.post("general", "welcome")
    mgr.create_task("a task")


@pytest.mark.parametrize("name,call", COUNTS, ids=[c[0] for c in COUNTS])
@pytest.mark.parametrize("bad", [0, -1, -(2**70), 2**32, 2**63, 2**64, 10**40, 10**100])
def test_out_of_range_count_is_one_invalid_input_error(
    store: agor.Store, name: str, call: Callable[[agor.Store, Any], Any], bad: int
) -> None:
    # 0 used to be an empty list, 2**63 an OverflowError; now every surface says the same.
    _prepare(store)
    with pytest.raises(agor.InvalidInputError, match=r"between 1 and \d+, not ") as e:
        call(store, bad)
    assert str(bad) in str(e.value)
    assert e.value.field in ("limit", "lease")


def test_limit_bounds_and_default(store: agor.Store) -> None:
    _prepare(store)
    dev = store.as_agent("dev-1")
    assert len(dev.inbox(limit=1)) == 1
    assert len(dev.inbox(limit=agor.MAX_LIMIT)) == 1
    assert len(dev.inbox(limit=None)) == 1  # None is the documented default (all unread)
    with pytest.raises(agor.InvalidInputError, match=f"between 1 and {agor.MAX_LIMIT}"):
        dev.inbox(limit=agor.MAX_LIMIT + 1)
    with pytest.raises(TypeError):
        dev.inbox(limit=1.5)  # type: ignore[arg-type]
    assert len(store.audit_log(limit=None)) == len(store.audit_log()) <= 50


def test_lease_bounds(store: agor.Store) -> None:
    _prepare(store)
    dev = store.as_agent("dev-1")
    with pytest.raises(agor.InvalidInputError, match="lease"):
        dev.claim_task(lease_seconds=agor.MAX_LEASE_SECONDS + 1)
    claim = dev.claim_task(lease_seconds=agor.MAX_LEASE_SECONDS)
    assert claim is not None
    for bad in (0, -5, 2**64):
        with pytest.raises(agor.InvalidInputError, match="lease"):
            dev.renew_lease(claim.task.id, claim.token, lease_seconds=bad)
    assert dev.renew_lease(claim.task.id, claim.token, lease_seconds=None).token == claim.token


BLANKS = ["", " \n\t", "\0", "\0\0\0", "\u200b", "\u200c\u200d", "\u2060", "\ufeff", " \u200b\0\ufeff"]


@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_invisible_only_text_is_blank(store: agor.Store, blank: str) -> None:
    # NUL and zero-width characters used to count as content.
    mgr = store.as_agent("mgr-1")
    mgr.create_channel("general")
    task = mgr.create_task("real")
    for call in (
        lambda: mgr.send("dev-1", blank),
        lambda: mgr.post("general", blank),
        lambda: mgr.comment(task.id, blank),
        lambda: mgr.create_task(blank),
        lambda: store.register_agent("blank-1", blank, "project", "core"),
    ):
        with pytest.raises(agor.InvalidInputError, match="must not be empty"):
            call()
    assert store.as_agent("dev-1").unread_count() == 0


# (what, cap in bytes, call with a string of that many bytes)
CAPS: list[tuple[str, int, Callable[[agor.Store, str], Any]]] = [
    ("name", 256, lambda s, v: s.register_agent("cap-1", v, "project", "core")),
    ("model", 256, lambda s, v: s.register_agent("cap-1", "C", "project", "core", model=v)),
    ("cwd", 4096, lambda s, v: s.register_agent("cap-1", "C", "project", "core", cwd=v)),
    ("title", 1024, lambda s, v: s.as_agent("mgr-1").create_task(v)),
    ("description", 64 * 1024, lambda s, v: s.as_agent("mgr-1").create_task("t", description=v)),
    (
        "definition of done",
        16 * 1024,
        lambda s, v: s.as_agent("mgr-1").create_task("t", definition_of_done=v),
    ),
    ("content", 256 * 1024, lambda s, v: s.as_agent("mgr-1").send("dev-1", v)),
]


@pytest.mark.parametrize("field,cap,call", CAPS, ids=[c[0] for c in CAPS])
def test_every_text_field_has_a_cap(
    store: agor.Store, field: str, cap: int, call: Callable[[agor.Store, str], Any]
) -> None:
    call(store, "x" * (cap - 1))
    call(store, "x" * cap)
    with pytest.raises(agor.InvalidInputError, match=f"limit of {cap} bytes") as e:
        call(store, "x" * (cap + 1))
    assert e.value.field == field
    with pytest.raises(agor.InvalidInputError):
        call(store, "x" * (5 << 20))  # the 5 MB model names and 50 MB descriptions of old


def test_tag_and_artifact_counts_are_capped(store: agor.Store) -> None:
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    mgr.create_task("tagged", tags=[f"t{i}" for i in range(32)])
    with pytest.raises(agor.InvalidInputError, match="tags"):
        mgr.create_task("tagged", tags=[f"t{i}" for i in range(10_000)])
    task = mgr.create_task("work")
    claim = dev.claim_task(task.id)
    assert claim is not None
    too_many = [f"file:{i}" for i in range(101)]
    with pytest.raises(agor.InvalidInputError, match="artifacts"):
        dev.complete_task(task.id, claim.token, "done", artifacts=too_many)
    with pytest.raises(agor.InvalidInputError, match="next"):
        dev.complete_task(task.id, claim.token, "done", next="x" * 4097)
    done = dev.complete_task(task.id, claim.token, "done", artifacts=too_many[:100])
    assert done.status == "done"


def test_every_integer_argument_is_invalid_input_never_overflow(store: agor.Store) -> None:
    # Python ints are unbounded; pyo3 used to raise OverflowError past 64 bits.
    mgr = store.as_agent("mgr-1")
    task = mgr.create_task("t")
    for huge in (2**63, -(2**63) - 1, 10**30):
        for call in (
            lambda: store.register_agent("x-1", "X", "project", "core", tier=huge),
            lambda: mgr.set_task_status(task.id, "in_progress", huge),
            lambda: mgr.clear_dead_letters(huge),
            lambda: mgr.redeliver_dead_letters(huge),
            lambda: store.stale_agents(huge),
        ):
            with pytest.raises(agor.InvalidInputError):
                call()


def test_open_timeouts_out_of_any_float_range_are_invalid_input(db_path) -> None:
    for field in ("busy_timeout", "stale_after"):
        for bad in (10**400, -1, float("nan"), float("inf"), "ten"):
            with pytest.raises(agor.InvalidInputError, match=field):
                agor.open(db_path, **{field: bad})
    with agor.open(db_path, busy_timeout=0, stale_after=2**40) as store:
        assert store.stale_after == float(2**40)
    # An agent registers itself through its actor with the same integer rule.
    with agor.open(db_path) as store:
        store.register_agent("dev-9", "Dev", "project", "core")
        with pytest.raises(agor.InvalidInputError):
            store.as_agent("dev-9").register_agent("dev-9", "Dev", "project", "core", tier=2**70)
