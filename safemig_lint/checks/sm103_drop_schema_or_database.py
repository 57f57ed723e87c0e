from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class DropSchemaOrDatabase(Rule):
    code = "SM103"
    name = "drop-schema-or-database"
    severity = Severity.ERROR
    reads_ops = (o.DropObject,)
    summary = "DROP SCHEMA or DROP DATABASE removes every object inside it."

    def check_statement(self, statement: Statement, context: FileContext):
        for op in context.operations(statement):
            if not isinstance(op, o.DropObject) or op.kind != "schema" or context.created_in_migration("schema", op.name, statement):
                continue
            kind = op.written_kind
            yield context.finding(
                statement,
                f"DROP {kind.upper()} {shown_name(op.name, op.at)} deletes every table and row it contains",
                f"Dropping a whole {kind} does not belong in a routine migration: do it by hand, after a backup, once nothing uses it.",
                op.at,
            )
