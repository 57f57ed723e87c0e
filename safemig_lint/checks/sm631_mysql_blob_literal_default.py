from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp

from safemig_lint.analysis.digests import digest, pointing_at
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.columns import column_after_file
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import DEFAULT_MYSQL_VERSION, is_mariadb, mysql_server
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names

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
        if statement.error is not None:
            return
        configured = context.config.mysql_version if context.config is not None else None
        version = tuple(configured or DEFAULT_MYSQL_VERSION)
        if is_mariadb(version) and version >= MARIADB_BLOB_DEFAULTS:
            return
        server = mysql_server(configured)
        for default in _blob_defaults(statement, context.names):
            problem = _refused(default.literal, version)
            if problem is None:
                continue
            type_name = default.type_name
            if default.altered is not None:  # SET DEFAULT: the column's type after the file decides
                known = column_after_file(context, default.altered, default.column)
                type_name = known.type.base if known is not None and known.type is not None else ""
                if type_name not in _MODEL_NAMES:
                    continue
            yield self._finding(context, statement, default.at, default.column, type_name, problem, server)

    def _finding(self, context, statement, at, column, type_name, problem, server):
        finding = context.finding(
            statement,
            f"{server} rejects {problem} on {column}, a {type_name} column (error 1101: BLOB, TEXT, GEOMETRY or JSON "
            f"column '{column}' can't have a default value)",
            "Leave the default out and let the application write the value, or, on MySQL 8.0.13 and later, write it "
            "as an expression in parentheses: `DEFAULT ('')`.",
        )
        return pointing_at(context, finding, at)


class _Default(NamedTuple):
    """A default MySQL may refuse (_refused): on a column of a type without literal defaults, or set by ALTER COLUMN."""

    column: str  # as a model key
    literal: str | None  # the literal as written; None: an expression in parentheses
    type_name: str  # the column's type as written (its definition's); '' for SET DEFAULT
    altered: str | None  # for SET DEFAULT, the table ('' outside ALTER TABLE); None: a column definition
    at: tuple[int, int] | None  # where the column definition or ALTER COLUMN is written


@digest(takes=lambda statement, names: statement.expression is not None, serves=("SM631",), dialects=("mysql",), absent=(), memo=False)
def _blob_defaults(statement: Statement, names: Names | None) -> tuple[_Default, ...]:
    """The statement's literal and parenthesized defaults of TEXT, BLOB, JSON and GEOMETRY column definitions, then
    its SET DEFAULTs (whose column's type is known only after the file), in the tree's order."""
    assert names is not None  # the rule passes its file's names
    found = []
    for column in statement.nodes(exp.ColumnDef):
        kind = column.args.get("kind")
        if not isinstance(kind, exp.DataType) or kind.this not in _NO_LITERAL_DEFAULT:
            continue
        for constraint in column.args.get("constraints") or []:
            default = constraint.args.get("kind")
            value = default.this if isinstance(default, exp.DefaultColumnConstraint) else None
            if value is not None and not isinstance(value, exp.Null):
                found.append(
                    _Default(names.ident(column.this), _literal(value), kind.sql(dialect="mysql"), None, identifiers_extent(column))
                )
    alter = statement.expression
    for change in statement.nodes(exp.AlterColumn):
        value = change.args.get("default")
        if value is not None and not isinstance(value, exp.Null):
            table = names.table(alter.this) if isinstance(alter, exp.Alter) else ""
            found.append(_Default(names.ident(change.this), _literal(value), "", table, identifiers_extent(change)))
    return tuple(found)


def _literal(value: exp.Expr) -> str | None:
    """A default as _refused reads it: the literal as written, or None for an expression in parentheses."""
    return None if isinstance(value, exp.Paren) else value.sql(dialect="mysql")


def _refused(literal: str | None, version: tuple[int, ...]) -> str | None:
    """What MySQL refuses in a default (_literal), or None: a literal never works; an expression in parentheses from 8.0.13."""
    if literal is None:
        return None if is_mariadb(version) or version >= EXPRESSION_DEFAULTS else "an expression default before MySQL 8.0.13"
    return f"the literal default {literal}"
