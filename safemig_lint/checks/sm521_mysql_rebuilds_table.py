import re

from safemig_lint.analysis.locks import mysql_alter, mysql_clauses
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import Statement

_OPTIMIZED = lazy(r"\s*OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLE\s+([`\w$.]+)", re.IGNORECASE)


class MysqlRebuildsTable(Rule):
    code = "SM521"
    name = "mysql-rebuilds-table"
    severity = Severity.INFO
    summary = "MySQL rebuilds the whole table in place for this ALTER TABLE on the configured version: writes go on, but it takes time and lags replicas."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        if statement.first_word not in ("ALTER", "OPTIMIZE"):
            return
        locks = context.locks
        clauses = mysql_clauses(statement)
        if clauses.algorithm == "INSTANT" or clauses.forces_blocking:
            return  # refused when not instant; or SM520's
        plan = mysql_alter(statement, locks)
        if plan is not None and plan.copies:
            return  # the statement copies the table as a whole: SM520 says so
        reasons = list(plan.rebuilds) if plan is not None else ["OPTIMIZE TABLE"]
        table, node = (plan.table, plan.rebuild_at) if plan is not None else ("", None)
        if not reasons:
            return
        optimized = _OPTIMIZED.match(statement.text)
        table = table or (locks.names.text(optimized.group(1)) if optimized else "")
        if table and locks.lock_is_moot(statement, table):
            return
        yield locks.finding(
            statement,
            table,
            f"{'; '.join(reasons)}: MySQL {locks.mysql_version_text} rebuilds {table or 'the table'} in place. Reads and "
            f"writes go on, but the rebuild takes time in proportion to the table, replicas apply it "
            f"afterwards (lagging meanwhile), and it fails if the writes made during it overflow "
            f"innodb_online_alter_log_max_size",
            "Set `mysql-version` to the server's version: from 8.0.12 adding a column at the end is "
            "INSTANT, and from 8.0.29 adding one anywhere or dropping one is too. On a large table on "
            "an older server, use an online schema change tool (gh-ost, pt-online-schema-change).",
            node,
        )
