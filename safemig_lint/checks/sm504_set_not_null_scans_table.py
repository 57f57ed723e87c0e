import re

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class SetNotNullScansTable(Rule):
    code = "SM504"
    name = "set-not-null-scans-table"
    severity = Severity.WARNING
    reads_ops = (o.AlterColumn,)
    summary = (
        "SET NOT NULL reads the whole table under an ACCESS EXCLUSIVE lock, unless a validated CHECK (c IS NOT NULL) already proves it."
    )

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        for op in locks.live_ops(statement, o.AlterColumn):
            if op.nullable is not False:
                continue
            if locks.postgres_version >= 12 and proven_not_null(context, op.table, op.column):
                continue
            if locks.postgres_version >= 12:
                help = (
                    f"In one migration add `CONSTRAINT {op.column}_not_null CHECK ({op.column} IS NOT NULL) NOT VALID`; "
                    f"in the next `VALIDATE CONSTRAINT {op.column}_not_null` (reads the table without blocking "
                    f"writes); in a third `SET NOT NULL` (PostgreSQL 12+ then skips the scan) and drop the CHECK."
                )
            else:
                help = (
                    "Before PostgreSQL 12 SET NOT NULL always scans the table: keep a validated "
                    "`CHECK (column IS NOT NULL)` constraint instead (added NOT VALID, then validated in a later migration)."
                )
            yield locks.finding(
                statement,
                op.table,
                f"SET NOT NULL on {op.table}.{op.column} reads every row of {op.table} to check for NULLs "
                f"while holding an ACCESS EXCLUSIVE lock: no query can read or write {op.table} until it is done",
                help,
                op.at,
            )


def proven_not_null(context: FileContext, table: str, column: str) -> bool:
    """Does the table hold a CHECK (column IS NOT NULL) from an earlier migration? (SM207 asks too.)"""
    schema = context.locks.schema_before
    known = schema.tables.get(table) if schema is not None else None
    if known is None:
        return False
    wanted = f"{column.lower()} is not null"
    return any(constraint.kind == "check" and _normal(constraint.expression) == wanted for constraint in known.constraints.values())


def _normal(expression: str) -> str:
    return re.sub(r'[\s"()]+', " ", expression.lower()).strip()
