"""Methods derived from the catalogue (`agor._derived`): an operation with no hand-written
method still reaches Store and Actor, with its arguments by position or name and the rules of
`call`."""

from __future__ import annotations

import collections
import inspect
from pathlib import Path

import pytest

import agor
from agor import _derived

OPS = {op["name"]: op for op in agor.operations()}


def test_every_operation_is_a_method_of_its_callers_and_none_shadows_a_typed_one() -> None:
    for op in agor.operations():
        for cls in _derived.HOMES[op["caller"]]:
            assert callable(getattr(cls, op["name"], None)), f"{cls.__name__}.{op['name']}"
    for cls in (agor.Store, agor.Actor):
        for op in _derived.derived(cls):
            # A derived method never replaces a method the extension defines.
            assert getattr(cls, op["name"]).__module__ == "agor._derived"


def test_a_derived_method_takes_arguments_by_position_or_name(store: agor.Store) -> None:
    send = _derived.method(OPS["send"])
    mgr = store.as_agent("mgr-1")
    sent = send(mgr, "dev-1", "by position")
    # A record, as the typed methods answer; `call` answers with its plain data.
    assert isinstance(sent, agor.Message) and sent.content == "by position"
    assert send(mgr, content="by name", to="dev-1").to_agent == "dev-1"
    inbox = _derived.method(OPS["inbox"])
    # None leaves an optional argument out: the operation's default applies.
    got = inbox(store.as_agent("dev-1"), all=True, limit=None)
    assert sorted(m.content for m in got) == ["by name", "by position"]
    assert [m.to_dict() for m in got] == mgr.store.as_agent("dev-1").call({"op": "inbox", "all": True})
    with pytest.raises(TypeError, match="unexpected keyword argument 'body'"):
        send(mgr, to="dev-1", body="x")
    with pytest.raises(TypeError, match="multiple values"):
        send(mgr, "dev-1", to="dev-2", content="x")
    # A required argument left out is Python's TypeError, before any call is made.
    with pytest.raises(TypeError, match=r"send\(\) missing 1 required positional argument: 'content'"):
        send(mgr, "dev-1")
    with pytest.raises(TypeError, match="missing 2 required positional arguments: 'to' and 'content'"):
        send(mgr)
    with pytest.raises(TypeError, match="missing 1 required argument: 'to'"):
        send(mgr, None, "x")
    # A value of a type its field does not take is Python's TypeError too, as the typed
    # methods raise it; its value (an unknown importance) is the core's to judge.
    with pytest.raises(TypeError, match="argument 'content' must be str, not int"):
        send(mgr, "dev-1", 5)
    with pytest.raises(TypeError, match="argument 'ack_required' must be bool, not int"):
        send(mgr, "dev-1", "x", ack_required=1)
    with pytest.raises(TypeError, match="argument 'deadline_secs' must be int or None, not float"):
        send(mgr, "dev-1", "x", deadline_secs=1.5)
    with pytest.raises(TypeError, match="argument 'importance' must be str, not int"):
        send(mgr, "dev-1", "x", importance=3)
    with pytest.raises(agor.InvalidInputError):
        send(mgr, "dev-1", "x", importance="whenever")
    create = _derived.method(OPS["create_task"])
    with pytest.raises(TypeError, match="argument 'tags' must be list of str, not str"):
        create(mgr, "x", tags="core")
    with pytest.raises(TypeError, match="argument 'tags' must be list of str, not list"):
        create(mgr, "x", tags=["core", 5])
    assert create(mgr, "x", tags=("core",), priority="high").tags == ["core"]
    # What the typed methods took: any sequence of str, any integral number (a numpy int).
    assert create(mgr, "y", tags=collections.UserList(["core"])).tags == ["core"]

    class Index:
        def __index__(self) -> int:
            return 3

    assert create(mgr, "z", max_attempts=Index()).max_attempts == 3
    # An int too wide for its field: InvalidInputError naming it, never OverflowError.
    for wide in (2**63, 2**64, 10**400):
        with pytest.raises(agor.InvalidInputError) as e:
            create(mgr, "w", max_attempts=wide)
        assert e.value.field == "max_attempts" and "out of range" in str(e.value)
    # A count says it as the core says every count, under the name the core gives it.
    for wide, field in ((10**30, "deadline"), (2**63, "deadline")):
        with pytest.raises(agor.InvalidInputError, match="between 1 and 2592000, not ") as e:
            mgr.send("dev-1", "x", ack_required=True, deadline_secs=wide)
        assert e.value.field == field and str(wide) in str(e.value)
    with pytest.raises(agor.InvalidInputError, match="between 1 and 2592000, not 0") as e:
        mgr.send("dev-1", "x", ack_required=True, deadline_secs=0)
    assert e.value.field == "deadline"
    # A wrong word names the argument it was given for, as the core's request says it.
    with pytest.raises(agor.InvalidInputError, match="unknown priority 'urgent'") as e:
        create(mgr, "p", priority="urgent")
    assert e.value.field == "priority"
    # Nested in a request, the same error, naming the request.
    with pytest.raises(agor.InvalidInputError, match="out of range"):
        mgr._call_typed({"op": "create_tasks", "tasks": [{"title": "v", "max_attempts": 10**400}]})
    # to, content, and (issue 22) importance, ack_required, deadline_secs.
    with pytest.raises(TypeError, match=r"takes from 3 to 6 positional arguments but 7 were given"):
        send(mgr, "dev-1", "x", "high", True, 60, "y")
    # A keyword field takes a trailing underscore.
    allow = _derived.method(OPS["allow"])
    allow(store, from_="dev-1", to="mgr-1")


