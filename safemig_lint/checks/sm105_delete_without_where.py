from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class DeleteWithoutWhere(Rule):
    code = "SM105"
    name = "delete-without-where"
    severity = Severity.WARNING
    reads_tokens = frozenset({TokenType.DELETE})  # a DELETE node comes from a DELETE keyword
    summary = "DELETE without WHERE removes every row of the table."

    def check_statement(self, statement: Statement, context: FileContext):
        for delete in statement.nodes(exp.Delete):
            # A join (MySQL's multi-table DELETE) limits the rows as a WHERE would.
            if delete.args.get("where") is not None or delete.this.args.get("joins"):
                continue
            table = context.names.table(delete.this)
            if context.created_in_migration("table", table, statement):
                continue
            yield context.finding(
                statement,
                f"DELETE FROM {shown_name(table, delete.this)} has no WHERE clause: it deletes every row",
                "Add a WHERE clause naming the rows to delete (e.g. the seed rows the up file "
                "inserted); to empty a table on purpose, say so with a suppression and a reason.",
                delete.this,
            )
