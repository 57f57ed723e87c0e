from sqlglot import exp

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import mysql_server
from safemig_lint.reading.statements import Statement


class MysqlInlineReferencesIgnored(Rule):
    code = "SM630"
    name = "mysql-inline-references-ignored"
    severity = Severity.WARNING
    summary = "MySQL (before 9.0) and MariaDB (before 10.5) parse a column's own REFERENCES and ignore it: no foreign key is created."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        if context.reading.inline_foreign_keys or statement.expression is None or statement.error is not None:
            return
        names = context.names
        table = statement.expression.this if isinstance(statement.expression, (exp.Create, exp.Alter)) else None
        for column in statement.nodes(exp.ColumnDef):
            for constraint in column.args.get("constraints") or []:
                reference = constraint.args.get("kind")
                if not isinstance(reference, exp.Reference):
                    continue
                target = reference.this
                parent = target.this if isinstance(target, exp.Schema) else target
                name = names.ident(column.this)
                spelled = f"{names.table(table)}.{name}" if table is not None else name
                keys = ", ".join(names.ident(c) for c in target.expressions) if isinstance(target, exp.Schema) else ""
                yield context.finding(
                    statement,
                    f"{mysql_server(context.config.mysql_version if context.config else None)} accepts `REFERENCES {names.table(parent)}` in the definition of {spelled} "
                    f"and ignores it: no foreign key is created, and nothing stops {spelled} from pointing at rows that do not exist",
                    f"Declare the key as a table constraint, which MySQL creates: "
                    f"`FOREIGN KEY ({name}) REFERENCES {names.table(parent)}{f' ({keys})' if keys else ''}` "
                    "(a separate `ADD CONSTRAINT ... FOREIGN KEY` clause in ALTER TABLE).",
                    reference,
                )
