"""The types generated from the catalogue: ``agor/aio.pyi`` (every operation of `agor.aio`)
and, in ``agor/_agor.pyi``, the block of the sync methods `agor._derived` gives Store and
Actor. Each operation's request fields become its parameters and its response schema the
return type, with a ``TypedDict`` per record (declared in ``aio.pyi``). ``_agor.pyi``'s record
classes (``Agent``, ``Task`` …) are generated too, from the core records they wrap.
``python -m agor._stubs`` prints aio.pyi (its generated blocks anew; the rest of it is
written by hand); ``tests/python/test_stubs.py`` fails when a committed file differs
(``AGOR_BLESS=1`` rewrites them)."""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any

from agor import _agor, _derived
from agor.aio import HOMES

SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def top_level(union: str) -> list[str]:
    """The members of a union type written out (`|` outside brackets)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(union):
        depth += c == "["
        depth -= c == "]"
        if c == "|" and depth == 0:
            parts.append(union[start:i].strip())
            start = i + 1
    return parts + [union[start:].strip()]


class Types:
    """Python types of JSON Schemas; the records met on the way become TypedDicts."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}

    def of(self, s: dict, defs: dict) -> str:
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            target = defs[name]
            return self.record(name, target, defs) if "properties" in target else self.of(target, defs)
        if "const" in s:
            return f"Literal[{s['const']!r}]"
        if "enum" in s:
            return self.union(f"Literal[{v!r}]" for v in s["enum"])
        for key in ("oneOf", "anyOf"):
            if key in s:
                return self.union(self.of(x, defs) for x in s[key])
        t = s.get("type")
        if isinstance(t, list):
            return self.union(self.of({**s, "type": x}, defs) for x in t)
        if t == "array":
            if "prefixItems" in s:
                return f"tuple[{', '.join(self.of(x, defs) for x in s['prefixItems'])}]"
            return f"list[{self.of(s.get('items', {}), defs)}]"
        if t == "object":
            if "properties" in s and "title" in s:
                return self.record(s["title"], s, defs)
            return "dict[str, Any]"
        return SCALARS.get(t, "Any")

    @staticmethod
    def union(parts: Any) -> str:
        """One union of `parts` (each maybe a union itself): no repeats, literals merged."""
        seen: list[str] = []
        for p in (q for part in parts for q in top_level(part)):
            if p not in seen:
                seen.append(p)
        literals = [p[len("Literal["):-1] for p in seen if p.startswith("Literal[")]
        others = [p for p in seen if not p.startswith("Literal[")]
        return " | ".join(([f"Literal[{', '.join(literals)}]"] if literals else []) + others)

    def record(self, name: str, s: dict, defs: dict) -> str:
        cls = f"{name}Dict"
        if cls not in self.records:
            self.records[cls] = {}  # a record may hold itself (subtasks)
            self.records[cls] = {k: self.of(v, defs) for k, v in sorted(s["properties"].items())}
        return cls

    def base(self, cls: str) -> str | None:
        """The largest other record whose every field `cls` has with the same type (a task's
        detail is a task and more), so `cls` is declared as it plus the rest; None if none.
        Records with a key that is a Python keyword have no base (TypedDict's functional form)."""
        fields = self.records[cls]
        bases = [
            other for other, theirs in self.records.items()
            if other != cls and theirs and len(theirs) < len(fields)
            and not any(map(keyword.iskeyword, theirs)) and theirs.items() <= fields.items()
        ]
        return max(bases, key=lambda b: (len(self.records[b]), b), default=None)

    def declare(self, cls: str) -> str:
        """The record's declaration (after its base's, which it repeats nothing of)."""
        fields = self.records[cls]
        if any(keyword.iskeyword(k) for k in fields):
            # A key that is a Python keyword (`from`) needs TypedDict's functional form.
            items = "".join(f"    {k!r}: {t},\n" for k, t in fields.items())
            return f"{cls} = TypedDict({cls!r}, {{\n{items}}})\n"
        base = self.base(cls)
        inherited = self.records[base] if base else {}
        body = "".join(f"    {k}: {t}\n" for k, t in fields.items() if k not in inherited)
        return f"class {cls}({base or 'TypedDict'}):\n{body or '    pass'}\n"

    def declarations(self) -> str:
        """Every record, by name, a base before the records built on it."""
        done: list[str] = []

        def visit(cls: str) -> None:
            base = self.base(cls)
            if base and base not in done:
                visit(base)
            if cls not in done:
                done.append(cls)

        for cls in sorted(self.records):
            visit(cls)
        return "\n".join(self.declare(cls) for cls in done)


