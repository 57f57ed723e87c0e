from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class DropIndexWithoutConcurrently(Rule):
    code = "SM502"
    name = "drop-index-without-concurrently"
    severity = Severity.WARNING
    reads_ops = (o.DropIndex,)
    summary = "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table, blocking reads and writes."

    def check_statement(self, statement: Statement, context: FileContext):
        if not context.locks.postgres:
            return
        locks = context.locks
        for op in context.operations(statement):
            if not isinstance(op, o.DropIndex) or op.concurrently or locks.index_is_new(statement, op.name):
                continue
            if locks.index_gone_before(statement, op.name):
                continue  # gone with its table or column earlier in the file: this drop finds nothing to lock
            table = locks.table_of_index(statement, op.name, op.table)
            if table and (locks.lock_is_moot(statement, table) or locks.held_before(statement, table)):
                continue  # an earlier statement of its transaction already holds the lock: SM512 speaks of that
            on = table or "its table"
            yield locks.finding(
                statement,
                table,
                f"DROP INDEX {op.name} takes an ACCESS EXCLUSIVE lock on {on}: it waits for every running "
                f"query on {on} to finish, and every query after it waits for the drop",
                "Use `DROP INDEX CONCURRENTLY IF EXISTS` in a migration file of its own (PostgreSQL refuses "
                "CONCURRENTLY inside the transaction golang-migrate runs a multi-statement file in).",
                op.at,
            )
