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
            yield context.finding(
                statement,
                f"dropping column {op.column} of {shown_name(op.table)} deletes its data; the running application "
                "version may still read or write it",
                "Stop using the column in the application first, deploy, then drop it in a later "
                "migration (and keep a backup of its data if it may be needed).",
                op.node,
            )
