import re

from safemig_lint.analysis.locks import altered_table, mysql_clauses, mysql_type_change
from safemig_lint.analysis.schema.effects import TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

_CONVERT = re.compile(r"\bCONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\b", re.IGNORECASE)


class MysqlCopiesTable(Rule):
    code = "SM520"
    name = "mysql-copies-table"
    severity = Severity.WARNING
    summary = "MySQL runs this ALTER TABLE with ALGORITHM=COPY (or a blocking LOCK): writes to the table wait until every row is copied."

    def check_statement(self, statement: Statement, context: FileContext):
        if context.dialect != "mysql" or not statement.keywords[:1] == ["ALTER"]:
            return
        clauses = mysql_clauses(statement)
        if clauses.refuses_copy:
            return  # MySQL fails the statement instead of blocking; nothing is locked
        locks = context.locks
        table, reasons, node = "", [], None
        ops = context.operations(statement)
        adds_primary = any(isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "primary" for op in ops)
        for op in ops:
            table = table or getattr(op, "table", "")
            if isinstance(op, o.AddColumn) and op.stored:
                reasons.append(f"adding the stored generated column {op.column.name}")
            elif isinstance(op, o.AddColumn) and op.identity:
                reasons.append(f"adding the AUTO_INCREMENT column {op.column.name}")
            elif isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "foreign":
                if not locks.foreign_key_checks_off_before(statement):
                    reasons.append("adding a foreign key while foreign_key_checks is on")
            elif isinstance(op, o.DropConstraint) and op.kind == "primary" and not adds_primary:
                reasons.append("dropping the primary key without adding another in the same statement")
            else:
                continue
            node = node or op.node
        if context.history is not None:
            for effect in context.history.effects_of(context.file, statement):
                if isinstance(effect, TypeChanged) and mysql_type_change(effect.old, effect.new) == "COPY":
                    table = table or effect.table
                    reasons.append(f"changing {effect.column} from {effect.old.sql} to {effect.new.sql}")
                    node = node or effect.node
        if _CONVERT.search(statement.text):
            reasons.append("converting the table's character set")
        forced = clauses.forces_blocking
        if forced:
            reasons.append(forced)
        if not reasons:
            return
        table = table or altered_table(statement, locks.names)
        if table and locks.lock_is_moot(statement, table):
            return
        yield locks.finding(
            statement,
            table,
            f"{'; '.join(reasons)}: MySQL {locks.mysql_version_text} cannot do this online, it copies or rebuilds "
            f"{table or 'the table'} without letting writes through, so inserts, updates and deletes wait until "
            f"every row is done",
            "On a large table run the change with an online schema change tool (gh-ost or "
            "pt-online-schema-change) instead of a migration, or add `ALGORITHM=INPLACE, LOCK=NONE` so "
            "that MySQL refuses the statement rather than block writes. For a foreign key, "
            "`SET foreign_key_checks = 0` before it lets MySQL add it in place (existing rows are then not checked).",
            node,
        )
