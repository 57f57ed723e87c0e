from dataclasses import dataclass, field, replace

from safemig_lint.analysis.locks import ACCESS_EXCLUSIVE
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Related, Severity
from safemig_lint.reading.statements import Statement


@dataclass
class _Transaction:
    held: dict[str, Statement] = field(default_factory=dict)  # table -> the statement that locked it ACCESS EXCLUSIVE first
    hazards: list[tuple[Statement, str, list[str]]] = field(default_factory=list)  # (statement, what it does, tables it keeps blocked)


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
        transactions: dict[int, _Transaction] = {}
        # Nothing is held before the first statement locking a table ACCESS EXCLUSIVE (in most files, none does).
        statements = context.parsed.statements
        first = next((locks.position(s) for s in locks.locking if locks.exclusive_tables(s)), len(statements))
        for statement in statements[first:]:
            current = execution.transaction_id(statement)
            if current is None:
                continue
            transaction = transactions.get(current)
            if transaction is None:  # not setdefault: a _Transaction, its dict and list made for every statement
                transaction = transactions[current] = _Transaction()
            if transaction.held:
                transaction.hazards += self._hazards(statement, context, transaction.held)
            for table in locks.exclusive_tables(statement):
                transaction.held.setdefault(table, statement)
        # One finding per transaction (splitting the file fixes them all), at the statement that takes
        # the lock the transaction then holds, naming what it is held across.
        for transaction in transactions.values():
            if transaction.hazards:
                yield self._finding(context, transaction)

    def _hazards(self, statement: Statement, context: FileContext, held: dict[str, Statement]):
        locks = context.locks
        own = locks.exclusive_tables(statement)
        slow = locks.slow_work(statement)
        if slow is not None:
            table, what = slow
            # A table the statement locks ACCESS EXCLUSIVE itself is blocked for its duration anyway
            # (a second rewrite of the same table): only the others are kept blocked by the earlier lock.
            blocked = [name for name in held if name not in own]
            if blocked:
                yield statement, f"{what} {table}", blocked
            return
        waiting = [lock for lock in locks.blocking_locks(statement) if lock.table not in held]
        if waiting and not locks.lock_timeout_before(statement):
            lock = waiting[0]
            yield statement, f"waits for {'an' if lock.mode[0] in 'AE' else 'a'} {lock.mode} lock on {lock.table}", list(held)

    def _finding(self, context: FileContext, transaction: _Transaction):
        locks = context.locks
        blocked = list(dict.fromkeys(name for _, _, tables in transaction.hazards for name in tables))
        taker = min((transaction.held[name] for name in blocked), key=lambda s: s.start)
        tables = [name for name, statement in transaction.held.items() if statement is taker and name in blocked]
        across = "; ".join(f"line {context.span(s.start, s.end).line}, which {what}" for s, what, _ in transaction.hazards)
        waits = any(what.startswith("waits for") for _, what, _ in transaction.hazards)
        help = (
            "Put each statement that locks a busy table in a migration file of its own (or commit between "
            "them), and keep backfills and index builds out of files that take an ACCESS EXCLUSIVE lock."
        )
        if waits:
            help += " A `SET lock_timeout` at the top of the file bounds the waits."
        finding = locks.finding(
            taker,
            tables[0],
            f"the {ACCESS_EXCLUSIVE} lock this statement takes on {', '.join(tables)} is held until the transaction "
            f"commits (golang-migrate runs a multi-statement file as one transaction), across {across}: no query can "
            f"read or write {', '.join(blocked)} meanwhile",
            help,
        )
        related = tuple(
            Related(context.file.display_path, context.span(s.start, s.end), f"this statement {what} while the lock is held")
            for s, what, _ in transaction.hazards
        )
        return replace(finding, related=related)
