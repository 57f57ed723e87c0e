"""What differs between two schemas, object by object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from safemig_lint.operations.model import Column, Constraint, Database, Index, SchemaObject, Sequences, Table, Types, Views
from safemig_lint.values import value

_Item = TypeVar("_Item", bound="SchemaObject | str")


@value(unsafe_hash=True)
class Difference:
    kind: str  # table, column, index, constraint, view, sequence, type, schema, function ...
    name: str  # a table's key; `table.name` for its columns and keys
    before: SchemaObject | str | None  # None: added; a schema is its name
    after: SchemaObject | str | None  # None: removed
    unknown: str | None = None  # the model is unsure of the object on one side: why

    @property
    def change(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"

    def describe(self) -> str:
        if self.change == "changed":
            return f"{self.kind} {self.name}: {describe(self.before)} -> {describe(self.after)}"
        detail = describe(self.after if self.before is None else self.before)
        return f"{self.kind} {self.name}" + (f" {detail}" if detail and not self.name.endswith(detail) else "")


def describe(item: SchemaObject | str | None) -> str:
    """A short definition of a model object, for messages."""
    if isinstance(item, Column):
        text = item.type.sql if item.type is not None else "(type unknown)"
        text += "" if item.nullable else " NOT NULL"
        return text + (f" DEFAULT {item.default}" if item.default is not None else "")
    if isinstance(item, Index):
        return f"{'UNIQUE ' if item.unique else ''}({', '.join(item.columns)})" + (f" WHERE {item.where}" if item.where else "")
    if isinstance(item, Constraint):
        detail = {"foreign": f" REFERENCES {item.references}", "check": f" {item.expression}", "exclude": f" {item.expression}"}
        return f"{item.kind.upper()} ({', '.join(item.columns)}){detail.get(item.kind, '')}"
    values = getattr(item, "values", ())
    return f"({', '.join(repr(v) for v in values)})" if values else ""


def differences(a: Database, b: Database, tables: set[str] | None = None) -> list[Difference]:
    """What differs from a to b. `tables`: when known, the only keys whose tables may differ (the
    others are shared by both: History.tables_touched), so that the rest are not looked at."""
    found: list[Difference] = []
    found += _compare("schema", {s: s for s in a.schemas}, {s: s for s in b.schemas})
    names = a.tables.keys() | b.tables.keys() if tables is None else {name for name in tables if name in a.tables or name in b.tables}
    for name in sorted(names):
        old, new = dict.get(a.tables, name), dict.get(b.tables, name)  # as they are: no copy (TableMap)
        if old is new:  # shared by two snapshots: unchanged
            continue
        if old is None or new is None:
            table = old if old is not None else dict.__getitem__(b.tables, name)  # in one of them: a key of either
            found.append(Difference("table", name, old, new, table.unknown))
        else:
            found += _table_differences(name, old, new, by_content=a.dialect == "sqlite")
    found += _compare("view", a.views, b.views)
    found += _compare("sequence", a.sequences, b.sequences)
    found += _compare("type", a.types, b.types)
    for key in sorted(a.routines.keys() | b.routines.keys()) if a.routines != b.routines else ():
        was, now = a.routines.get(key), b.routines.get(key)
        if was != now:
            routine = was if was is not None else b.routines[key]  # in one of them: a key of either
            found.append(Difference(routine.kind, routine.name, was, now, _unknown(was, now)))
    return found


def _compare(kind: str, a: Mapping[str, _Item], b: Mapping[str, _Item], table: str = "", unknown: str | None = None) -> list[Difference]:
    if a == b:
        return []
    result = []
    for key in sorted(a.keys() | b.keys(), key=str):
        old, new = a.get(key), b.get(key)
        if old != new:
            result.append(Difference(kind, f"{table}.{key}" if table else key, old, new, unknown or _unknown(old, new)))
    return result


def _unknown(old: object, new: object) -> str | None:
    """Why the model is unsure of the object on either side (keys and schemas have no such note)."""
    why: str | None = getattr(old, "unknown", None) or getattr(new, "unknown", None)
    return why


def _table_differences(name: str, old: Table, new: Table, by_content: bool) -> list[Difference]:
    if old == new:
        return []
    unknown = old.unknown or new.unknown
    keys_unknown = unknown or old.keys_unknown or new.keys_unknown
    old_keys, new_keys = old.constraints, new.constraints
    if by_content and old_keys != new_keys:  # SQLite's have no names one could use
        old_keys, new_keys = _by_signature(old_keys), _by_signature(new_keys)
    return [
        *_compare("column", old.columns, new.columns, name, unknown),
        *_compare("index", old.indexes, new.indexes, name, keys_unknown),
        *_compare("constraint", old_keys, new_keys, name, keys_unknown),
    ]


def _by_signature(constraints: dict[str, Constraint]) -> dict[str, Constraint]:
    return {_signature(c): replace(c, name=_signature(c)) for c in constraints.values()}


def _signature(constraint: Constraint) -> str:
    return describe(replace(constraint, name=""))


def find(db: Database, kind: str, name: str) -> SchemaObject | str | None:
    """The object a Difference names, in another snapshot."""
    if kind == "table":
        return db.tables.get(name)
    if kind in ("column", "index", "constraint"):
        table_name, _, item = name.rpartition(".")
        table = db.tables.get(table_name)
        if table is None:
            return None
        if kind == "column":
            return table.columns.get(item)
        if kind == "index":
            return table.indexes.get(item)
        if db.dialect == "sqlite":
            return next((c for c in table.constraints.values() if _signature(c) == item), None)
        return table.constraints.get(item)
    if kind == "schema":
        return name if name in db.schemas else None
    maps: dict[str, Views | Sequences | Types] = {"view": db.views, "sequence": db.sequences, "type": db.types}
    objects = maps.get(kind)
    if objects is not None:
        return objects.get(name)
    return next((r for r in db.routines.values() if r.kind == kind and r.name == name), None)
