from safemig_lint.analysis.locks import volatile_call
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import SERIAL_TYPES
from safemig_lint.reading.statements import Statement


class AddColumnRewritesTable(Rule):
    code = "SM506"
    name = "add-column-rewrites-table"
    severity = Severity.WARNING
    summary = "ADD COLUMN with a volatile default, a serial, identity or stored generated column (or any default before PostgreSQL 11) rewrites the whole table under an ACCESS EXCLUSIVE lock."

    def check_statement(self, statement: Statement, context: FileContext):
        if context.dialect != "postgres":
            return
        locks = context.locks
        for op in context.operations(statement):
            if not isinstance(op, o.AddColumn) or locks.is_new(statement, op.table):
                continue
            reason = _rewrite_reason(op, locks.postgres_version)
            if reason is None:
                continue
            yield locks.finding(
                statement,
                op.table,
                f"adding {op.table}.{op.column.name} {reason}, so PostgreSQL rewrites every row of {op.table} "
                f"(and rebuilds its indexes) while holding an ACCESS EXCLUSIVE lock: no query can read or write it meanwhile",
                "Add the column without the default (or as a plain nullable column), set the default in a "
                "second statement (`ALTER COLUMN ... SET DEFAULT`, which only applies to new rows), and fill "
                "existing rows in batches from later migrations or the application.",
                op.node,
            )


def _rewrite_reason(op: o.AddColumn, version: int) -> str | None:
    column = op.column
    if column.type is not None and column.type.base in SERIAL_TYPES:
        return f"as {column.type.sql} fills it from a sequence, row by row"
    if op.identity:
        return "as an identity column numbers every existing row"
    if op.stored:
        return "as a stored generated column computes and writes it into every row"
    if column.default is None:
        return None
    volatile = volatile_call(column.default)
    if volatile:
        return f"with the volatile default {column.default} ({volatile}() is evaluated again for every row)"
    if version < 11:
        return f"with a default ({column.default}) on PostgreSQL {version} (before 11 every default is written into every row)"
    return None