def method(op: dict, types: Types) -> str:
    req, resp = op["request"], op["response"]
    params = ["self"]
    fields = sorted(req.get("properties", {}).items(), key=lambda kv: kv[0] not in req.get("required", []))
    if fields:
        params.append("*")
    for name, schema in fields:
        t = types.of(schema, req.get("$defs", {}))
        arg = _derived.parameter(name)
        if name in req.get("required", []):
            params.append(f"{arg}: {t}")
        else:
            params.append(f"{arg}: {types.union([t, 'None'])} = None")
    returns = types.of(resp, resp.get("$defs", {}))
    doc = op["doc"].replace("\n ", "\n").replace('"""', "'''").strip()
    doc = "\n        ".join(doc.splitlines())
    return f"    async def {op['name']}({', '.join(params)}) -> {returns}:\n        \"\"\"{doc}\"\"\"\n"


def render_sync(pyi: str) -> str:
    """`pyi` (the text of ``_agor.pyi``) with its derived blocks generated anew: the methods
    `agor._derived` gives Store and Actor (in their base ``_Acting`` those both get, so each
    is declared once), at the top the records those return, and the record classes."""
    types = Types()
    # A derived method answers with the record classes where they exist (`_call_typed`).
    returns = ClassTypes({cls.__name__ for cls, _, _ in _agor._records()} | {"TaskDetail"})
    store, actor = (_derived.derived(cls) for cls in (_agor.Store, _agor.Actor))
    both = {op["name"] for op in store} & {op["name"] for op in actor}
    for header, ops in (
        ("class _Acting:", [op for op in store if op["name"] in both]),
        ("class Store(_Acting):", [op for op in store if op["name"] not in both]),
        ("class Actor(_Acting):", [op for op in actor if op["name"] not in both]),
    ):
        body = "".join(sync_method(op, types, returns) for op in ops)
        pyi = replace_block(pyi, header, METHODS, body)
    records = sorted(set(types.records) | set(returns.records))
    imports = f"from agor.aio import {', '.join(records)}\n" if records else ""
    pyi = replace_block(pyi, None, IMPORTS, imports)
    return replace_block(pyi, None, RECORD_CLASSES, record_classes(pyi))


METHODS = (
    "    # --- methods derived from the catalogue (python -m agor._stubs; do not edit) ---\n",
    "    # --- end of the derived methods ---\n",
)
IMPORTS = (
    "# --- records of the derived methods (python -m agor._stubs; do not edit) ---\n",
    "# --- end of the records ---\n",
)


RECORD_CLASSES = (
    "# --- record classes, from the core records (python -m agor._stubs; do not edit) ---\n",
    "# --- end of the record classes ---\n",
)

BASETYPE = 1 << 10
"""``Py_TPFLAGS_BASETYPE``: a class that may be subclassed (``Task``); the others are final."""


class ClassTypes(Types):
    """Types of the attributes of the record classes: a nested record is its class, and an
    enumeration the alias ``_agor.pyi`` declares for it (``TaskStatus``), if any."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def of(self, s: dict, defs: dict) -> str:
        # A record is named by a `$ref`, or (an operation answering with one) by its title.
        name = s.get("$ref", "").rsplit("/", 1)[-1] or (s.get("type") == "object" and s.get("title"))
        return name if name in self.names else super().of(s, defs)


def docstring(text: str | None, indent: str) -> str:
    """`text` as a docstring whose lines after the first are indented by `indent`."""
    first, *rest = (text or "").replace('"""', "'''").strip().splitlines() or [""]
    body = first + "".join("\n" + f"{indent}{line}".rstrip() for line in rest)
    return f'"""{body}"""'


