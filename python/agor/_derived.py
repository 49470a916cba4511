"""Methods of ``agor.Store`` and ``agor.Actor`` derived from the catalogue: every operation
the extension has no hand-written method for gets one when ``agor`` is imported, so a new
operation of the core reaches Python with no Python written for it.

A derived method takes the operation's request fields as arguments, positionally in the
order `ordered` gives or by name (a field named by a Python keyword takes a trailing
underscore: ``from_``); leaving one out takes its default. It runs the request as ``call``
does, as the store's operator or as the actor, and answers as the hand-written methods do:
records (``Task``, ``Message``, ``Claim`` …) where Python has a class for them, plain dicts
and lists (as ``call`` gives) for the rest. Its types are in ``_agor.pyi``, in the block
between the ``derived from the catalogue`` markers that ``agor._stubs`` writes.
"""

from __future__ import annotations

import functools
import keyword
from typing import Any, Callable

from agor import _agor

HOMES: dict[str, tuple[type, ...]] = {
    "agent": (_agor.Actor,),
    "operator": (_agor.Store,),
    "either": (_agor.Actor, _agor.Store),
}
"""Which class carries the operations of each kind of caller."""


def parameter(field: str) -> str:
    """The Python name of a request field."""
    return f"{field}_" if keyword.iskeyword(field) else field


def field(argument: str) -> str:
    """The request field of an argument named in Python ([`parameter`] undone)."""
    bare = argument[:-1]
    return bare if argument.endswith("_") and keyword.iskeyword(bare) else argument


def request(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The catalogue request of a call with `arguments` by their Python names (sync and
    async alike). None means "not given", as in the typed methods: the operation's default
    applies."""
    return {"op": name, **{field(k): v for k, v in arguments.items() if v is not None}}


def ordered(op: dict) -> list[tuple[str, bool]]:
    """The request fields in the order a derived method takes them positionally, each with
    whether it is required: the required ones, then the optional ones, each in the
    catalogue's declaration order (Python puts parameters with defaults last)."""
    required = set(op["request"].get("required", []))
    fields = list(op["fields"])
    return [(f, True) for f in fields if f in required] + [
        (f, False) for f in fields if f not in required
    ]


def check_required(op: dict, given: dict[str, Any]) -> None:
    """Raises TypeError, as Python does for a function, when `given` (arguments by their
    Python names) leaves out a required field of `op`'s request."""
    missing = [parameter(f) for f, required in ordered(op) if required and parameter(f) not in given]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        s = "" if len(missing) == 1 else "s"
        raise TypeError(f"{op['name']}() missing {len(missing)} required argument{s}: {names}")


def method(op: dict) -> Callable[..., Any]:
    """A method running operation `op` as ``self.call`` does (see the module's doc)."""
    name = op["name"]
    params = [parameter(f) for f, _ in ordered(op)]

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) > len(params):
            raise TypeError(f"{name}() takes at most {len(params)} arguments ({len(args)} given)")
        given = dict(zip(params, args))
        for key, value in kwargs.items():
            if key not in params:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
            if key in given:
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            given[key] = value
        check_required(op, given)
        return self._call_typed(request(name, given))

    run.__name__ = run.__qualname__ = name
    run.__doc__ = op["doc"]
    return run


@functools.cache
def catalogue() -> dict[str, dict]:
    """The catalogue by operation name, read once (its schemas are built on first use)."""
    return {op["name"]: op for op in _agor.operations()}


def derived(cls: type) -> list[dict]:
    """The catalogue's operations that `cls` gets from here, in catalogue order."""
    return [
        op
        for op in catalogue().values()
        if cls in HOMES[op["caller"]]
        and (_defined(cls, op["name"]) is None or _is_derived(_defined(cls, op["name"])))
    ]


def _defined(cls: type, name: str) -> Any:
    """`cls`'s own attribute `name`, or its extension base's (the methods Store and Actor
    share are defined once on their base class); None if neither has it."""
    return next((vars(k)[name] for k in cls.__mro__[:-1] if name in vars(k)), None)


def _is_derived(attribute: Any) -> bool:
    """Whether a class attribute is a method of this module (made yet or not)."""
    return isinstance(attribute, _Derived) or getattr(attribute, "__module__", None) == __name__


class _Derived:
    """A derived method, made when first looked up: importing agor reads only the names of
    the operations and who calls them, not the catalogue's schemas."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__doc__ = f"The catalogue operation `{name}` (see agor.operations())."

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        made = method(catalogue()[self.name])
        if owner is not None:
            # Made once: the class holds the method itself from now on.
            setattr(owner, self.name, made)
        return made if instance is None else made.__get__(instance, owner)


def install() -> None:
    """Gives Store and Actor every operation they do not define themselves."""
    for name, caller in _agor._operation_callers():
        for cls in HOMES[caller]:
            if _defined(cls, name) is None:
                setattr(cls, name, _Derived(name))
