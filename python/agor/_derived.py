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

import keyword

from agor import _agor
from agor.errors import InvalidInputError

# Annotations only. `typing`, `functools` and `collections` are not imported at run time:
# together they would cost more than the rest of `import agor` (benches/INSTRUCTIONS.md).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

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


PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (),  # whatever has `__index__` (see `fits`)
    "number": (),  # whatever has `__float__` or `__index__` (see `fits`)
    "boolean": (bool,),
    "array": (),  # any sequence but a str or bytes (see `fits`)
    "object": (dict,),
    "null": (type(None),),
}
"""The Python types of each JSON type a request field may have: any sequence but a str for a
list; numbers are judged by what they convert to (see `fits`)."""

I64 = range(-(2**63), 2**63)
"""The integers a request's integer field holds."""

PYTHON_NAMES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool",
                "array": "list", "object": "dict", "null": "None"}


def json_types(schema: dict, defs: dict) -> list[str]:
    """The JSON types `schema` allows (an enumeration's are its values' type); [] for any."""
    if "$ref" in schema:
        return json_types(defs.get(schema["$ref"].rsplit("/", 1)[1], {}), defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [json_types(s, defs) for s in schema[key]]
            return [] if [] in parts else [t for p in parts for t in p]
    types = schema.get("type", [])
    return [types] if isinstance(types, str) else list(types)


class Field:
    """What `check_arguments` knows of one request field, worked out once per operation."""

    __slots__ = ("types", "items", "wanted", "bounds", "count")

    def __init__(self, types: list[str], items: Field | None, wanted: str,
                 bounds: tuple[int, int] | None = None, count: str | None = None) -> None:
        self.types = types
        """The JSON types it allows (`json_types`); [] for any."""
        self.items = items
        """Its items', for a list that says."""
        self.wanted = wanted
        """The Python types it takes, for an error: `str`, `int or None`, `list of str`."""
        self.bounds = bounds
        """The least and greatest value of a count (its schema's `minimum` and `maximum`)."""
        self.count = count
        """The name the core's errors give a count whose field is named otherwise (its
        schema's `x-count`: `deadline` for `deadline_secs`)."""


def field_of(schema: dict, defs: dict) -> Field:
    """The `Field` of a request field's schema."""
    types = json_types(schema, defs)
    items = field_of(schema["items"], defs) if "array" in types and "items" in schema else None
    names = [f"list of {items.wanted}" if t == "array" and items else PYTHON_NAMES.get(t, t)
             for t in types]
    bounds = (schema["minimum"], schema["maximum"]) if {"minimum", "maximum"} <= schema.keys() \
        else None
    return Field(types, items, " or ".join(names) or "anything", bounds, schema.get("x-count"))


def fits(value: Any, f: Field) -> bool:
    """Whether `value` has a Python type the field allows (a bool is no number); the value
    itself (an unknown status, a limit out of range) is the core's to judge."""
    for t in f.types:
        if t in ("integer", "number") and isinstance(value, bool):
            continue
        if t == "array" and not _is_sequence(value):
            continue
        # An integer is whatever `operator.index` takes, as for pyo3's own `int` arguments, and
        # a number whatever `float` takes but a str (no `numbers` import: agor imports fast).
        kind = type(value)
        integral = t == "integer" and hasattr(kind, "__index__")
        real = t == "number" and (hasattr(kind, "__float__") or hasattr(kind, "__index__"))
        if integral or real or t == "array" or isinstance(value, PYTHON_TYPES.get(t, ())):
            return t != "array" or f.items is None or all(fits(v, f.items) for v in value)
    return not f.types


def _is_sequence(value: Any) -> bool:
    """Whether `value` is a sequence but a str or bytes: what a list field takes."""
    if isinstance(value, (list, tuple)):
        return True
    from collections.abc import Sequence  # rarely reached: imported then, not with agor

    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


_SHAPES: dict[str, tuple[list[str], dict[str, Field]]] = {}


def _shape(name: str) -> tuple[list[str], dict[str, Field]]:
    """What `check_arguments` reads of an operation, worked out once: its required
    parameters, and each parameter's `Field`."""
    if name in _SHAPES:
        return _SHAPES[name]
    op = operation(name)
    req = op["request"]
    defs = req.get("$defs", {})
    required = [parameter(f) for f, is_required in ordered(op) if is_required]
    fields = {parameter(f): field_of(s, defs) for f, s in req.get("properties", {}).items()}
    _SHAPES[name] = (required, fields)
    return required, fields


def check_arguments(op: dict, given: dict[str, Any]) -> None:
    """Raises TypeError, as Python does for a function, when `given` (arguments by their
    Python names) leaves out a required field of `op`'s request (or gives None for it), or
    gives a value of a type its field does not take (see `check_value`). So a derived method
    refuses what the hand-written ones refuse, the same way. An argument the request has no
    field for is left to the core to refuse."""
    required, fields = _shape(op["name"])
    missing(op["name"], {p: given.get(p) for p in required})
    for key, value in given.items():
        f = fields.get(key)
        if value is not None and f is not None:
            check_value(op["name"], key, value, f)


def missing(name: str, required: dict[str, Any]) -> None:
    """Raises Python's TypeError for the required arguments given as None (`required`: each
    required argument by its Python name)."""
    left_out = [p for p, v in required.items() if v is None]
    if left_out:
        names = ", ".join(repr(m) for m in left_out)
        s = "" if len(left_out) == 1 else "s"
        raise TypeError(f"{name}() missing {len(left_out)} required argument{s}: {names}")


def check_value(name: str, key: str, value: Any, f: Field) -> None:
    """Raises TypeError when `value` (argument `key` of operation `name`) has a type its field
    `f` does not take (a str for a list, a float for an int), and InvalidInputError naming it
    for an int too wide for the core (as the typed methods say it: never OverflowError)."""
    if not fits(value, f):
        raise TypeError(f"{name}() argument {key!r} must be {f.wanted}, not {type(value).__name__}")
    if "integer" in f.types and hasattr(type(value), "__index__") \
            and not isinstance(value, bool) and value.__index__() not in I64:
        # A count (a limit) says it as the core says every count out of its bounds.
        reason = f"must be between {f.bounds[0]} and {f.bounds[1]}, not {value}" if f.bounds \
            else f"{value} is out of range"
        named = f.count or field(key)
        raise InvalidInputError(f"invalid {named}: {reason}", field=named, reason=reason)


FAST_CHECKS = {
    "string": "_type({p}) is str",
    "boolean": "_type({p}) is bool",
    "integer": f"_type({{p}}) is int and {I64.start} <= {{p}} < {I64.stop}",
}
"""For a field of one JSON type, a test that passes the usual values without a call (an exact
str, bool or int in range); any other value goes through `check_value`."""


def method(op: dict) -> Callable[..., Any]:
    """A method running operation `op` as ``self.call`` does (see the module's doc): a Python
    function written for the operation, as `collections.namedtuple` writes its classes, so it
    has a real signature (``self``, then the request's fields in `ordered`'s order, the
    optional ones defaulting to None), Python's own TypeError for a missing or unknown
    argument, and no more work per call than building the request."""
    name = op["name"]
    _, fields = _shape(name)
    order = [(parameter(f), f, required) for f, required in ordered(op)]
    signature = ", ".join(["self"] + [p if req else f"{p}=None" for p, _, req in order])
    lines = [f"def {name}({signature}):"]
    required = [p for p, _, req in order if req]
    if required:
        lines.append(f"    if {' or '.join(f'{p} is None' for p in required)}:")
        lines.append(f"        _missing({name!r}, {{{', '.join(f'{p!r}: {p}' for p in required)}}})")
    lines.append(f"    _request = {{'op': {name!r}}}")
    for p, f, req in order:
        indent = "    " if req else "        "
        if not req:
            lines.append(f"    if {p} is not None:")
        types = [t for t in fields[p].types if t != "null"]  # None never reaches here
        fast = FAST_CHECKS.get(types[0], "False") if len(types) == 1 else "False"
        lines.append(f"{indent}if not ({fast.format(p=p)}):")
        lines.append(f"{indent}    _check({name!r}, {p!r}, {p}, _fields[{p!r}])")
        lines.append(f"{indent}_request[{f!r}] = {p}")
    lines.append("    return self._call_typed(_request)")
    scope = {"__name__": __name__, "_type": type, "_missing": missing, "_check": check_value,
             "_fields": fields}
    exec("\n".join(lines), scope)  # the source is made above from field names alone
    run = scope[name]
    run.__qualname__ = name
    run.__doc__ = op["doc"]
    return run


_CATALOGUE: dict[str, dict] = {}
_OPERATIONS: dict[str, dict] = {}


def catalogue() -> dict[str, dict]:
    """The catalogue by operation name, read once (every operation's schemas: for the stubs and
    `agor.aio`; a derived method reads its own operation alone, see `operation`)."""
    if not _CATALOGUE:
        _CATALOGUE.update((op["name"], op) for op in _agor.operations())
    return _CATALOGUE


def operation(name: str) -> dict:
    """One operation as the catalogue gives it, read once, with only its own schemas built: a
    script that calls five derived methods does not pay for the 137 operations' schemas."""
    if name not in _OPERATIONS:
        _OPERATIONS[name] = _CATALOGUE.get(name) or _agor._operation(name)
    return _OPERATIONS[name]


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
        made = method(operation(self.name))
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
