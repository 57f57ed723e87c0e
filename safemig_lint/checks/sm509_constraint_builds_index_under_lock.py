from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

_KINDS = {"unique": "UNIQUE constraint", "primary": "PRIMARY KEY", "exclude": "EXCLUDE constraint"}


class ConstraintBuildsIndexUnderLock(Rule):
    code = "SM509"
    name = "constraint-builds-index-under-lock"
    severity = Severity.WARNING
    reads_ops = (o.AddConstraint,)
    summary = "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds its index while holding an ACCESS EXCLUSIVE lock; build the index concurrently and add the constraint USING INDEX."

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        for op in locks.live_ops(statement, o.AddConstraint):
            if op.constraint is None or op.constraint.kind not in _KINDS:
                continue
            kind = op.constraint.kind
            if kind == "exclude":
                help = (
                    "An exclusion constraint cannot use an existing index: add it while the table is small, "
                    "or enforce the rule another way (a unique index built CONCURRENTLY, a trigger)."
                )
            else:
                help = (
                    "Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY ... ` in a migration file of its "
                    f"own, then add the constraint in a later one with `ADD CONSTRAINT ... {'PRIMARY KEY' if kind == 'primary' else 'UNIQUE'} "
                    "USING INDEX ...`, which only takes the lock for a moment."
                )
            yield locks.finding(
                statement,
                op.table,
                f"adding a {_KINDS[kind]} on {op.table} builds its index while holding an ACCESS EXCLUSIVE "
                f"lock: no query can read or write {op.table} until every row has been indexed",
                help,
                op.at,
            )
