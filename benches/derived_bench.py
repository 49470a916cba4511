#!/usr/bin/env python3
"""What a method derived from the catalogue costs per call, against the least a typed call can
cost (issue 20: the agent loop's hot calls are derived too).

For each of the agent loop's calls, in one run on one database: the floor,
``Actor._call_typed`` with a request built beforehand (what every derived method ends in: the
request read from the Python objects, deserialized, dispatched, the typed answer converted to
records); the method ``agor`` gives ``Actor`` for it, derived from the catalogue; and
``Actor.call`` (a JSON request and a JSON answer, decoded to plain data). Each is the median
time per call over ``--repeat`` interleaved runs of ``--calls`` calls, with the ratio method /
floor. Timings are printed, never asserted.

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


def per_call(fns: dict[str, Callable[[], Any]], calls: int, repeat: int) -> dict[str, float]:
    """For each of `fns`, the median over `repeat` runs of its time per call in microseconds.
    The runs interleave (one of each, `repeat` times), so a drift of the machine or of the
    database (a WAL checkpoint under `heartbeat`) falls on every variant alike."""
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            runs[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: statistics.median(times) for name, times in runs.items()}


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
        # (operation, its arguments by name): the agent loop's calls, each doing the same work
        # every time (`heartbeat` rewrites one row).
        cases: list[tuple[str, dict[str, Any]]] = [
            ("unread_count", {}),
            ("peek", {}),
            ("inbox", {"all": True, "limit": 10}),
            ("get_task", {"task_id": task.id}),
            ("list_tasks", {}),
            ("heartbeat", {}),
        ]
        print(f"agor {agor.__version__}: {calls} calls x {repeat} interleaved runs, "
              "median per call (us)\n")
        print("| operation | floor (`_call_typed`) | derived method | call (JSON) | "
              "method / floor |")
        print("|---|---:|---:|---:|---:|")
        for name, kwargs in cases:
            method = getattr(dev, name)
            assert _derived._is_derived(_derived._defined(type(dev), name)), f"{name}: hand-written"
            request = {"op": name, **kwargs}
            assert method(**kwargs) == dev._call_typed(request), f"{name}: the answers differ"
            t = per_call({"floor": lambda: dev._call_typed(request),
                          "method": lambda: method(**kwargs),
                          "call": lambda: dev.call(request)}, calls, repeat)
            print(f"| {name} | {t['floor']:.1f} | {t['method']:.1f} | {t['call']:.1f} | "
                  f"{t['method'] / t['floor']:.2f}x |")
        store.close()


if __name__ == "__main__":
    main()
