from safemig_lint.analysis.schema.effects import ColumnChanged, Effect, TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.sm504_set_not_null_scans_table import proven_not_null
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.reading.statements import Statement


class SetNotNullWithoutBackfill(Rule):
    code = "SM207"
    name = "set-not-null-without-backfill"
    severity = Severity.WARNING
    summary = "Making a column NOT NULL without filling the NULLs it may hold fails on the first row that has one."
    reads_effects = (ColumnChanged,)

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if context.is_down or history is None or context.dialect not in ("postgres", "mysql"):
            return  # a down restoring NOT NULL is SM204's
        effects = history.effects_of(context.file, statement)
        for effect in effects:
            if not isinstance(effect, ColumnChanged) or not effect.before.nullable or effect.after.nullable:
                continue
            table, column = effect.table, effect.after.name
            if effect.before.unknown or context.created_earlier_in_file("table", table, statement):
                continue  # a table created by this file has no rows yet
            if _nulls_converted(effects, context.operations(statement), table, column):
                continue
            added = context.row_changes.added_before(statement, table, column)
            if added is not None and (added.column.default is not None or added.identity or added.column.generated):
                continue  # ADD COLUMN ... DEFAULT filled every existing row
            fill = context.row_changes.only_partly_filled_before(statement, table, column) if added is not None else None
            partly = fill is not None and not _join_reaches_every_row(context, table, fill)
            if context.row_changes.settled_before(statement, table, column) and not partly:
                continue
            if added is None and (history.filled_before(table, column, context.file.version) or proven_not_null(context, table, column)):
                continue  # an earlier migration filled it, or a validated CHECK (c IS NOT NULL) already holds
            yield context.finding(
                statement,
                _message(context, table, column, added is not None, partly),
                f"Fill the NULLs first, in the same migration: `UPDATE {table} SET {column} = ... WHERE {column} IS NULL;` "
                f"before this statement{'' if added is None else ', or add the column with a DEFAULT'}.",
                effect.at,
            )


def _nulls_converted(effects: list[Effect], ops: list[o.Op], table: str, column: str) -> bool:
    """Does a type change of the same ALTER TABLE rewrite the column's NULLs (USING COALESCE(c, ...) or
    CASE WHEN c IS NULL ...)? PostgreSQL checks NOT NULL on the rewritten rows (pocket-id's scope to jsonb)."""
    for effect in effects:
        if not (isinstance(effect, TypeChanged) and effect.table == table and effect.column == column and effect.using):
            continue
        if any(isinstance(op, o.AlterColumn) and op.at is effect.at and column.lower() in op.nulls_rewritten for op in ops):
            return True
    return False


def _join_reaches_every_row(context: FileContext, table: str, fill) -> bool:
    """`UPDATE t ... FROM o WHERE t.c = o.k` where c is a NOT NULL foreign key to o(k): every row has its match."""
    if not fill.joined:
        return False
    own, other, key = fill.joined
    schema = context.locks.schema_before
    known = schema.tables.get(table) if schema is not None else None
    if known is None or known.unknown or own not in known.columns or known.columns[own].nullable:
        return False
    return any(
        c.kind == "foreign" and c.columns == (own,) and c.references.replace(" ", "").lower() == f"{other}({key})".lower()
        for c in known.constraints.values()
    )


def _message(context: FileContext, table: str, column: str, added: bool, partly: bool = False) -> str:
    if context.dialect == "postgres":
        error = f'fails with "column "{column}" of relation "{bare_name(table)}" contains null values"'
    else:
        error = 'fails with "Invalid use of NULL value" (strict mode) or turns each NULL into the type\'s zero value'
    if partly:
        return (
            f"{table}.{column} was added earlier in this file without a default and filled only by an UPDATE of some rows "
            f"(a WHERE or a join): making it NOT NULL {error} as soon as a row the UPDATE does not reach exists"
        )
    if added:
        return (
            f"{table}.{column} was added earlier in this file without a default, so every existing row holds NULL in it: "
            f"making it NOT NULL {error} as soon as {table} has a row"
        )
    return f"making {table}.{column} NOT NULL {error} if any row holds NULL in it, and nothing in this migration fills them first"
