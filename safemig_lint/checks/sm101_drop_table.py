from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.analysis.schema.effects import Dropped
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History


class DropTable(Rule):
    code = "SM101"
    name = "drop-table"
    severity = Severity.ERROR
    reads_ops = (o.DropTable,)
    summary = "DROP TABLE of a table this migration did not create deletes it and all its rows."

    def check_statement(self, statement: Statement, context: FileContext):
        for op in context.operations(statement):
            if not isinstance(op, o.DropTable) or context.created_in_migration("table", op.table, statement):
                continue
            table = bare_name(op.table)
            # A rebuild in this file is seen even when the history never created the table;
            # the schema model also follows rebuilds spread over several files or versions.
            if is_table_rebuild(table, statement, context):
                continue
            history = context.history
            dropped = _dropped(history.effects_of(context.file, statement), table) if history is not None else None
            if dropped is not None and (dropped.rebuilt_into or dropped.moved_into):
                continue  # its rows live on in the table(s) an INSERT ... SELECT copied them into
            if context.is_down and history is not None and _undone_in_rollback(context, history, statement, op.table, table):
                continue
            where = " (in a down file, and its up file did not create it)" if context.is_down else ""
            left = ""
            if dropped is not None and dropped.unmoved and dropped.unmoved != ("rows",):
                left = f"; the copy of its rows left out column{'s' if len(dropped.unmoved) > 1 else ''} {', '.join(dropped.unmoved)}"
            elif dropped is not None and dropped.unmoved:
                left = "; only some of its rows were copied elsewhere (the copy filters them)"
            yield context.finding(
                statement,
                f"DROP TABLE {shown_name(op.table, op.at)} deletes the table and every row in it{where}{left}",
                "Retire tables in steps: stop reading and writing it in the application, back it up "
                "or rename it, and drop it in a later migration once nothing uses it.",
                op.at,
            )


def _dropped(effects, table: str) -> Dropped | None:
    return next((e for e in effects if isinstance(e, Dropped) and e.kind == "table" and bare_name(e.name) == table), None)


def _undone_in_rollback(context: FileContext, history: History, statement: Statement, key: str, table: str) -> bool:
    """In a down file: the table was created by this version's up or a later one (rolling back past that removes it),
    or, in a full rollback, the down files before this one copied its rows into the table that takes its place."""
    if history.created_at_or_after(context.file.version, key):
        return True
    dropped = _dropped(history.rollback_effects_of(context.file, statement), table)
    return dropped is not None and bool(dropped.rebuilt_into or dropped.moved_into)


def is_table_rebuild(table: str, drop: Statement, context: FileContext) -> bool:
    """Is this DROP one step of rebuilding a table under its old name, its rows kept?

    SQLite changes a table by copying it: create a new table, INSERT ... SELECT the rows,
    drop the old one and rename the new one to the old name (or rename the old one away
    first, then drop it). So: the dropped name is the target of a rename in this file, and
    before the drop its rows (under either name) were copied into another table.
    """
    rebuilds = context.table_rebuilds
    renamed_from = rebuilds.renamed_from.get(table)
    if not renamed_from:
        return False
    return any(rebuilds.first_copied.get(name, drop.start) < drop.start for name in (table, *renamed_from))


class TableRebuilds:
    """What is_table_rebuild asks of a file, gathered in one pass over its ops (a pass per DROP made
    files of many drops quadratic). Names are bare."""

    def __init__(self, operations: dict[int, list[o.Op]]) -> None:
        self.renamed_from: dict[str, set[str]] = {}  # each new name of a RenameTable: the old names
        self.first_copied: dict[str, int] = {}  # the first statement copying rows out of the table (not into it too)
        for start, ops in operations.items():
            for op in ops:
                if isinstance(op, o.RenameTable):
                    self.renamed_from.setdefault(bare_name(op.new), set()).add(bare_name(op.table))
            targets = {
                bare_name(op.target if isinstance(op, o.CopyRows) else op.table)
                for op in ops
                if isinstance(op, (o.CopyRows, o.CreateTable))
            }
            sources = {bare_name(op.source) for op in ops if isinstance(op, (o.CopyRows, o.CopyOut))}
            for name in sources - targets:
                self.first_copied.setdefault(name, start)
