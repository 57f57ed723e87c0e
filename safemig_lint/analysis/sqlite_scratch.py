"""Ask SQLite's own library whether it runs an ALTER TABLE on a table like the one the model has.

SQLite's rules for ALTER TABLE are its own (a column's own REFERENCES goes with DROP COLUMN, a table
FOREIGN KEY or CHECK naming it does not; ADD COLUMN of a NOT NULL column fails only when the table has
rows), so SM530 confirms each case it finds with the standard library's SQLite: the table is built
from the replayed model in a private in-memory database (column names and types, keys, indexes; one
row of NULLs when the case depends on rows), and the statement's ALTER TABLE runs there. Nothing
else runs: no file, no connection of the project's, only that one ALTER TABLE, and an authorizer
refuses ATTACH. When the model cannot describe the table faithfully (a generated column, keys it
could not read), the answer is UNSURE and the rule keeps its own reading.
"""

from __future__ import annotations

import re

from safemig_lint.operations.model import Constraint, Table
from safemig_lint.patterns import lazy

UNSURE = object()  # the scratch table could not be built as the model has it

_PLAIN = lazy(r"[A-Za-z_][A-Za-z_0-9$]*")


def try_alter(table: Table, written: str, statement: str, with_row: bool = False) -> str | None | object:
    """SQLite's error for `statement` (one ALTER TABLE naming the table as `written`), None when SQLite runs it,
    or UNSURE."""
    import sqlite3  # here: only SQLite folders ask, and the import is ~5 ms of every other run

    ddl = _scratch(table, written)
    if ddl is None or not re.match(r"\s*ALTER\s+TABLE\b", statement, re.IGNORECASE):
        return UNSURE
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.set_authorizer(_authorize)
        try:
            for sql in ddl:
                connection.execute(sql)
            if with_row:
                connection.execute(f"INSERT INTO {written} DEFAULT VALUES")
        except (sqlite3.Error, sqlite3.Warning, ValueError):
            return UNSURE  # the model's table is not one SQLite would hold
        try:
            connection.execute(statement)
        except sqlite3.Error as error:
            return str(error)
        except (sqlite3.Warning, ValueError):  # more than one statement, or a NUL character
            return UNSURE
        return None
    finally:
        connection.close()


def library_version() -> tuple[int, int, int]:
    import sqlite3

    return sqlite3.sqlite_version_info


def _authorize(action: int, *_args) -> int:
    import sqlite3

    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK


def _scratch(table: Table, written: str) -> list[str] | None:
    """CREATE TABLE and CREATE INDEX statements for the model's table, or None when it cannot be faithful."""
    if table.unknown or table.keys_unknown:
        return None
    inline: dict[str, list[Constraint]] = {}
    table_level: list[str] = []
    for constraint in table.constraints.values():
        if constraint.inline and constraint.inline in table.columns:
            inline.setdefault(constraint.inline, []).append(constraint)
        else:
            clause = _constraint(constraint, None)
            if clause is None:
                return None
            table_level.append(clause)
    columns = []
    for name, column in table.columns.items():
        if column.generated or column.unknown:
            return None  # its expression is not in the model
        parts = [_quoted(name), column.type.sql if column.type is not None and column.type.sql else ""]
        for constraint in inline.get(name, ()):
            clause = _constraint(constraint, name)
            if clause is None:
                return None
            parts.append(clause)
        columns.append(" ".join(part for part in parts if part))
    if not columns:
        return None
    statements = [f"CREATE TABLE {written} ({', '.join(columns + table_level)})"]
    for index in table.indexes.values():
        keys = ", ".join(_quoted(c) if _PLAIN.fullmatch(c) else c for c in index.columns)
        where = f" WHERE {index.where}" if index.where else ""
        statements.append(f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {_quoted(index.name)} ON {written} ({keys}){where}")
    return statements


def _constraint(constraint: Constraint, column: str | None) -> str | None:
    """The constraint as SQL, inline (after `column`'s definition) or as a table constraint."""
    columns = f" ({', '.join(_quoted(c) for c in constraint.columns)})" if column is None else ""
    if constraint.kind == "primary":
        return f"PRIMARY KEY{columns}"
    if constraint.kind == "unique":
        return f"UNIQUE{columns}"
    if constraint.kind == "check" and constraint.expression:
        return f"CHECK ({constraint.expression})"
    if constraint.kind == "foreign" and constraint.references:
        return f"{'FOREIGN KEY' + columns + ' ' if column is None else ''}REFERENCES {constraint.references}"
    return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
