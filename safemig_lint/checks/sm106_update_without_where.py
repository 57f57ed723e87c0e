from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.analysis.digests import digest, holding, pointing_at
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.operations.read import update_targets
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names


class UpdateWithoutWhere(Rule):
    code = "SM106"
    name = "update-without-where"
    severity = Severity.WARNING
    reads_tokens = frozenset({TokenType.UPDATE})  # a UPDATE node comes from a UPDATE keyword
    summary = "UPDATE without WHERE overwrites a column in every row."

    def check_statement(self, statement: Statement, context: FileContext):
        for update in _every_row_updated(statement, context.names):
            # Filling in a column this migration just added is a backfill: no old value is lost.
            if update.columns and all(
                context.created_in_migration("column", f"{update.table}.{column}", statement) for column in update.columns
            ):
                continue
            finding = context.finding(
                statement,
                f"UPDATE {update.shown} has no WHERE clause: it overwrites {', '.join(update.columns) or 'columns'} in every row",
                "Add a WHERE clause for the rows you mean to change; for a large backfill, update "
                "in batches so the table is not locked for the whole run.",
            )
            yield pointing_at(context, finding, update.at)


class _Update(NamedTuple):
    table: str  # a model key
    columns: tuple[str, ...]  # those it sets
    shown: str  # the table's name as written (shown_name)
    at: tuple[int, int] | None  # where it is written


@digest(
    takes=holding(TokenType.UPDATE), words=("update",), serves=("SM106",), absent=(), memo=False
)  # an UPDATE node comes from an UPDATE keyword
def _every_row_updated(statement: Statement, names: Names | None) -> tuple[_Update, ...]:
    """The statement's UPDATEs with neither a WHERE nor a join (MySQL's multi-table UPDATE), nor MERGE's ON for
    its `WHEN MATCHED THEN UPDATE` (an Update with no table): each limits the rows as a WHERE would."""
    assert names is not None  # the rule passes its file's names
    found = []
    for update in statement.nodes(exp.Update):
        if update.args.get("where") is not None or update.this is None or update.this.args.get("joins"):
            continue
        table = names.table(update.this)
        columns = []
        for item in update.expressions:
            if isinstance(item, exp.EQ):
                target = update_targets(item)
                columns += [names.ident(t) for t in (target.expressions if isinstance(target, exp.Tuple) else [target])]
        found.append(_Update(table, tuple(columns), shown_name(table, update.this), identifiers_extent(update.this)))
    return tuple(found)
