from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp

from safemig_lint.analysis.digests import digest, pointing_at
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import mysql_server
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names


class MysqlInlineReferencesIgnored(Rule):
    code = "SM630"
    name = "mysql-inline-references-ignored"
    severity = Severity.WARNING
    summary = "MySQL (before 9.0) and MariaDB (before 10.5) parse a column's own REFERENCES and ignore it: no foreign key is created."
    dialects = frozenset({"mysql"})

    def check_statement(self, statement: Statement, context: FileContext):
        if context.reading.inline_foreign_keys or statement.error is not None:
            return
        for reference in _inline_references(statement, context.names):
            name, spelled, parent = reference.column, reference.spelled, reference.parent
            finding = context.finding(
                statement,
                f"{mysql_server(context.config.mysql_version if context.config else None)} accepts `REFERENCES {parent}` in the definition of {spelled} "
                f"and ignores it: no foreign key is created, and nothing stops {spelled} from pointing at rows that do not exist",
                f"Declare the key as a table constraint, which MySQL creates: "
                f"`FOREIGN KEY ({name}) REFERENCES {parent}{f' ({reference.keys})' if reference.keys else ''}` "
                "(a separate `ADD CONSTRAINT ... FOREIGN KEY` clause in ALTER TABLE).",
            )
            yield pointing_at(context, finding, reference.at)


class _Reference(NamedTuple):
    """A column definition's own REFERENCES."""

    column: str  # the column, as a model key
    spelled: str  # table.column (the column alone outside CREATE and ALTER)
    parent: str  # the table it references, as a model key
    keys: str  # the columns it references, as listed ('' when none are)
    at: tuple[int, int] | None  # where the REFERENCES clause is written


@digest(takes=lambda statement, names: statement.expression is not None, serves=("SM630",), dialects=("mysql",), absent=(), memo=False)
def _inline_references(statement: Statement, names: Names | None) -> tuple[_Reference, ...]:
    """The statement's column definitions' own REFERENCES, in the tree's order."""
    assert names is not None  # the rule passes its file's names
    table = statement.expression.this if isinstance(statement.expression, (exp.Create, exp.Alter)) else None
    found = []
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
            found.append(_Reference(name, spelled, names.table(parent), keys, identifiers_extent(reference)))
    return tuple(found)