def test_a_derived_method_has_a_signature_and_its_stub_names_its_records() -> None:
    assert str(inspect.signature(agor.Actor.reply)) == "(self, message_id, content)"
    assert str(inspect.signature(agor.Actor.reservations)) == "(self, agent_id=None, path=None)"
    stub = Path(agor.__file__).with_name("_agor.pyi").read_text()
    # An operation answering with one record is typed as its class, as at run time.
    assert "    def whoami(self) -> Agent:" in stub
    assert "    def get_agent(self, id: str) -> Agent:" in stub
    assert "    def list_agents(self, group: str | None = None) -> list[Agent]:" in stub


def test_a_derived_method_keeps_the_rules_of_call(store: agor.Store) -> None:
    register = _derived.method(OPS["register_agent"])
    with pytest.raises(agor.PermissionDeniedError):
        register(store.as_agent("dev-1"), "boss-2", "B", "admin", "core")
    send = _derived.method(OPS["send"])
    # The operator has no agent identity to send with; another group's agent is unseen.
    with pytest.raises(agor.PermissionDeniedError):
        send(store, "dev-1", "x")
    store.register_agent("ext-1", "Outsider", "project", "other")
    with pytest.raises(agor.NotFoundError):
        send(store.as_agent("ext-1"), "dev-1", "x")
    with pytest.raises(agor.InvalidInputError):
        send(store.as_agent("mgr-1"), "dev-1", "")


def test_task_history_reaches_python_with_no_python_written_for_it(store: agor.Store) -> None:
    """`task_history` was added to the core, the catalogue and the CLI only."""
    mgr, dev = store.as_agent("mgr-1"), store.as_agent("dev-1")
    task = mgr.create_task("traced")
    claim = dev.claim_task(task.id)
    dev.release_task(task.id, claim.token)
    moves = dev.task_history(task.id[:8])
    assert [(m["from"], m["to"], m["actor"]) for m in moves] == [
        (None, "todo", "mgr-1"),
        ("todo", "in_progress", "dev-1"),
        ("in_progress", "todo", "dev-1"),
    ]
    assert [m["to"] for m in store.task_history(task.id, limit=1)] == ["todo"]
    store.register_agent("ext-1", "Outsider", "project", "other")
    with pytest.raises(agor.NotFoundError):
        store.as_agent("ext-1").task_history(task.id)
    with pytest.raises(agor.InvalidInputError):
        dev.task_history(task.id, limit=0)


def test_one_operation_read_alone_is_its_entry_of_the_catalogue() -> None:
    # A derived method is made from its own operation (`_agor._operation`), not from the whole
    # catalogue, whose 137 schemas would cost a script more than its calls.
    for name in ("send", "complete_task", "list_tasks", "heartbeat"):
        assert agor._agor._operation(name) == OPS[name], name
    assert agor._agor._operation("no_such_operation") is None
