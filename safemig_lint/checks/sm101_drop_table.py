from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.statements import Statement


class DropTable(Rule):
    code = "SM101"
    name = "drop-table"
    severity = Severity.ERROR
    summary = "DROP TABLE of a table this migration did not create deletes it and all its rows."

    def check_statement(self, statement: Statement, context: FileContext):
        for change in context.destroys(statement, "drop", {"table"}):
            where = " (in a down file, and its up file did not create it)" if context.is_down else ""
            yield context.finding(
                statement,
                f"DROP TABLE {change.target.name} deletes the table and every row in it{where}",
                "Retire tables in steps: stop reading and writing it in the application, back it up "
                "or rename it, and drop it in a later migration once nothing uses it.",
                change.node,
            )
