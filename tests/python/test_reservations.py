"""File reservations (SPEC §9) on both engines: exclusive and shared leases on path globs, all
or none, conflicts naming the holder, renew, release, lapse, per-group visibility, bad input,
and two processes racing for overlapping paths."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

import agor
from conftest import location


def test_exclusive_conflicts_name_the_holder_and_nothing_is_half_reserved(store: agor.Store) -> None:
    dev1, dev2 = store.as_agent("dev-1"), store.as_agent("dev-2")
    [mine] = dev1.reserve(["src/parser/*"], reason="rewriting the parser")
    assert (mine.agent_id, mine.pattern, mine.exclusive) == ("dev-1", "src/parser/*", True)
    assert mine.expires_at_ms > time.time() * 1000 + 3500 * 1000
    with pytest.raises(agor.AlreadyClaimedError) as e:
        dev2.reserve(["docs/readme.md", "src/parser/lexer.rs"])
    text = str(e.value)
    assert "src/parser/lexer.rs" in text and "dev-1" in text and "src/parser/*" in text
    assert "rewriting the parser" in text
    # All or none: docs/readme.md was not reserved either.
    assert dev2.reservations(agent_id="dev-2") == []
    # Shared does not mix with exclusive either way.
    with pytest.raises(agor.AlreadyClaimedError):
        dev2.reserve(["src/parser/lexer.rs"], shared=True)
    # Non-overlapping paths are fine.
    assert len(dev2.reserve(["src/cli/*", "docs/readme.md"])) == 2


def test_shared_reservations_share(store: agor.Store) -> None:
    dev1, dev2, arch = (store.as_agent(a) for a in ("dev-1", "dev-2", "arch-1"))
    dev1.reserve(["Cargo.lock"], shared=True)
    dev2.reserve(["Cargo.lock"], shared=True)
    with pytest.raises(agor.AlreadyClaimedError, match="Cargo.lock"):
        arch.reserve(["Cargo.*"])
    listed = dev1.reservations(path="Cargo.lock")
    assert sorted(r.agent_id for r in listed) == ["dev-1", "dev-2"]


def test_renew_release_and_reserving_again(store: agor.Store) -> None:
    dev1, dev2 = store.as_agent("dev-1"), store.as_agent("dev-2")
    [r] = dev1.reserve(["a.txt"], ttl=60)
    [again] = dev1.reserve(["a.txt"], ttl=120, reason="still at it")
    assert again.id == r.id and again.expires_at_ms > r.expires_at_ms and again.reason == "still at it"
    [renewed] = dev1.renew_reservations(ttl=3000)
    assert renewed.expires_at_ms > again.expires_at_ms
    # Nobody releases or renews another's reservation.
    with pytest.raises(agor.NotFoundError):
        dev2.release_reservations([r.id])
    with pytest.raises(agor.NotFoundError):
        dev2.renew_reservations([r.id])
    assert dev1.release_reservations([r.id]) == 1
    assert dev1.release_reservations() == 0
    assert len(dev2.reserve(["a.txt"])) == 1


def test_reservations_lapse(store: agor.Store) -> None:
    store.as_agent("dev-1").reserve(["lapsing.txt"], ttl=1)
    with pytest.raises(agor.AlreadyClaimedError):
        store.as_agent("dev-2").reserve(["lapsing.txt"])
    time.sleep(1.2)
    assert store.as_agent("dev-1").reservations() == []
    assert len(store.as_agent("dev-2").reserve(["lapsing.txt"])) == 1


def test_groups_are_a_boundary(store: agor.Store) -> None:
    store.as_agent("dev-1").reserve(["src/*"])
    ops = store.as_agent("ops-1")
    assert ops.reservations() == []
    assert len(ops.reserve(["src/main.rs"])) == 1  # another group's repository
    assert len(store.as_agent("boss").reservations()) == 2  # tier 0 sees every group


@pytest.mark.parametrize(
    "paths, kw, problem",
    [
        ([], {}, "at least one path"),
        (["  "], {}, "paths"),
        (["a\nb"], {}, "control character"),
        (["x" * 2000], {}, "paths"),
        (["ok"], {"ttl": 0}, "lease"),
        (["ok"], {"ttl": 86401}, "lease"),
    ],
)
def test_bad_input(store: agor.Store, paths: list, kw: dict, problem: str) -> None:
    with pytest.raises(agor.InvalidInputError, match=problem):
        store.as_agent("dev-1").reserve(paths, **kw)


def test_unregistered_agents_and_the_catalogue(store: agor.Store) -> None:
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ghost").reserve(["x"])
    with pytest.raises(agor.PermissionDeniedError):
        store.call({"op": "reserve", "paths": ["x"]})  # the operator has no identity to hold it
    res = store.as_agent("dev-1").call({"op": "reserve", "paths": ["y"], "shared": True})
    assert res[0]["exclusive"] is False


RACER = textwrap.dedent(
    """
    import sys, agor
    db, me, path = sys.argv[1], sys.argv[2], sys.argv[3]
    actor = agor.open(db).as_agent(me)
    print("ready", flush=True)
    sys.stdin.read()  # the start line: every racer blocks here until the parent closes the pipe
    try:
        actor.reserve([path])
        print("won")
    except agor.AlreadyClaimedError:
        print("lost")
    """
)


def test_two_processes_reserving_overlapping_paths_one_wins(store: agor.Store) -> None:
    db = location(store)
    for round_ in range(5):
        # One pipe for all racers: each reads it as stdin once it is ready; closing the write
        # end releases them at the same instant, however slowly each one started.
        start_r, start_w = os.pipe()
        try:
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", RACER, db, agent, path],
                    stdin=start_r, stdout=subprocess.PIPE, text=True,
                )
                for agent, path in (("dev-1", f"r{round_}/*"), ("dev-2", f"r{round_}/x.rs"))
            ]
        finally:
            os.close(start_r)
        try:
            for p in procs:
                assert p.stdout.readline().strip() == "ready"
        finally:
            os.close(start_w)
        results = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
        assert results == ["lost", "won"], results
