from safemig_lint.analysis.schema.effects import RowsCopied
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.sm504_set_not_null_scans_table import proven_not_null
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement

_FAILS = {
    "postgres": 'fails with "null value in column ... violates not-null constraint"',
    "mysql": 'fails with "Column ... cannot be null" (strict mode)',
    "sqlite": 'fails with "NOT NULL constraint failed"',
}


class CopyNullsIntoNotNull(Rule):
    code = "SM208"
    name = "copy-nulls-into-not-null"
    severity = Severity.WARNING
    summary = (
        "INSERT ... SELECT copies a column that may hold NULL into a NOT NULL column (a table rebuild that tightens it): "
        "the first NULL makes the copy fail."
    )

    reads_ops = (o.CopyRows,)  # its findings are copies without a WHERE

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if context.is_down or history is None:
            return  # a down restoring NOT NULL is SM204's
        unfiltered = {id(op.at) for op in context.operations(statement) if isinstance(op, o.CopyRows) and not op.filtered}
        before = context.locks.schema_before
        for effect in history.effects_of(context.file, statement):
            if not isinstance(effect, RowsCopied) or not effect.into_not_null or id(effect.at) not in unfiltered:
                continue  # a WHERE may leave the NULLs out
            source = before.tables.get(effect.source) if before is not None else None
            if source is None or context.created_earlier_in_file("table", effect.source, statement):
                continue  # rows the file itself put there
            keyed = {c for k in source.constraints.values() if k.kind == "primary" for c in k.columns}
            risky = [
                (target, column)
                for target, column in effect.into_not_null
                if column not in keyed
                and not context.row_changes.settled_before(statement, effect.source, column)
                and not history.filled_before(effect.source, column, context.file.version)
                and not proven_not_null(context, effect.source, column)
            ]
            if not risky:
                continue
            shown = ", ".join(f"{effect.source}.{column} into {effect.target}.{target}" for target, column in risky[:4])
            more = f" and {len(risky) - 4} more" if len(risky) > 4 else ""
            yield context.finding(
                statement,
                f"this copy puts {shown}{more}: the source column allows NULL and the target does not, so the copy "
                f"{_FAILS.get(context.dialect, 'fails')} on the first row holding NULL there",
                "Fill or drop those rows first (`UPDATE ... SET column = ... WHERE column IS NULL`), copy `COALESCE(column, ...)`, "
                "or keep the target column nullable.",
                effect.at,
            )
