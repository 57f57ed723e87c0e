from safemig_lint.analysis.schema.effects import RowsCopied
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class CopyByPositionMismatch(Rule):
    code = "SM205"
    name = "copy-by-position-mismatch"
    severity = Severity.ERROR
    summary = "INSERT INTO t SELECT * (or without a column list) copies by position: columns in a different order put values in the wrong columns."

    reads_ops = (o.CopyRows,)  # its findings are copies that name no columns

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None:
            return
        copies = [op for op in context.operations(statement) if isinstance(op, o.CopyRows)]
        implicit = {id(op.at) for op in copies if op.target_columns is None or op.source_columns is None}
        if not implicit:
            return  # both sides name their columns: what the author wrote is what is copied
        for effect in history.effects_of(context.file, statement):
            if not isinstance(effect, RowsCopied) or id(effect.at) not in implicit:
                continue
            targets, sources = effect.counts
            if not targets or targets != sources:
                continue  # unknown tables, or a count that does not match: the database says so itself
            names = {target for target, _, _, _ in effect.pairs}
            crossed = [(target, source) for target, source, _, _ in effect.pairs if source and source != target and source in names]
            if not crossed:
                continue
            shown = ", ".join(f"{effect.source}.{source} into {effect.target}.{target}" for target, source in crossed[:4])
            more = f" and {len(crossed) - 4} more" if len(crossed) > 4 else ""
            columns = ", ".join(target for target, _, _, _ in effect.pairs)
            yield context.finding(
                statement,
                f"this copy matches columns by position, and {effect.target} and {effect.source} order them differently: "
                f"it puts {shown}{more} (or fails where their types do not convert)",
                f"Name the columns on both sides: `INSERT INTO {effect.target} ({columns}) SELECT {columns} FROM {effect.source}`.",
                effect.at,
            )
