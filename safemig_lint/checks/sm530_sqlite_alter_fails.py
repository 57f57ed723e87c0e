import re
from dataclasses import replace

from safemig_lint.analysis.locks import (
    SQLITE_DROP_COLUMN,
    SQLITE_GENERATED_COLUMNS,
    SQLITE_RENAME_COLUMN,
    altered_table_as_written,
    version_text,
)
from safemig_lint.analysis.sqlite_scratch import UNSURE, library_version, try_alter
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import Table
from safemig_lint.reading.statements import Statement

_JUDGED = (o.DropColumn, o.RenameColumn, o.AddColumn, o.AddConstraint)


class SqliteAlterFails(Rule):
    code = "SM530"
    name = "sqlite-alter-fails"
    severity = Severity.ERROR
    reads_ops = _JUDGED
    summary = "SQLite refuses this ALTER TABLE (on the configured version, or on a table with rows): the migration fails."
    dialects = frozenset({"sqlite"})

    def check_statement(self, statement: Statement, context: FileContext):
        if statement.error is not None:
            return  # a statement SQLite's grammar rejects is SM001's
        locks = context.locks
        version = locks.sqlite_version
        for op in context.operations(statement):
            if not isinstance(op, _JUDGED):
                continue
            problem, confirm = None, None  # confirm: whether the table needs a row for SQLite to show the failure
            if isinstance(op, o.DropColumn):
                if version < SQLITE_DROP_COLUMN:
                    problem = f"DROP COLUMN needs SQLite {version_text(SQLITE_DROP_COLUMN)} or later (sqlite-version is {locks.sqlite_version_text})"
                else:
                    problem, confirm = _drop_blocked(context, statement, op), False
            elif isinstance(op, o.RenameColumn) and version < SQLITE_RENAME_COLUMN:
                problem = f"RENAME COLUMN needs SQLite {version_text(SQLITE_RENAME_COLUMN)} or later (sqlite-version is {locks.sqlite_version_text})"
            elif isinstance(op, o.AddColumn):
                problem = _add_problem(op, version, locks.is_new(statement, op.table) or locks.emptied_before(statement, op.table))
                confirm = None if problem is None or problem.startswith("generated columns need") else True
            elif isinstance(op, o.AddConstraint) and op.in_added_column and op.constraint is not None:
                if op.constraint.kind in ("primary", "unique"):
                    problem = f"SQLite cannot add a {'PRIMARY KEY' if op.constraint.kind == 'primary' else 'UNIQUE'} column"
                    confirm = False
            if problem is None:
                continue
            if confirm is not None:
                # The case is SQLite's own rule: ask SQLite's library (on a scratch copy of the table).
                verdict = _ask_sqlite(context, statement, op.table, with_row=confirm)
                if verdict is None or (isinstance(verdict, str) and "syntax error" in verdict):
                    continue  # SQLite runs it (or its grammar rejects it: SM001)
                if isinstance(verdict, str):
                    problem = f'{problem} (SQLite: "{verdict}")'
            yield locks.finding(
                statement,
                op.table,
                f"{problem}: the migration fails here",
                "Rebuild the table instead: create the new table with the definition you want, copy the rows "
                "with INSERT INTO ... SELECT, drop the old table and rename the new one, in one migration "
                "(https://www.sqlite.org/lang_altertable.html#otheralter). Set `sqlite-version` to the "
                "version the application ships with.",
                op.at,
            )


def _ask_sqlite(context: FileContext, statement: Statement, table_key: str, with_row: bool):
    """SQLite's error for the statement on a scratch table like the model's, None when it runs, UNSURE."""
    if library_version() < SQLITE_DROP_COLUMN:
        return UNSURE  # an older library than the features the rule knows of
    table = _table_before(context, statement, table_key)
    written = altered_table_as_written(statement)
    if table is None or not written:
        return UNSURE
    return try_alter(table, written, statement.text, with_row)


def _table_before(context: FileContext, statement: Statement, table_key: str) -> Table | None:
    """The table as the file found it, less the keys an earlier statement of the file dropped."""
    schema = context.locks.schema_before
    table = schema.tables.get(table_key) if schema is not None else None
    if table is None:
        return None
    locks = context.locks
    dropped = {name for name in (*table.constraints, *table.indexes) if name and locks.key_dropped_before(statement, name)}
    if not dropped:
        return table
    return replace(
        table.copy(),
        constraints={n: c for n, c in table.constraints.items() if n not in dropped},
        indexes={n: i for n, i in table.indexes.items() if n not in dropped},
    )


def _add_problem(op: o.AddColumn, version: tuple[int, ...], new_table: bool) -> str | None:
    column = op.column
    if column.generated and version < SQLITE_GENERATED_COLUMNS:
        return (
            f"generated columns need SQLite {version_text(SQLITE_GENERATED_COLUMNS)} or later (sqlite-version is {version_text(version)})"
        )
    if new_table:
        return None  # the rest fail only on a table that has rows; this one was created or emptied in this file
    if op.stored:
        return f"SQLite cannot add the STORED generated column {column.name} to a table with rows"
    if not column.nullable and column.default is None and not column.generated and not op.primary_key:  # a key: reported as such
        return f"adding {column.name} as NOT NULL without a default fails on a table with rows"
    if op.variable_default:
        return f"adding {column.name} with the non-constant default {op.variable_default} fails on a table with rows"
    return None


def _drop_blocked(context: FileContext, statement: Statement, op: o.DropColumn) -> str | None:
    """SQLite refuses to drop a column that a key, an index, a table CHECK or another column's CHECK uses.
    The column's own constraints go with it (`c int REFERENCES t`, `c int CHECK (c > 0)`), unless it is a
    PRIMARY KEY or UNIQUE column."""
    schema = context.locks.schema_before
    table = schema.tables.get(op.table) if schema is not None else None
    if table is None or table.unknown or context.locks.is_new(statement, op.table):
        return None
    locks = context.locks
    for constraint in table.constraints.values():
        if constraint.name and locks.key_dropped_before(statement, constraint.name):
            continue
        if op.column not in constraint.columns:
            continue
        if constraint.kind in ("primary", "unique"):
            kind = {"primary": "PRIMARY KEY", "unique": "UNIQUE constraint"}[constraint.kind]
            return f"SQLite cannot drop {op.table}.{op.column}: it is part of a {kind}"
        if constraint.inline == op.column:
            continue  # declared in the column's own definition: dropped with it
        if constraint.kind == "foreign":
            return f"SQLite cannot drop {op.table}.{op.column}: a table FOREIGN KEY names it (drop it with a table rebuild)"
        if constraint.kind == "check":
            return f"SQLite cannot drop {op.table}.{op.column}: the CHECK ({constraint.expression}) reads it"
    for index in table.indexes.values():
        if locks.key_dropped_before(statement, index.name):
            continue
        if op.column in index.columns or re.search(rf"\b{re.escape(op.column)}\b", index.where or "", re.IGNORECASE):
            return f"SQLite cannot drop {op.table}.{op.column}: the index {index.name} uses it (drop the index first)"
    return None
