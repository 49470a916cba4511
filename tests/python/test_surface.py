"""The Python surface against the catalogue and against its own stub: a test here fails when
an operation of the core is missing from Python, or when ``_agor.pyi`` and the native module
disagree about a name."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import agor
from agor import _agor

STUB = Path(agor.__file__).with_name("_agor.pyi")


def stub_names() -> dict[str, set[str]]:
    """Module-level names (key "") and each class's public members (with those it inherits
    from stub-only bases such as ``_Record``), as the stub declares them."""
    tree = ast.parse(STUB.read_text())
    module: set[str] = set()
    own: dict[str, set[str]] = {}
    bases: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            own[node.name] = {
                n.name for n in node.body if isinstance(n, ast.FunctionDef)
            } | {
                n.target.id
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
            own[node.name] = {n for n in own[node.name] if not n.startswith("_")}
            bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
            module.add(node.name)
        elif isinstance(node, ast.FunctionDef):
            module.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            module.add(node.target.id)
        elif isinstance(node, ast.Assign):
            module.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def members(cls: str) -> set[str]:
        return own[cls].union(*(members(b) for b in bases[cls] if b in own))

    names = {cls: members(cls) for cls in own if not cls.startswith("_")}
    names[""] = {n for n in module if not n.startswith("_") or n == "__version__"}
    return names


def runtime_members(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_every_catalogue_operation_has_a_typed_python_method() -> None:
    missing = []
    for op in agor.operations():
        homes = {"agent": [agor.Actor], "operator": [agor.Store], "either": [agor.Actor, agor.Store]}
        for cls in homes[op["caller"]]:
            if not callable(getattr(cls, op["name"], None)):
                missing.append(f"{cls.__name__}.{op['name']}")
    assert not missing, f"catalogue operations missing from Python: {missing}"


def test_the_stub_and_the_module_agree() -> None:
    stub = stub_names()
    aliases = {"StrPath", "TaskStatus", "Priority", "ChangeKind"}  # typing aliases exist only in the stub
    module = {n for n in dir(_agor) if not n.startswith("_") or n == "__version__"}
    assert stub[""] - aliases == module, (
        f"only in the stub: {sorted(stub[''] - aliases - module)}; "
        f"only in the module: {sorted(module - stub[''])}"
    )
    for name, members in stub.items():
        if not name:
            continue
        runtime = runtime_members(getattr(_agor, name))
        assert members == runtime, (
            f"{name}: only in the stub {sorted(members - runtime)}, "
            f"only in the module {sorted(runtime - members)}"
        )


def test_call_runs_any_operation_with_the_same_rules(store: agor.Store) -> None:
    mgr = store.as_agent("mgr-1")
    sent = mgr.call({"op": "send", "to": "dev-1", "content": "via the catalogue"})
    assert sent["to_agent"] == "dev-1"
    assert store.as_agent("dev-1").call('{"op": "unread_count"}') == 1
    task = mgr.call({"op": "create_task", "title": "generic", "priority": "high"})
    claim = store.as_agent("dev-1").call({"op": "claim_task", "task_id": task["id"]})
    assert claim["task"]["status"] == "in_progress"
    assert store.call({"op": "audit_log", "limit": 1})[0]["event_type"] == "task_claimed"
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("dev-1").call({"op": "register_agent", "id": "dev-1", "name": "x", "role": "admin", "group": "core"})
    with pytest.raises(agor.PermissionDeniedError):
        store.call({"op": "send", "to": "dev-1", "content": "the operator has no inbox"})
    with pytest.raises(agor.InvalidInputError, match="unknown operation 'fly'"):
        mgr.call({"op": "fly"})
    with pytest.raises(agor.InvalidInputError, match="content"):
        mgr.call({"op": "send", "to": "dev-1"})


def test_operations_lists_schemas() -> None:
    ops = {o["name"]: o for o in agor.operations()}
    assert ops["send"]["caller"] == "agent" and ops["send"]["action"] == "send_message"
    assert ops["register_agent"]["caller"] == "either"
    assert set(ops["send"]["request"]["required"]) == {"to", "content"}
    assert all(o["doc"] for o in ops.values())
    assert inspect.isroutine(agor.operations)


def test_python_records_have_exactly_the_core_records_fields() -> None:
    """Record fields are declared once, in the core: every record type a catalogue response
    names must have a Python class with exactly its fields (as read-only attributes)."""
    fields: dict[str, set[str]] = {}

    def collect(schema: dict) -> None:
        if schema.get("type") == "object" and "properties" in schema and "title" in schema:
            fields[schema["title"]] = set(schema["properties"])
        for name, sub in schema.get("$defs", {}).items():
            if "properties" in sub:
                fields[name] = set(sub["properties"])

    for op in agor.operations():
        collect(op["response"])
    # Typed and derived methods alike answer with these classes; a record without one
    # (a board column, a status move) is a plain dict (agor._derived).
    classes = {name for name in fields if isinstance(getattr(agor, name, None), type)}
    assert {"Agent", "Message", "Task", "TaskDetail", "Claim", "Channel", "Delivery"} <= classes
    for name, expected in fields.items():
        cls = getattr(agor, name, None)
        if name not in classes:
            continue
        attributes = {
            n for n in dir(cls) if not n.startswith("_") and not callable(getattr(cls, n))
        }
        assert attributes == expected, (
            f"{name}: only in Python {sorted(attributes - expected)}, "
            f"only in the core {sorted(expected - attributes)}"
        )
