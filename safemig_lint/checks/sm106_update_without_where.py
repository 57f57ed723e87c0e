from sqlglot import exp
from sqlglot.tokens import TokenType

from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.read import update_targets
from safemig_lint.reading.statements import Statement


class UpdateWithoutWhere(Rule):
    code = "SM106"
    name = "update-without-where"
    severity = Severity.WARNING
    reads_tokens = frozenset({TokenType.UPDATE})  # a UPDATE node comes from a UPDATE keyword
    summary = "UPDATE without WHERE overwrites a column in every row."

    def check_statement(self, statement: Statement, context: FileContext):
        for update in statement.nodes(exp.Update):
            # A join (MySQL's multi-table UPDATE) limits the rows as a WHERE would, and so does
            # MERGE's ON for its `WHEN MATCHED THEN UPDATE` (an Update with no table).
            if update.args.get("where") is not None or update.this is None or update.this.args.get("joins"):
                continue
            table = context.names.table(update.this)
            columns = []
            for item in update.expressions:
                if isinstance(item, exp.EQ):
                    target = update_targets(item)
                    columns += [context.names.ident(t) for t in (target.expressions if isinstance(target, exp.Tuple) else [target])]
            # Filling in a column this migration just added is a backfill: no old value is lost.
            if columns and all(context.created_in_migration("column", f"{table}.{column}", statement) for column in columns):
                continue
            yield context.finding(
                statement,
                f"UPDATE {shown_name(table, update.this)} has no WHERE clause: it overwrites {', '.join(columns) or 'columns'} in every row",
                "Add a WHERE clause for the rows you mean to change; for a large backfill, update "
                "in batches so the table is not locked for the whole run.",
                update.this,
            )
