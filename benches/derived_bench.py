#!/usr/bin/env python3
"""What a method derived from the catalogue costs per call, against the least a typed call can
cost (issue 20: the agent loop's hot calls are derived too).

For each operation, in one run on one database: the floor, ``Actor._call_typed`` with a request
built beforehand (what every derived method ends in: the request read from the Python objects,
deserialized, dispatched, the typed answer converted to records); the method ``agor`` gives
``Actor`` for it (derived, or for ``inbox`` still written in the extension, then with its derived
twin from ``agor._derived.method`` beside it); and ``Actor.call`` (a JSON request and a JSON
answer, decoded to plain data). Each is the median time per call over ``--repeat`` runs of
``--calls`` calls, with the ratio method / floor. Timings are printed, never asserted.

Reproduce (the release build of the extension, in a venv of its own)::

    python3 -m venv target/venv-release
    target/venv-release/bin/pip install maturin
    VIRTUAL_ENV=$PWD/target/venv-release target/venv-release/bin/maturin develop --release
    target/venv-release/bin/python benches/derived_bench.py           # --calls 2000 --repeat 5
    target/venv-release/bin/python benches/derived_bench.py --quick   # smoke run
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any, Callable

import agor
from agor import _derived


def per_call(fn: Callable[[], Any], calls: int, repeat: int) -> float:
    """The median over `repeat` runs of the time per call of `fn`, in microseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 50 calls, 1 run")
    args = parser.parse_args()
    calls, repeat = (50, 1) if args.quick else (args.calls, args.repeat)

    with tempfile.TemporaryDirectory() as tmp:
        store = agor.open(os.path.join(tmp, "bench.db"))
        store.register_agent("mgr", "Manager", "manager", "team")
        store.register_agent("dev", "Developer", "project", "team")
        store.allow("mgr", "dev", bidirectional=True)
        mgr, dev = store.as_agent("mgr"), store.as_agent("dev")
        task = mgr.create_task("the task to read", tags=["core"])
        for i in range(20):
            mgr.create_task(f"task {i}")
            mgr.send("dev", f"message {i}")
        ops = _derived.catalogue()
        # (operation, its arguments by name): read-only, so every call does the same work.
        cases: list[tuple[str, dict[str, Any]]] = [
            ("unread_count", {}),
            ("peek", {}),
            ("inbox", {"all": True, "limit": 10}),
            ("get_task", {"task_id": task.id}),
            ("list_tasks", {}),
            ("heartbeat", {}),
        ]
        print(f"agor {agor.__version__}: {calls} calls x {repeat} runs, median per call (us)\n")
        print("| operation | method | floor (`_call_typed`) | method | derived twin | "
              "call (JSON) | method / floor |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for name, kwargs in cases:
            method = getattr(dev, name)
            derived = _derived._is_derived(_derived._defined(type(dev), name))
            twin = _derived.method(ops[name])
            request = {"op": name, **kwargs}
            assert twin(dev, **kwargs) == method(**kwargs), f"{name}: the answers differ"
            t_floor = per_call(lambda: dev._call_typed(request), calls, repeat)
            t_method = per_call(lambda: method(**kwargs), calls, repeat)
            t_twin = per_call(lambda: twin(dev, **kwargs), calls, repeat) if not derived else None
            t_call = per_call(lambda: dev.call(request), calls, repeat)
            twin_cell = f"{t_twin:.1f}" if t_twin is not None else "(is the method)"
            print(f"| {name} | {'derived' if derived else 'hand-written'} | {t_floor:.1f} | "
                  f"{t_method:.1f} | {twin_cell} | {t_call:.1f} | {t_method / t_floor:.2f}x |")
        store.close()


if __name__ == "__main__":
    main()
