import re

from safemig_lint.analysis.locks import altered_table, mysql_add_column, mysql_clauses, mysql_drop_column
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

_OPTIMIZED = re.compile(r"\s*OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLE\s+([`\w$.]+)", re.IGNORECASE)
_REBUILD_CLAUSE = re.compile(r"\bENGINE\s*=?\s*InnoDB\b|,\s*FORCE\b|\bFORCE\s*$", re.IGNORECASE)


class MysqlRebuildsTable(Rule):
    code = "SM521"
    name = "mysql-rebuilds-table"
    severity = Severity.INFO
    summary = "MySQL rebuilds the whole table in place for this ALTER TABLE on the configured version: writes go on, but it takes time and lags replicas."

    def check_statement(self, statement: Statement, context: FileContext):
        if context.dialect != "mysql" or statement.keywords[:1] not in (["ALTER"], ["OPTIMIZE"]):
            return
        clauses = mysql_clauses(statement)
        if clauses.algorithm == "INSTANT" or clauses.forces_blocking:
            return  # refused when not instant; or SM520's
        locks = context.locks
        version = locks.mysql_version
        reasons, table, node = [], "", None
        for op in context.operations(statement):
            if isinstance(op, o.AddColumn) and not (op.stored or op.identity):
                if mysql_add_column(version, op.after is not None) == "INPLACE":
                    where = "" if op.after is None else " (not at the end)"
                    reasons.append(f"adding the column {op.column.name}{where}")
            elif isinstance(op, o.DropColumn) and mysql_drop_column(version) == "INPLACE":
                reasons.append(f"dropping the column {op.column}")
            elif isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "primary":
                reasons.append("adding a primary key")
            else:
                continue
            table, node = table or op.table, node or op.node
        if statement.keywords[:1] == ["OPTIMIZE"]:
            reasons.append("OPTIMIZE TABLE")
        elif _REBUILD_CLAUSE.search(statement.text):
            reasons.append("ENGINE=InnoDB / FORCE")
        if not reasons:
            return
        optimized = _OPTIMIZED.match(statement.text)
        table = table or altered_table(statement, locks.names) or (locks.names.text(optimized.group(1)) if optimized else "")
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
