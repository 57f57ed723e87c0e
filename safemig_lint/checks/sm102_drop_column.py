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
    """Is this the last step of swapping a column for a new one, its values copied across?

    Rename the old column away, add the new one under the old name, copy the values over
    (with a cast), drop the old one: no data is lost, and no client knew the name dropped.
    """
    renamed = copied = False
    for start, ops in context.reading.of(context.parsed).items():
        if start >= statement.start:
            break
        for op in ops:
            if op_renames_to(op, drop.table, drop.column):
                renamed = True
            elif isinstance(op, o.FillColumn) and op.table == drop.table and op.column != drop.column:
                copied = copied or any(read.rpartition(".")[2] == drop.column for read in op.reads)
    return renamed and copied


def op_renames_to(op: o.Op, table: str, column: str) -> bool:
    if isinstance(op, o.RenameColumn):
        return op.table == table and op.new == column
    return isinstance(op, o.ReplaceColumn) and op.table == table and op.definition.name == column != op.column
