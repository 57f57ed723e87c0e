from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.analysis.digests import digest, pointing_at
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.operations.model import SERIAL_TYPES, Column, bare_name
from safemig_lint.patterns import lazy
from safemig_lint.reading.source import lowered_may_hold
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.operations.read import Names

_NEXTVAL = lazy(r"nextval\('(?P<sequence>[^']+)'", re.IGNORECASE)


class ExplicitIdWithoutSetval(Rule):
    code = "SM206"
    name = "explicit-id-without-setval"
    severity = Severity.WARNING
    summary = "On PostgreSQL, inserting explicit values into a serial or identity column leaves its sequence behind: a later insert gets an id that is taken."
    _file: _FileTables | None = None  # the last file's creations and sequence moves

    reads_tokens = frozenset({TokenType.INSERT})  # an INSERT node comes from an INSERT keyword

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if context.dialect != "postgres" or history is None:
            return  # MySQL's AUTO_INCREMENT and SQLite's rowid move past an explicit value by themselves
        insert = _inserted(statement, context.names)
        if insert is None:
            return
        table = insert.table
        created = self._created_tables(context)
        columns = _columns_at(context, history, statement, table, created)
        if columns is None:
            return
        for position, name in enumerate(insert.columns if insert.columns is not None else list(columns)):
            column = columns.get(name)
            sequence = _sequence_of(column, table) if column is not None else None
            if sequence is None or not _explicit_at(_explicit_positions(statement), position):
                continue
            if _moves_sequence(created.movers, table, sequence) or _restores_deleted_rows(context, table):
                continue
            finding = context.finding(
                statement,
                f"this INSERT writes its own values into {table}.{name}, which takes its values from sequence {sequence}, and "
                f"nothing in this file moves the sequence past them: a later insert that leaves {name} to its default gets a "
                "value already taken (a duplicate key where it is unique)",
                f"Move the sequence after the insert: `SELECT setval(pg_get_serial_sequence('{table}', '{name}'), "
                f"(SELECT max({name}) FROM {table}));`",
            )
            yield pointing_at(context, finding, _insert_at(statement))
            return

    def _created_tables(self, context: FileContext) -> _FileTables:
        """The file's table creations and sequence moves, read once per file (a seed file holds thousands of inserts)."""
        if self._file is None or self._file.parsed is not context.parsed:
            self._file = _FileTables(context)
        return self._file


class _Insert(NamedTuple):
    """What SM206 reads of an INSERT into a table."""

    table: str  # as a model key
    columns: tuple[str, ...] | None  # as listed; None: the table's, in order


@digest(kinds=(exp.Insert,), serves=("SM206",), memo=False)  # asked once per INSERT
def _inserted(statement: Statement, names: Names | None) -> _Insert | None:
    """The INSERT's table and listed columns (None: its target is no table)."""
    insert = statement.expression
    assert isinstance(insert, exp.Insert) and names is not None  # selected by kinds; the rule passes its file's names
    target = insert.this.this if isinstance(insert.this, exp.Schema) else insert.this
    if not isinstance(target, exp.Table):
        return None
    listed = tuple(names.ident(c) for c in insert.this.expressions) if isinstance(insert.this, exp.Schema) else None
    return _Insert(names.table(target), listed)


@digest(kinds=(exp.Insert,), serves=("SM206",), memo=False)  # asked per finding (worked out for every INSERT, it cost 1%)
def _insert_at(statement: Statement, names: Names | None) -> tuple[int, int] | None:
    """Where the INSERT's table is written (FileContext.node_span's extent)."""
    insert = statement.expression
    assert isinstance(insert, exp.Insert)  # selected by kinds
    return identifiers_extent(insert.this.this if isinstance(insert.this, exp.Schema) else insert.this)


