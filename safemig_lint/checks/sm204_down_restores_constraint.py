from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from safemig_lint.analysis.schema.effects import ColumnChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.related import up_statement
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.dialects import DEFAULT_MYSQL_VERSION, is_mariadb
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import Constraint, Database, Index, Table
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.locator import Locator

MYSQL_ENFORCED_CHECKS = (8, 0, 16)  # before, MySQL parses CHECK and ignores it


class DownRestoresConstraint(Rule):
    code = "SM204"
    name = "down-restores-constraint"
    severity = Severity.WARNING
    summary = "A down migration that restores a NOT NULL, CHECK or UNIQUE its up migration removed fails on the rows written in between."
    reads_effects = (ColumnChanged,)  # NOT NULL restored
    reads_ops = (o.AddConstraint, o.CreateIndex)  # a CHECK or UNIQUE key restored

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if not context.is_down or history is None or context.counterpart is None:
            return
        version = context.file.version
        before_up, after_up = history.before(version), history.after(version)
        restored: list[tuple[str, str, Locator | None]] = []  # (table, column, where) made NOT NULL again: one finding per statement
        for effect in history.effects_of(context.file, statement):
            if isinstance(effect, ColumnChanged) and effect.before.nullable and not effect.after.nullable:
                table, column = effect.table, effect.after.name
                if _relaxed_by_up(before_up, after_up, table, column) and not context.row_changes.settled_before(statement, table, column):
                    restored.append((table, column, effect.at))
        if restored:
            table, column, node = restored[0]
            names = ", ".join(f"{t}.{c}" for t, c, _ in restored)
            yield self._finding(
                context,
                statement,
                f"this down migration makes {names} NOT NULL again, after its up migration allowed NULL: a row written "
                f"with {'it' if len(restored) == 1 else 'one of them'} NULL while the up was live makes the rollback fail",
                f"Decide what those rows become, before this statement: `UPDATE {table} SET {column} = ... WHERE {column} IS NULL;` "
                "(or delete them), or leave the column nullable in the down migration.",
                node,
                None,
            )
        for op in context.operations(statement):
            key_restored = _restored_key(context, op, before_up, after_up)
            if key_restored is None:
                continue
            table, key, what = key_restored
            added_here = {
                added.column.name for added in context.operations(statement) if isinstance(added, o.AddColumn) and added.table == table
            }
            check = key.expression if isinstance(key, Constraint) and what == "check" else None
            read = key.columns if check is None else _words(check, after_up, table, added_here)
            if any(
                context.row_changes.settled_before(statement, table, c, any_delete=what == "unique")
                or context.created_earlier_in_file("column", f"{table}.{c}", statement)
                or c in added_here
                for c in read
            ):
                continue  # the down fixes or removes the rows first, or the column is its own (new values: NULL or its default)
            if check is not None:
                problem = f"a row written while the up was live that breaks `CHECK ({check})`"
                remedy = "Fix or delete the rows that break it before this statement" + (
                    ", or add it NOT VALID (existing rows are not checked) and validate it later." if context.dialect == "postgres" else "."
                )
            else:
                columns = ", ".join(key.columns)
                problem = f"two rows written while the up was live with the same ({columns})"
                remedy = f"Remove the duplicates of ({columns}) before this statement, or keep the key out of the down migration."
            yield self._finding(
                context,
                statement,
                f"this down migration restores the {what} key {key.name or ''} on {table} that its up migration removed: "
                f"{problem} makes the rollback fail".replace("  ", " "),
                remedy,
                op.at,
                ("index" if isinstance(key, Index) else "constraint", key.name) if key.name else None,
            )

    def _finding(
        self,
        context: FileContext,
        statement: Statement,
        message: str,
        help: str,
        at: Locator | None,
        changed: tuple[str, str] | None,
    ) -> Finding:
        related = up_statement(context, *changed, "the up migration removes it here") if changed else ()
        return replace(context.finding(statement, message, help, at), related=related)


