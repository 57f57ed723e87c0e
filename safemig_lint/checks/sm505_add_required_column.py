from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import SERIAL_TYPES
from safemig_lint.reading.statements import Statement


class AddRequiredColumn(Rule):
    code = "SM505"
    name = "add-required-column"
    severity = Severity.ERROR
    reads_ops = (o.AddColumn,)
    summary = "ADD COLUMN ... NOT NULL without a default fails on a table that has rows."

    def check_statement(self, statement: Statement, context: FileContext):
        if not context.locks.postgres:
            return
        locks = context.locks
        for op in context.operations(statement):
            if not isinstance(op, o.AddColumn) or locks.is_new(statement, op.table) or locks.emptied_before(statement, op.table):
                continue  # a table created or emptied earlier in the file has no row to fail on
            column = op.column
            fills_itself = column.generated or op.identity or (column.type is not None and column.type.base in SERIAL_TYPES)
            if column.nullable or column.default is not None or fills_itself or column.unknown:
                continue
            yield locks.finding(
                statement,
                op.table,
                f'adding {op.table}.{column.name} as NOT NULL without a default fails with "column contains '
                f'null values" as soon as {op.table} has a row, leaving the migration dirty',
                "Add the column with a constant default (`DEFAULT ...`, no rewrite on PostgreSQL 11+), or add it "
                "nullable, fill it in batches, and make it NOT NULL in a later migration (see SM504).",
                op.at,
            )