def record_classes(pyi: str) -> str:
    """The record classes of ``_agor._records()`` (each class, its attributes in order and the
    JSON Schema of the core record it wraps): an attribute's type from its schema, the docs
    as the classes have them."""
    records = _agor._records()
    aliases = set(re.findall(r"^(\w+) = Literal\[", pyi, re.MULTILINE))
    types = ClassTypes({cls.__name__ for cls, _, _ in records} | aliases)
    out = []
    for cls, fields, text in records:
        schema = json.loads(text)
        final = "" if cls.__flags__ & BASETYPE else "@final\n"
        out.append(f"{final}class {cls.__name__}(_Record):\n    {docstring(cls.__doc__, '    ')}\n\n")
        for field in fields:
            t = types.of(schema["properties"][field], schema.get("$defs", {}))
            doc = vars(cls)[field].__doc__
            body = f"\n        {docstring(doc, '        ')}" if doc else " ..."
            out.append(f"    @property\n    def {field}(self) -> {t}:{body}\n")
        out.append("\n")
    return "".join(out)


def replace_block(text: str, after: str | None, markers: tuple[str, str], body: str) -> str:
    """`text` with what stands between `markers` (the first pair after the line `after`)
    replaced by `body`."""
    start = text.index(after) if after else 0
    begin = text.index(markers[0], start) + len(markers[0])
    end = text.index(markers[1], begin)
    return text[:begin] + body + text[end:]


def sync_method(op: dict, types: Types, returns: Types) -> str:
    """A sync method's stub: parameters in `agor._derived`'s order (required fields, then the
    optional ones defaulting to None), typed by `types`, and its answer by `returns`."""
    req, resp = op["request"], op["response"]
    defs = req.get("$defs", {})
    params = ["self"]
    for field, required in _derived.ordered(op):
        t = types.of(req["properties"][field], defs)
        name = _derived.parameter(field)
        params.append(f"{name}: {t}" if required else f"{name}: {types.union([t, 'None'])} = None")
    answer = returns.of(resp, resp.get("$defs", {}))
    lines = op["doc"].replace('"""', "'''").strip().splitlines()
    doc = "\n        ".join(line.strip() for line in lines)
    return f'    def {op["name"]}({", ".join(params)}) -> {answer}:\n        """{doc}"""\n'


STUB = Path(__file__).with_name("aio.pyi")
"""aio.pyi: written by hand (its imports, what each class has beside the operations, `open`)
but for the blocks between markers, which `render` writes."""

RECORDS = (
    "# --- records of the operations (python -m agor._stubs; do not edit) ---\n",
    "# --- end of the records ---\n",
)


def render(pyi: str | None = None) -> str:
    """`pyi` (default: the committed aio.pyi) with its generated blocks written anew: in each
    class the methods of the catalogue's operations it has, at the top the records they
    take and return."""
    types = Types()
    ops = sorted(_agor.operations(), key=lambda op: op["name"])
    bodies: dict[str, list[str]] = {cls.__name__: [] for classes in HOMES.values() for cls in classes}
    for op in ops:
        for cls in HOMES[op["caller"]]:
            bodies[cls.__name__].append(method(op, types))
    # `watch` (written by hand) yields changes: their record is declared with the others.
    types.of({"$ref": "#/$defs/Change"}, next(op for op in ops if op["name"] == "wait")["response"]["$defs"])
    text = STUB.read_text() if pyi is None else pyi
    for name, body in bodies.items():
        text = replace_block(text, f"class {name}", METHODS, "".join(body))
    return replace_block(text, None, RECORDS, types.declarations())


if __name__ == "__main__":
    print(render(), end="")
