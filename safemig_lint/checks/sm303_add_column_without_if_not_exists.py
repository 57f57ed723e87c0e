from safemig_lint.checks import fixes
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import ADD_COLUMN_IF_NOT_EXISTS
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class AddColumnWithoutIfNotExists(Rule):
    code = "SM303"
    name = "add-column-without-if-not-exists"
    severity = Severity.WARNING
    reads_ops = (o.AddColumn,)
    summary = "ALTER TABLE ... ADD COLUMN without IF NOT EXISTS fails when run again (PostgreSQL)."
    fixable = True

    def check_statement(self, statement: Statement, context: FileContext):
        # Only where golang-migrate can leave this statement applied when a later one fails.
        persists = context.rerun_reason(statement)
        if persists is None:
            return
        if context.dialect not in ADD_COLUMN_IF_NOT_EXISTS:
            return
        for op in context.operations(statement):
            if isinstance(op, o.AddColumn) and not op.if_not_exists:
                table, column = shown_name(op.table), op.column.name
                yield context.finding(
                    statement,
                    f"ADD COLUMN {column} to {table} fails with 'already exists' if this migration "
                    f"is run again after failing part-way ({persists})",
                    f"Write `ADD COLUMN IF NOT EXISTS {column} ...`.",
                    op.at,
                    fix=fixes.add_column_if_not_exists(statement, op.at, context),
                )
