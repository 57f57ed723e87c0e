from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class IndexWithoutConcurrently(Rule):
    code = "SM501"
    name = "index-without-concurrently"
    severity = Severity.WARNING
    reads_ops = (o.CreateIndex,)
    summary = "CREATE INDEX without CONCURRENTLY blocks every write to the table until the index is built."

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        for op in locks.live_ops(statement, o.CreateIndex):
            if not op.concurrently:
                yield locks.finding(
                    statement,
                    op.table,
                    f"CREATE INDEX on {op.table} takes a SHARE lock: every INSERT, UPDATE and DELETE on "
                    f"{op.table} waits until the whole table has been read and the index written",
                    "Build it with `CREATE INDEX CONCURRENTLY` in a migration file of its own: golang-migrate "
                    "runs a file of several statements in one transaction, and PostgreSQL refuses "
                    "CONCURRENTLY there. Add `IF NOT EXISTS`, as a failed concurrent build leaves an "
                    "invalid index behind (drop it and run the migration again).",
                    op.at,
                )