@digest(kinds=(exp.Insert,), serves=("SM206",), absent=0, memo=False)  # asked once per INSERT into a serial column
def _explicit_positions(statement: Statement, names: Names | None) -> int:
    """The positions at which the INSERT's VALUES rows or query give a value of their own (not DEFAULT, not
    nextval), as the bits of an int (a few bytes, or none: Python shares the small ones); -1: every position
    (SELECT *, the ids copied too)."""
    assert isinstance(statement.expression, exp.Insert)  # selected by kinds
    values = statement.expression.expression
    if isinstance(values, exp.Values):
        rows = [row.expressions if isinstance(row, exp.Tuple) else [row] for row in values.expressions]
    elif isinstance(values, exp.Select):
        rows = [values.expressions]
        if len(rows[0]) == 1 and isinstance(rows[0][0], exp.Star):
            return -1
    else:
        return 0
    explicit = 0  # a loop rather than generators over the positions and rows: a third of the time (taken for every INSERT)
    for row in rows:
        for position, value in enumerate(row):
            if not explicit >> position & 1 and _is_value(value):
                explicit |= 1 << position
    return explicit


def _explicit_at(explicit: int, position: int) -> bool:
    """Does the INSERT give a value of its own at `position` (_explicit_positions)?"""
    return explicit >> position & 1 == 1


class _FileTables:
    def __init__(self, context: FileContext) -> None:
        self.parsed = context.parsed
        self.created: dict[str, list[tuple[int, dict[str, Column]]]] = {}  # bare table -> (offset, columns), in order
        for start, ops in context.operations_by_start.items():  # in the statements' order
            if o.CreateTable not in map(type, ops):  # most statements: their ops' types looked through in C
                continue
            for op in ops:
                if isinstance(op, o.CreateTable) and not op.unknown and not op.like:
                    self.created.setdefault(bare_name(op.table), []).append((start, {c.name: c for c in op.columns}))
        # The statements that may move a sequence, lower-cased: few, and read only for an insert that needs one;
        # none in a file whose text holds neither word.
        self.movers: list[str] = []
        if lowered_may_hold(context.lowered, ("setval", "restart")):
            self.movers = [text for text in (s.text.lower() for s in context.parsed.statements) if "setval" in text or "restart" in text]


def _columns_at(context: FileContext, history: History, statement: Statement, table: str, file: _FileTables) -> dict[str, Column] | None:
    """The table's columns where the statement runs, in order: as created earlier in this file, else
    as the schema stood before the file; None when the model does not know the table."""
    created = [columns for at, columns in file.created.get(bare_name(table), ()) if at < statement.start]
    if created:
        return created[-1]
    version = context.file.version
    schema = history.after(version) if context.is_down else history.before(version)
    known = schema.tables.get(table)
    return dict(known.columns) if known is not None and not known.unknown else None


def _sequence_of(column: Column, table: str) -> str | None:
    """The sequence a serial or identity column takes its values from, by name (as PostgreSQL names an owned one)."""
    if column.type is not None and column.type.base in SERIAL_TYPES or column.identity:
        return f"{bare_name(table)}_{column.name}_seq"
    found = _NEXTVAL.search(column.default or "")
    return found.group("sequence") if found else None


def _is_value(node: exp.Expr) -> bool:
    if type(node) is exp.Literal:  # most values: no call to nextval in it
        return True
    if isinstance(node, exp.Var) and node.name.upper() == "DEFAULT" or isinstance(node, exp.Null):
        return False
    return not any(_NEXTVAL.match(call.sql(dialect="postgres")) for call in node.find_all(exp.Anonymous))


def _moves_sequence(movers: list[str], table: str, sequence: str) -> bool:
    """Does a statement of the file set the sequence (setval, ALTER SEQUENCE ... RESTART, ALTER COLUMN ... RESTART)?
    A routine or DO block calling setval is taken to set it: which sequence it names is decided at run time."""
    names = (bare_name(table).lower(), bare_name(sequence).lower())
    for text in movers:
        if "setval" in text and (any(name in text for name in names) or re.match(r"\s*(do|create)\b", text)):
            return True
        if "restart" in text and re.match(r"\s*alter\s+(sequence|table)\b", text) and any(name in text for name in names):
            return True
    return False


def _restores_deleted_rows(context: FileContext, table: str) -> bool:
    """A down file putting back rows its up file deleted: their ids came from the sequence, which is past them."""
    if not context.is_down or context.counterpart is None:
        return False
    wanted = bare_name(table)
    return any(
        isinstance(op, o.DeleteRows) and bare_name(op.table) == wanted
        for ops in context.reading.of(context.counterpart).values()
        for op in ops
    )
