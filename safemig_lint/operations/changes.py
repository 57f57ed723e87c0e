"""What a statement does to the schema: the objects it creates, drops, alters or empties.

Checks read these instead of each re-deriving them from sqlglot's tree (or, where sqlglot
fell back to exp.Command, from the raw text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from safemig_lint.reading.statements import Statement


@dataclass(frozen=True)
class ObjectRef:
    kind: str  # table, column, index, view, schema, database, sequence, type, function, trigger, extension ...
    name: str  # unqualified and case-folded; a column is "table.column"


@dataclass(frozen=True)
class Change:
    action: str  # create, drop, add (a column to a table), truncate
    target: ObjectRef
    guarded: bool  # IF [NOT] EXISTS, or OR REPLACE
    node: exp.Expression | None = None  # the node naming the target, when the statement was parsed


def identifier_name(node: exp.Expression | None) -> str:
    """The case-folded name of a table/column/identifier node: quoted names keep their case."""
    if node is None:
        return ""
    if isinstance(node, exp.Schema):
        node = node.this
    if isinstance(node, (exp.Table, exp.Column, exp.Index)):
        node = node.this
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    if isinstance(node, exp.Expression) and node.name:
        return node.name.lower()
    return ""


def _qualified(node: exp.Expression | None) -> str:
    """Schemas are spelled as Table(db=...) by sqlglot; fall back to that part."""
    name = identifier_name(node)
    if not name and isinstance(node, exp.Table) and node.args.get("db") is not None:
        name = identifier_name(node.args["db"])
    return name


def statement_changes(statement: Statement) -> list[Change]:
    expression = statement.expression
    if isinstance(expression, exp.Create):
        return _create_changes(expression)
    if isinstance(expression, exp.Drop):
        return _drop_changes(expression)
    if isinstance(expression, exp.Alter) and (expression.args.get("kind") or "TABLE").upper() == "TABLE":
        return _alter_changes(expression)
    if isinstance(expression, exp.TruncateTable):
        return [Change("truncate", ObjectRef("table", _qualified(t)), False, t) for t in expression.expressions]
    if statement.is_command or expression is None and statement.error is None:
        return _raw_changes(statement.text)
    return []


def _create_changes(create: exp.Create) -> list[Change]:
    kind = (create.args.get("kind") or "").lower()
    guarded = bool(create.args.get("exists") or create.args.get("replace"))
    target = create.this
    name_node = target.this if isinstance(target, (exp.Schema, exp.Index)) else target
    changes = [Change("create", ObjectRef(kind, _qualified(target)), guarded, name_node)]
    if kind == "table" and isinstance(target, exp.Schema):
        table = _qualified(target)
        for column in target.expressions:
            if isinstance(column, exp.ColumnDef):
                changes.append(Change("create", ObjectRef("column", f"{table}.{identifier_name(column.this)}"), guarded, column))
    return changes


def _drop_changes(drop: exp.Drop) -> list[Change]:
    kind = (drop.args.get("kind") or "").lower()
    if kind == "column":  # a statement of its own, `DROP COLUMN x` names no table: the database rejects it
        return []
    guarded = bool(drop.args.get("exists"))
    return [Change("drop", ObjectRef(kind, _qualified(t)), guarded, t) for t in drop.args.get("tables") or []]


def _alter_changes(alter: exp.Alter) -> list[Change]:
    table = _qualified(alter.this)
    changes = []
    for action in alter.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            ref = ObjectRef("column", f"{table}.{identifier_name(action.this)}")
            changes.append(Change("add", ref, bool(action.args.get("exists")), action))
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            for column in action.args.get("tables") or []:
                ref = ObjectRef("column", f"{table}.{identifier_name(column)}")
                changes.append(Change("drop", ref, bool(action.args.get("exists")), column))
    return changes


_RAW_DDL = re.compile(
    r"""^\s*(?P<action>CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?
    (?:(?:UNIQUE|MATERIALIZED|TEMP|TEMPORARY|UNLOGGED|GLOBAL|LOCAL)\s+)*
    (?P<kind>TABLE|INDEX|VIEW|SCHEMA|DATABASE|SEQUENCE|TYPE|EXTENSION|DOMAIN|FUNCTION|PROCEDURE|TRIGGER)\s+
    (?:CONCURRENTLY\s+)?(?P<guard>IF\s+(?:NOT\s+)?EXISTS\s+)?(?P<name>[\w."`$]+)""",
    re.IGNORECASE | re.VERBOSE,
)


def _raw_changes(text: str) -> list[Change]:
    match = _RAW_DDL.match(text)
    if not match:
        return []
    name = match.group("name").split(".")[-1]
    quoted = name[:1] in ('"', "`")
    name = name.strip('"`') if quoted else name.lower()
    guarded = bool(match.group("guard")) or bool(re.match(r"\s*CREATE\s+OR\s+REPLACE", text, re.IGNORECASE))
    return [Change(match.group("action").lower(), ObjectRef(match.group("kind").lower(), name), guarded)]


def spelled_kind(change: Change, statement: Statement) -> str:
    """The object kind as the statement spells it: sqlglot parses a materialized view as a VIEW."""
    if change.target.kind == "view" and "MATERIALIZED" in statement.keywords:
        return "materialized view"
    return change.target.kind
