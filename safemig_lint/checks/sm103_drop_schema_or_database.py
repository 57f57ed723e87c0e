from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class DropSchemaOrDatabase(Rule):
    code = "SM103"
    name = "drop-schema-or-database"
    severity = Severity.ERROR
    summary = "DROP SCHEMA or DROP DATABASE removes every object inside it."

    def check_statement(self, statement: Statement, context: FileContext):
        for change in context.destroys(statement, "drop", {"schema", "database"}):
            kind = change.target.kind.upper()
            yield context.finding(
                statement,
                f"DROP {kind} {change.target.name} deletes every table and row it contains",
                f"Dropping a whole {change.target.kind} does not belong in a routine migration: "
                "do it by hand, after a backup, once nothing uses it.",
                change.node,
            )
