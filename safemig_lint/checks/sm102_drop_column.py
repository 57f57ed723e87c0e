from safemig_lint.analysis.schema.effects import Dropped
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class DropColumn(Rule):
    code = "SM102"
    name = "drop-column"
    severity = Severity.ERROR
    reads_ops = (o.DropColumn,)
    summary = "Dropping a column this migration did not add deletes its data and breaks code still reading it."

    def check_statement(self, statement: Statement, context: FileContext):
        for op in context.operations(statement):
            if not isinstance(op, o.DropColumn) or context.created_in_migration("column", f"{op.table}.{op.column}", statement):
                continue
            if swapped_out(op, statement, context):
                continue
            if (
                context.is_down
                and context.history is not None
                and context.history.created_at_or_after(context.file.version, op.table, op.column)
            ):
                continue  # created by this version's up or a later one: rolling back past it removes it
            moved = _moved(op, statement, context)
            if _renamed_into_place(op, statement, context, moved):
                continue  # a copy made earlier takes the column's name: clients see no change
            data = f": its values were copied into {', '.join(moved)} first, but" if moved else " deletes its data;"
            yield context.finding(
                statement,
                f"dropping column {op.column} of {shown_name(op.table)}{data} the running application version may still read or write it",
                "Stop using the column in the application first, deploy, then drop it in a later "
                "migration (and keep a backup of its data if it may be needed).",
                op.at,
            )


def _moved(drop: o.DropColumn, statement: Statement, context: FileContext) -> tuple[str, ...]:
    """Where the column's values were copied before the drop (UPDATE ... SET other = f(column), INSERT ... SELECT
    column ...), into places still there: its data lives on, though clients reading the column break."""
    history = context.history
    effects = history.effects_of(context.file, statement) if history is not None else ()
    found = (e for e in effects if isinstance(e, Dropped) and e.kind == "column" and e.name == drop.column and e.table == drop.table)
    return next((e.moved_into for e in found if e.moved_into), ())


def _renamed_into_place(drop: o.DropColumn, statement: Statement, context: FileContext, moved: tuple[str, ...]) -> bool:
    """Does a column of the same table holding the dropped column's values (filled by an earlier file, say) take
    its name later in this file: a swap spread over several files?"""
    copies = {place.rpartition(".")[2] for place in moved if place.rpartition(".")[0] == drop.table}
    if not copies:
        return False
    for start, ops in context.reading.of(context.parsed).items():
        if start > statement.start:
            for op in ops:
                if (renamed := _renamed(op, drop.table)) is not None and renamed[0] in copies and renamed[1] == drop.column:
                    return True
    return False


def swapped_out(drop: o.DropColumn, statement: Statement, context: FileContext) -> bool:
    """Is this drop one step of swapping a column for a new one, its values copied across?

    Rename the old column away, add the new one under the old name, copy the values over
    (with a cast), drop the old one; or add the new one, copy, drop the old one and rename
    the new one to the old name. Either way the copy ends up under the name the dropped column
    had: no data is lost, and clients see the same column name.
    """
    steps = context.column_steps
    at = steps.position[id(drop)]
    renames = steps.renames.get(drop.table, [])
    original = drop.column
    for index, renamed in reversed(renames):  # the name the dropped column had when the file began
        if index < at and renamed[1] == original:
            original = renamed[0]
    for index, op in steps.fills.get(drop.table, []):
        if index >= at or op.column == drop.column:
            continue
        if not any(read.rpartition(".")[2] == drop.column for read in op.reads):
            continue
        final = op.column  # the name the copy ends up with
        for later, renamed in renames:
            if later > index and renamed[0] == final:
                final = renamed[1]
        if final == original:
            return True
    return False


class ColumnSteps:
    """A file's column drops' places among its ops, found by identity, with each table's column renames and copies
    of values in order: looked up per dropped column, not searched for among every op of the file."""

    def __init__(self, operations: dict[int, list[o.Op]]) -> None:
        self.position: dict[int, int] = {}  # drops only: every op's would be 14 MB on a 5 MB file
        self.renames: dict[str, list[tuple[int, tuple[str, str]]]] = {}  # table -> (position, (old, new))
        self.fills: dict[str, list[tuple[int, o.FillColumn]]] = {}
        steps = [op for ops in operations.values() for op in ops]
        for index, op in enumerate(steps):
            table = getattr(op, "table", None)
            if isinstance(op, o.DropColumn):
                self.position.setdefault(id(op), index)
            elif isinstance(op, o.FillColumn):
                self.fills.setdefault(op.table, []).append((index, op))
            elif isinstance(table, str) and (renamed := _renamed(op, table)) is not None:
                self.renames.setdefault(table, []).append((index, renamed))


def _renamed(op: o.Op, table: str) -> tuple[str, str] | None:
    """(old, new) when the op renames a column of `table`."""
    if isinstance(op, o.RenameColumn) and op.table == table:
        return op.column, op.new
    if isinstance(op, o.ReplaceColumn) and op.table == table and op.definition.name != op.column:
        return op.column, op.definition.name
    return None