def _relaxed_by_up(before_up: Database, after_up: Database, table: str, column: str) -> bool:
    """Was the column NOT NULL before the up migration, and nullable after it?"""
    old, new = _column(before_up, table, column), _column(after_up, table, column)
    return old is not None and new is not None and not old.nullable and new.nullable and not old.unknown and not new.unknown


def _column(schema: Database, table: str, column: str):
    known = schema.tables.get(table)
    return known.columns.get(column) if known is not None and not known.unknown else None


def _restored_key(context: FileContext, op: o.Op, before_up: Database, after_up: Database) -> tuple[str, Constraint | Index, str] | None:
    """(table, key, "check" | "unique") when the op adds a CHECK or UNIQUE key that was there before the
    up migration and is not after it: the up removed it, and the down puts it back on the rows written since."""
    key: Constraint | Index
    if isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind in ("check", "unique") and not op.not_valid:
        table, key = op.table, op.constraint
    elif isinstance(op, o.CreateIndex) and op.index.unique and op.index.where is None:
        table, key = op.table, op.index
    elif isinstance(op, o.AddConstraint) and op.index is not None and op.index.unique:
        table, key = op.table, op.index
    else:
        return None
    kind = "check" if isinstance(key, Constraint) and key.kind == "check" else "unique"
    if kind == "check" and not _checks_enforced(context):
        return None
    old, new = before_up.tables.get(table), after_up.tables.get(table)
    if old is None or new is None or old.unknown or old.keys_unknown or new.keys_unknown:
        return None
    if _has(old, key) and not _has(new, key) and not (kind == "unique" and _implied(new, key)):
        return table, key, kind
    return None


def _implied(table: Table, key: Constraint | Index) -> bool:
    """Does a full unique key of `table` already keep `key`'s columns unique? One on some of them does, and
    so does one on a function of a column (`md5(version)`): equal values give equal results."""
    wanted = set(key.columns)
    keys: list[Constraint | Index] = [
        *(c for c in table.constraints.values() if c.kind in ("unique", "primary")),
        *(i for i in table.indexes.values() if i.unique),
    ]
    for other in keys:
        if getattr(other, "where", None) is not None or not other.columns:
            continue
        bases = [_base_column(column, table) for column in other.columns]
        if all(base is not None and base in wanted for base in bases):
            return True
    return False


def _base_column(key_column: str, table: Table) -> str | None:
    """The one column of the table a key column is, or is a function of; None when it reads none or several."""
    if key_column in table.columns:
        return key_column
    read = {word for word in re.findall(r"[A-Za-z_][\w$]*", key_column.lower()) if word in table.columns}
    return read.pop() if len(read) == 1 else None


def _words(expression: str, schema: Database, table: str, added: set[str]) -> tuple[str, ...]:
    """The table's columns a CHECK expression names (those of the schema, and those its statement adds)."""
    known = schema.tables.get(table)
    columns = set(known.columns) if known is not None else set()
    return tuple(word for word in dict.fromkeys(re.findall(r"[A-Za-z_][\w$]*", expression.lower())) if word in columns | added)


def _has(table: Table, key: Constraint | Index) -> bool:
    """Does the table hold the same rule on its rows: a check with the same expression, or a unique key on the same columns?"""
    if isinstance(key, Constraint) and key.kind == "check":
        return any(c.kind == "check" and c.expression == key.expression for c in table.constraints.values())
    keys: list[Constraint | Index] = [
        *(c for c in table.constraints.values() if c.kind in ("unique", "primary")),
        *(i for i in table.indexes.values() if i.unique),
    ]
    return any(tuple(k.columns) == tuple(key.columns) and getattr(k, "where", None) is None for k in keys)


def _checks_enforced(context: FileContext) -> bool:
    if context.dialect != "mysql":
        return True
    version = tuple((context.config.mysql_version if context.config else None) or DEFAULT_MYSQL_VERSION)
    return is_mariadb(version) or version >= MYSQL_ENFORCED_CHECKS
