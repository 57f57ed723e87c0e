from safemig_lint.analysis.locks import add_column_rewrite
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class AddColumnRewritesTable(Rule):
    code = "SM506"
    name = "add-column-rewrites-table"
    severity = Severity.WARNING
    reads_ops = (o.AddColumn,)
    summary = "ADD COLUMN with a volatile default, a serial, identity or stored generated column (or any default before PostgreSQL 11) rewrites the whole table under an ACCESS EXCLUSIVE lock."

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        # One finding per table and statement: PostgreSQL rewrites the table once, however many
        # of the columns the statement adds need it.
        rewrites: dict[str, list[tuple[o.AddColumn, str]]] = {}
        for op in locks.live_ops(statement, o.AddColumn):
            reason = add_column_rewrite(op, locks.postgres_version)
            if reason is not None:
                rewrites.setdefault(op.table, []).append((op, reason))
        for table, found in rewrites.items():
            why = "; ".join(f"adding {table}.{op.column.name} {reason}" for op, reason in found)
            yield locks.finding(
                statement,
                table,
                f"{why}, so PostgreSQL rewrites every row of {table} (and rebuilds its indexes) while holding an "
                "ACCESS EXCLUSIVE lock: no query can read or write it meanwhile",
                "Add the column without the default (or as a plain nullable column), set the default in a "
                "second statement (`ALTER COLUMN ... SET DEFAULT`, which only applies to new rows), and fill "
                "existing rows in batches from later migrations or the application.",
                found[0][0].at,
            )
