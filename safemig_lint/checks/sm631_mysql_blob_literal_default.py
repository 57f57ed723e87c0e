from sqlglot import exp

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.columns import column_after_file
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import DEFAULT_MYSQL_VERSION, is_mariadb, mysql_server
from safemig_lint.reading.statements import Statement

# The types MySQL gives no literal default (error 1101, ER_BLOB_CANT_HAVE_DEFAULT), as sqlglot names them.
_NO_LITERAL_DEFAULT = {
    exp.DataType.Type.TINYTEXT,
    exp.DataType.Type.TEXT,
    exp.DataType.Type.MEDIUMTEXT,
    exp.DataType.Type.LONGTEXT,
    exp.DataType.Type.TINYBLOB,
    exp.DataType.Type.BLOB,
    exp.DataType.Type.MEDIUMBLOB,
    exp.DataType.Type.LONGBLOB,
    exp.DataType.Type.JSON,
    exp.DataType.Type.GEOMETRY,
}
_MODEL_NAMES = {t.value for t in _NO_LITERAL_DEFAULT}
EXPRESSION_DEFAULTS = (8, 0, 13)  # DEFAULT (expression), also on these types
MARIADB_BLOB_DEFAULTS = (10, 2, 1)  # MariaDB accepts a literal default on BLOB and TEXT (and JSON, a LONGTEXT) from here


class MysqlBlobLiteralDefault(Rule):
    code = "SM631"
    name = "mysql-blob-literal-default"
    severity = Severity.ERROR
    summary = "MySQL rejects a literal DEFAULT on a TEXT, BLOB, JSON or GEOMETRY column; only an expression default in parentheses (8.0.13+) is allowed."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        if statement.expression is None or statement.error is not None:
            return
        configured = context.config.mysql_version if context.config is not None else None
        version = tuple(configured or DEFAULT_MYSQL_VERSION)
        if is_mariadb(version) and version >= MARIADB_BLOB_DEFAULTS:
            return
        server = mysql_server(configured)
        for column in statement.nodes(exp.ColumnDef):
            kind = column.args.get("kind")
            if not isinstance(kind, exp.DataType) or kind.this not in _NO_LITERAL_DEFAULT:
                continue
            for constraint in column.args.get("constraints") or []:
                default = constraint.args.get("kind")
                if isinstance(default, exp.DefaultColumnConstraint):
                    problem = _refused(default.this, version)
                    if problem:
                        yield self._finding(
                            context, statement, column, context.names.ident(column.this), kind.sql(dialect="mysql"), problem, server
                        )
        for change in statement.nodes(exp.AlterColumn):
            value = change.args.get("default")
            problem = _refused(value, version) if value is not None else None
            if problem is None:
                continue
            alter = statement.expression
            table = context.names.table(alter.this) if isinstance(alter, exp.Alter) else ""
            known = column_after_file(context, table, context.names.ident(change.this))
            ctype = known.type.base if known is not None and known.type is not None else ""
            if ctype in _MODEL_NAMES:
                yield self._finding(context, statement, change, context.names.ident(change.this), ctype, problem, server)

    def _finding(self, context, statement, node, column, type_name, problem, server):
        return context.finding(
            statement,
            f"{server} rejects {problem} on {column}, a {type_name} column (error 1101: BLOB, TEXT, GEOMETRY or JSON "
            f"column '{column}' can't have a default value)",
            "Leave the default out and let the application write the value, or, on MySQL 8.0.13 and later, write it "
            "as an expression in parentheses: `DEFAULT ('')`.",
            node,
        )


def _refused(value: exp.Expr | None, version: tuple[int, ...]) -> str | None:
    """What MySQL refuses in this default, or None: a literal never works; an expression in parentheses from 8.0.13."""
    if value is None or isinstance(value, exp.Null):
        return None
    if isinstance(value, exp.Paren):
        return None if is_mariadb(version) or version >= EXPRESSION_DEFAULTS else "an expression default before MySQL 8.0.13"
    return f"the literal default {value.sql(dialect='mysql')}"
