from safemig_lint.analysis.locks import ACCESS_EXCLUSIVE
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity


class LockHeldAcrossStatements(Rule):
    code = "SM512"
    name = "lock-held-across-statements"
    severity = Severity.WARNING
    summary = "An ACCESS EXCLUSIVE lock taken earlier in the same transaction is still held while this statement waits for another lock or works through a whole table."

    def check_file(self, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        execution = context.execution
        held: dict[str, int] = {}  # table -> line where the open transaction locked it ACCESS EXCLUSIVE
        transaction = None
        reported: set[int] = set()  # one finding per transaction: splitting the file fixes them all
        for statement in context.parsed.statements:
            current = execution.transaction_id(statement)
            if current is None or current != transaction:
                held, transaction = {}, current
            if current is None:
                continue
            taken = locks.postgres_locks(statement)
            if held and current not in reported:
                finding = self._hazard(statement, context, held)
                if finding is not None:
                    reported.add(current)
                    yield finding
            line = context.span(statement.start, statement.end).line
            for lock in taken:
                if lock.mode == ACCESS_EXCLUSIVE:
                    held.setdefault(lock.table, line)

    def _hazard(self, statement, context: FileContext, held: dict[str, int]):
        locks = context.locks
        first_line = next(iter(held.values()))
        blocked = ", ".join(held)
        why = (
            f"the ACCESS EXCLUSIVE lock on {blocked} taken on line {first_line} is held until the transaction "
            f"commits (golang-migrate runs a multi-statement file as one transaction)"
        )
        help = (
            "Put each statement that locks a busy table in a migration file of its own (or commit between "
            "them), and keep backfills and index builds out of files that take an ACCESS EXCLUSIVE lock."
        )
        slow = locks.slow_work(statement)
        if slow is not None:
            table, what = slow
            return locks.finding(
                statement,
                table,
                f"this statement {what} {table} while {why}: no query can read or write {blocked} until it finishes",
                help,
            )
        waiting = [lock for lock in locks.blocking_locks(statement) if lock.table not in held]
        if waiting and not locks.lock_timeout_before(statement):
            lock = waiting[0]
            return locks.finding(
                statement,
                lock.table,
                f"this statement waits for {'an' if lock.mode[0] in 'AE' else 'a'} {lock.mode} lock on {lock.table} while {why}: if it has to wait, "
                f"every query on {blocked} waits with it",
                help + " A `SET lock_timeout` at the top of the file bounds the wait.",
                lock.node,
            )
        return None
