"""The committed stubs are what `agor._stubs` generates from the catalogue: `aio.pyi`, which
declares what `agor.aio` has, and the derived blocks of `_agor.pyi` (the sync methods of
`agor._derived`, and the record classes from the core records they wrap). A stale stub fails
here; `AGOR_BLESS=1 python -m pytest tests/python/test_stubs.py` rewrites it (commit the
result)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import agor
from agor import _stubs, aio

STUB = Path(__file__).resolve().parents[2] / "python" / "agor" / "aio.pyi"
SYNC_STUB = STUB.with_name("_agor.pyi")


def test_the_committed_stub_is_generated_from_the_catalogue() -> None:
    fresh = _stubs.render()
    if os.environ.get("AGOR_BLESS") == "1":
        STUB.write_text(fresh)
    assert STUB.read_text() == fresh, (
        "python/agor/aio.pyi is stale: run "
        "`AGOR_BLESS=1 python -m pytest tests/python/test_stubs.py` and commit it"
    )


def test_the_derived_blocks_of_the_sync_stub_are_generated() -> None:
    committed = SYNC_STUB.read_text()
    fresh = _stubs.render_sync(committed)
    if os.environ.get("AGOR_BLESS") == "1":
        SYNC_STUB.write_text(fresh)
    assert SYNC_STUB.read_text() == fresh, (
        "a derived block of python/agor/_agor.pyi is stale: run "
        "`AGOR_BLESS=1 python -m pytest tests/python/test_stubs.py` and commit it"
    )


def stub_members() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def members(node: ast.ClassDef) -> set[str]:
        """What the stub declares in the class or a base it declares (`_Handle`)."""
        found = {
            n.name
            for n in node.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")
        }
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                found |= members(classes[base.id])
        return found

    return {name: members(classes[name]) for name in ("AsyncStore", "AsyncActor")}


def test_the_stub_declares_what_the_classes_have() -> None:
    for name, declared in stub_members().items():
        cls = getattr(aio, name)
        runtime = {n for n in dir(cls) if not n.startswith("_")}
        assert declared == runtime, (
            f"{name}: only in the stub {sorted(declared - runtime)}, "
            f"only at run time {sorted(runtime - declared)}"
        )


def test_the_stub_types_each_operation_from_its_schemas() -> None:
    """Spot checks that the generator reads the schemas: required fields have no default,
    optional ones default to None, and responses name their records."""
    tree = ast.parse(STUB.read_text())
    methods = {
        (cls.name, f.name): f
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for f in cls.body
        if isinstance(f, ast.AsyncFunctionDef)
    }
    send = methods[("AsyncActor", "send")]
    # Required first, without a default; then the optional ones (issue 22's asks), None.
    names = [a.arg for a in send.args.kwonlyargs]
    assert names[:2] == ["content", "to"] and send.args.kw_defaults[:2] == [None, None]
    assert names[2:] == ["ack_required", "deadline_secs", "importance"]
    assert all(isinstance(d, ast.Constant) and d.value is None for d in send.args.kw_defaults[2:])
    assert ast.unparse(send.returns) == "MessageDict"
    claim = methods[("AsyncActor", "claim_task")]
    assert all(isinstance(d, ast.Constant) and d.value is None for d in claim.args.kw_defaults)
    assert ast.unparse(claim.returns) == "ClaimDict | None"
    ops = {op["name"] for op in agor.operations()}
    assert {name for _, name in methods if name in ops} == ops
