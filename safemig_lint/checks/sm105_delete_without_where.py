from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.analysis.digests import digest, holding, pointing_at
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names


class DeleteWithoutWhere(Rule):
    code = "SM105"
    name = "delete-without-where"
    severity = Severity.WARNING
    reads_tokens = frozenset({TokenType.DELETE})  # a DELETE node comes from a DELETE keyword
    summary = "DELETE without WHERE removes every row of the table."

    def check_statement(self, statement: Statement, context: FileContext):
        for delete in _every_row_deleted(statement, context.names):
            if context.created_in_migration("table", delete.table, statement):
                continue
            finding = context.finding(
                statement,
                f"DELETE FROM {delete.shown} has no WHERE clause: it deletes every row",
                "Add a WHERE clause naming the rows to delete (e.g. the seed rows the up file "
                "inserted); to empty a table on purpose, say so with a suppression and a reason.",
            )
            yield pointing_at(context, finding, delete.at)


class _Delete(NamedTuple):
    table: str  # a model key
    shown: str  # its name as written (shown_name)
    at: tuple[int, int] | None  # where it is written


@digest(
    takes=holding(TokenType.DELETE), words=("delete",), serves=("SM105",), absent=(), memo=False
)  # a DELETE node comes from a DELETE keyword
def _every_row_deleted(statement: Statement, names: Names | None) -> tuple[_Delete, ...]:
    """The statement's DELETEs with neither a WHERE nor a join (MySQL's multi-table DELETE limits the rows as a WHERE would)."""
    assert names is not None  # the rule passes its file's names
    found = []
    for delete in statement.nodes(exp.Delete):
        if not isinstance(delete.this, exp.Expression):
            continue  # `DELETE x;`, `DELETE NULL;`: sqlglot reads no target (the statement is not valid SQL)
        if delete.args.get("where") is not None or delete.this.args.get("joins"):
            continue
        table = names.table(delete.this)
        found.append(_Delete(table, shown_name(table, delete.this), identifiers_extent(delete.this)))
    return tuple(found)
