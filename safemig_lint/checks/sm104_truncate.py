from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

# What else TRUNCATE does, where the dialect makes it worse than a DELETE.
_SIDE_EFFECT = {
    "postgres": ", and takes an ACCESS EXCLUSIVE lock that blocks every read and write of the table",
    "mysql": ", and commits implicitly, so it cannot be rolled back even inside a transaction",
}


class Truncate(Rule):
    code = "SM104"
    name = "truncate"
    severity = Severity.ERROR
    reads_ops = (o.Truncate,)
    summary = "TRUNCATE deletes every row of a table that existed before this migration."

    def check_statement(self, statement: Statement, context: FileContext):
        for op in context.operations(statement):
            if not isinstance(op, o.Truncate) or context.created_in_migration("table", op.table, statement):
                continue
            yield context.finding(
                statement,
                f"TRUNCATE {shown_name(op.table, op.at)} deletes every row and cannot be undone by a down "
                f"migration{_SIDE_EFFECT.get(context.dialect, '')}",
                "Delete only the rows you mean to, with a WHERE clause, in batches; or copy the data aside before emptying the table.",
                op.at,
            )
