from safemig_lint.analysis.locks import mysql_alter
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class MysqlCopiesTable(Rule):
    code = "SM520"
    name = "mysql-copies-table"
    severity = Severity.WARNING
    summary = "MySQL runs this ALTER TABLE with ALGORITHM=COPY (or a blocking LOCK): writes to the table wait until every row is copied."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        plan = mysql_alter(statement, locks)
        if plan is None or plan.clauses.refuses_copy:
            return  # MySQL fails the statement instead of blocking; nothing is locked
        reasons = list(plan.copies)
        forced = plan.clauses.forces_blocking
        if forced:
            reasons.append(forced)
        if not reasons or (plan.table and locks.lock_is_moot(statement, plan.table)):
            return
        yield locks.finding(
            statement,
            plan.table,
            f"{'; '.join(reasons)}: MySQL {locks.mysql_version_text} cannot do this online, it copies or rebuilds "
            f"{plan.table or 'the table'} without letting writes through, so inserts, updates and deletes wait until "
            f"every row is done",
            "On a large table run the change with an online schema change tool (gh-ost or "
            "pt-online-schema-change) instead of a migration, or add `ALGORITHM=INPLACE, LOCK=NONE` so "
            "that MySQL refuses the statement rather than block writes. For a foreign key, "
            "`SET foreign_key_checks = 0` before it lets MySQL add it in place (existing rows are then not checked).",
            plan.copy_at,
        )
