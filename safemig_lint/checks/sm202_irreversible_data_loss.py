from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.analysis.schema.effects import (
    Created,
    Dropped,
    Effect,
    RowsCopied,
    TypeChanged,
)
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import Database, Table
from safemig_lint.operations.types import holds, same_family, text_limit
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History

_HELP = (
    "Take a backup before the migration if the data may be needed again. Better, use expand and "
    "contract: stop using the {what} in the application first, and remove it in a later release, "
    "once rolling back to a version that needs it is no longer an option."
)


class IrreversibleDataLoss(Rule):
    code = "SM202"
    name = "irreversible-data-loss"
    severity = Severity.WARNING
    summary = "Data the up migration deletes cannot come back: its down migration can at best recreate an empty structure."
    reads_effects = (Dropped, Created, TypeChanged)  # lost in a rebuild; recreated empty by a down

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None:
            return
        effects = history.effects_of(context.file, statement)
        yield from self._lost_in_rebuild(effects, statement, context, history)
        if context.is_down:
            yield from self._recreated_empty(effects, statement, context, history)

    def _lost_in_rebuild(self, effects: list[Effect], statement: Statement, context: FileContext, history: History):
        """A table rebuild whose copy leaves out columns that held data before the migration."""
        for effect in effects:
            if not (isinstance(effect, Dropped) and effect.rebuilt_into and effect.lost_columns):
                continue  # most statements it reads (a table created): the schema before is not looked up
            old, dropped = history.before(context.file.version).tables.get(effect.name), effect.before
            # Only columns that held data before the migration: the same columns, not new ones of that name.
            lost = [
                c
                for c in effect.lost_columns
                if old is not None
                and isinstance(dropped, Table)
                and not old.unknown
                and c in old.columns
                and old.columns[c].cid == dropped.columns[c].cid
            ]
            if lost:
                columns = ", ".join(lost)
                yield context.finding(
                    statement,
                    f"this rebuild of {effect.name} does not copy column{'s' if len(lost) > 1 else ''} {columns} "
                    f"into the new table; dropping {effect.name} deletes their data for good",
                    "If they are meant to go, this is a column drop: stop using them in the application "
                    "and drop them in a later release, after a backup. Otherwise add them to the new "
                    "table and to the INSERT ... SELECT.",
                    effect.at,
                )

    def _lost_and_refilled(self, context: FileContext, history: History) -> tuple[set[tuple], set[str]]:
        """Computed once per down file, not once per statement (a rule instance serves one directory)."""
        if getattr(self, "_for_file", (None,))[0] is not context.file:
            self._for_file = (context.file, _lost_and_refilled_by_file(context, history))
        return self._for_file[1]

    def _moved_by_up(self, context: FileContext, history: History) -> dict[tuple[str, str], tuple[str, ...]]:
        """(table, column) -> where the up moved the values of each column it drops (once per down file)."""
        if getattr(self, "_moves_for", (None,))[0] is not context.file:
            effects = history.up_effects(context.file.version)
            moves = {(e.table, e.name): e.moved_into for e in effects if isinstance(e, Dropped) and e.kind == "column" and e.moved_into}
            self._moves_for = (context.file, moves)
        return self._moves_for[1]

    def _recreated_empty(self, effects: list[Effect], statement: Statement, context: FileContext, history: History):
        """The down brings back a structure the up emptied: the data stays lost."""
        lost, refilled = self._lost_and_refilled(context, history)
        for effect in effects:
            if isinstance(effect, Created) and effect.kind == "table" and ("table", effect.name) in lost:
                if effect.name in refilled:
                    continue  # filled again from a copy the up kept
                yield context.finding(
                    statement,
                    f"this down migration recreates table {effect.name}, which its up migration drops: "
                    "rolling back brings the table back empty, and its rows are gone",
                    _HELP.format(what="table"),
                    effect.at,
                )
            elif isinstance(effect, Created) and effect.kind == "column" and ("column", effect.table, effect.name) in lost:
                if (effect.table, effect.name) in _refilled_columns(context, self._moved_by_up(context, history)):
                    continue  # filled again from data kept in another table, or in the column the up moved it to
                yield context.finding(
                    statement,
                    f"this down migration adds back column {effect.name} of {effect.table}, which its up "
                    "migration drops: rolling back brings the column back empty (or with its default)",
                    _HELP.format(what="column"),
                    effect.at,
                )
            elif isinstance(effect, TypeChanged) and ("type", effect.table, effect.column) in lost:
                yield context.finding(
                    statement,
                    f"this down migration restores {effect.table}.{effect.column} to {effect.new.sql}, but "
                    f"values its up migration cut to fit {effect.old.sql} stay cut",
                    _HELP.format(what="old type") + " Or keep the wider type: it is the safe one.",
                    effect.at,
                )


def _lost_and_refilled_by_file(context: FileContext, history: History) -> tuple[set[tuple], set[str]]:
    version = context.file.version
    before = history.before(version)
    lost = _destroyed_by_up(history.up_effects(version), before, context.dialect)
    down_effects = [e for found in history.effects(context.file).values() for e in found]
    return lost, {e.target for e in down_effects if isinstance(e, RowsCopied)}


def _destroyed_by_up(effects: list[Effect], before: Database, dialect: str) -> set[tuple]:
    """What held data before the migration and was deleted or narrowed by its up file."""
    lost: set[tuple] = set()
    for effect in effects:
        if isinstance(effect, Dropped) and effect.kind == "table" and isinstance(effect.before, Table):
            if effect.name in before.tables and not effect.rebuilt_into and not effect.copied_into and not effect.moved_into:
                lost.add(("table", effect.name))
        elif isinstance(effect, Dropped) and effect.kind == "column" and effect.before is not None:
            table = before.tables.get(effect.table)
            if table is not None and effect.name in table.columns:
                lost.add(("column", effect.table, effect.name))
        elif isinstance(effect, TypeChanged) and holds(effect.old, effect.new, dialect) is False:
            if (
                dialect == "postgres"
                and not effect.using
                and text_limit(effect.new, dialect) is not None
                and same_family(effect.old, effect.new, dialect)
            ):
                continue  # PostgreSQL refuses a longer value rather than cutting it: if the up ran, nothing was cut
            lost.add(("type", effect.table, effect.column))
    return lost


def _refilled_columns(context: FileContext, moved: dict[tuple[str, str], tuple[str, ...]]) -> set[tuple[str, str]]:
    """(table, column) of the columns this file fills from another table (UPDATE t SET c = keep.c FROM keep ...),
    or from the column its up moved the values to (UPDATE t SET c = c_new).

    Otherwise only another table can hold what the up kept aside; values computed from the row
    itself (or from nothing) are new values, not the lost ones.
    """
    refilled = set()
    for ops in context.reading.of(context.parsed).values():
        for op in ops:
            if not isinstance(op, o.FillColumn):
                continue
            holders = {place.rpartition(".")[2] for place in moved.get((op.table, op.column), ())}
            if any("." in read or read in holders for read in op.reads):
                refilled.add((op.table, op.column))
    return refilled
