from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class DropColumn(Rule):
    code = "SM102"
    name = "drop-column"
    severity = Severity.ERROR
    summary = "Dropping a column this migration did not add deletes its data and breaks code still reading it."

    def check_statement(self, statement: Statement, context: FileContext):
        for op in context.operations(statement):
            if not isinstance(op, o.DropColumn) or context.created_in_migration("column", f"{op.table}.{op.column}", statement):
                continue
            if swapped_out(op, statement, context):
                continue
            yield context.finding(
                statement,
                f"dropping column {op.column} of {shown_name(op.table)} deletes its data; the running application "
                "version may still read or write it",
                "Stop using the column in the application first, deploy, then drop it in a later "
                "migration (and keep a backup of its data if it may be needed).",
                op.node,
            )


def swapped_out(drop: o.DropColumn, statement: Statement, context: FileContext) -> bool:
    """Is this drop one step of swapping a column for a new one, its values copied across?

    Rename the old column away, add the new one under the old name, copy the values over
    (with a cast), drop the old one; or add the new one, copy, drop the old one and rename
    the new one to the old name. Either way the copy ends up under the name the dropped column
    had: no data is lost, and clients see the same column name.
    """
    return context.column_swaps.swapped_out(drop)


class ColumnSwaps:
    """A file's column renames and copies (UPDATE t SET new = old), by table, read once per file:
    each DROP COLUMN looks only at its own table's, not at every statement before it."""

    def __init__(self, operations: dict[int, list[o.Op]]) -> None:
        self._at: dict[int, int] = {}  # id(op) -> its position in the file
        self._renames: dict[str, list[tuple[int, str, str]]] = {}  # table -> (position, old, new)
        self._fills: dict[str, list[tuple[int, o.FillColumn]]] = {}
        for position, op in enumerate(op for ops in operations.values() for op in ops):
            self._at[id(op)] = position
            renamed = _renamed(op)
            if renamed is not None:
                self._renames.setdefault(op.table, []).append((position, *renamed))
            elif isinstance(op, o.FillColumn):
                self._fills.setdefault(op.table, []).append((position, op))

    def swapped_out(self, drop: o.DropColumn) -> bool:
        at = self._at[id(drop)]
        renames = self._renames.get(drop.table, [])
        original = drop.column
        for position, old, new in reversed(renames):  # the name the dropped column had when the file began
            if position < at and new == original:
                original = old
        for index, fill in self._fills.get(drop.table, []):
            if index >= at or fill.column == drop.column or not any(read.rpartition(".")[2] == drop.column for read in fill.reads):
                continue
            final = fill.column  # the name the copy ends up with
            for position, old, new in renames:
                if position > index and old == final:
                    final = new
            if final == original:
                return True
        return False


def _renamed(op: o.Op) -> tuple[str, str] | None:
    """(old, new) when the op renames a column."""
    if isinstance(op, o.RenameColumn):
        return op.column, op.new
    if isinstance(op, o.ReplaceColumn) and op.definition.name != op.column:
        return op.column, op.definition.name
    return None
