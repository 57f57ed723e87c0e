from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity


class MissingLockTimeout(Rule):
    code = "SM511"
    name = "missing-lock-timeout"
    severity = Severity.INFO  # advice worth following everywhere, not a defect of the statement
    summary = "A statement that locks an existing table against reads or writes runs without a lock_timeout set earlier in the file."

    def check_file(self, context: FileContext):
        if not context.locks.postgres:
            return
        locks = context.locks
        for statement in locks.locking:  # the others lock nothing
            if locks.lock_timeout_before(statement):
                continue
            lock = next(locks.blocking_locks(statement), None)
            if lock is None:
                continue
            yield locks.finding(
                statement,
                lock.table,
                f"this statement waits for {'an' if lock.mode[0] in 'AE' else 'a'} {lock.mode} lock on {lock.table} with no lock_timeout: while it "
                f"waits behind a long-running query or transaction, every other query on {lock.table} queues "
                f"behind it, and the application stalls",
                "Start the file with `SET lock_timeout = '5s';` (or a limit that suits the application): the "
                "migration then fails fast instead of blocking everyone, and can be retried later. Set it in "
                "the file itself: golang-migrate runs the file on one connection, so the setting holds for "
                "every statement after it.",
                lock.at,
            )
            return  # one finding per file: one SET fixes them all
